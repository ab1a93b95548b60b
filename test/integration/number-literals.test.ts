// A create or update body with `1.0` for an integer field is refused as Go's decoder refuses it (400,
// `cannot unmarshal number 1.0 into Go struct field … of type int32`); numbers elsewhere are untouched.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "nl" } });
});
after(async () => {
  await c.stop();
});

const DEPLOYMENTS = "/apis/apps/v1/namespaces/nl/deployments";
const deployment = (replicas: string) =>
  `{"metadata":{"name":"d"},"spec":{"replicas":${replicas},"selector":{"matchLabels":{"app":"d"}},` +
  `"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"nginx:1.25",` +
  `"resources":{"limits":{"cpu":0.5}}}]}}}}`;

test("POST and PUT: 1.0 and 1e0 for an int32 are 400 with the literal; 1 is fine", async () => {
  for (const literal of ["1.0", "1e0"]) {
    const r = await c.admin("POST", DEPLOYMENTS, deployment(literal));
    assert.equal(r.status, 400, r.text);
    assert.equal(
      r.json.message,
      `Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number ${literal} into Go struct field DeploymentSpec.spec.replicas of type int32`,
    );
  }
  const created = await c.admin("POST", DEPLOYMENTS, deployment("1"));
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.spec.template.spec.containers[0].resources.limits.cpu, "500m");

  const body = JSON.stringify({ ...created.json, spec: { ...created.json.spec, replicas: 2 } }).replace(
    '"replicas":2',
    '"replicas":2.0',
  );
  const put = await c.admin("PUT", `${DEPLOYMENTS}/d`, body);
  assert.equal(put.status, 400, put.text);
  assert.match(
    put.json.message,
    /cannot unmarshal number 2\.0 into Go struct field DeploymentSpec\.spec\.replicas of type int32$/,
  );
});
