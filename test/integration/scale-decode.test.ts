// A Scale write decodes into the Go autoscaling/v1 Scale, as update.go and patch.go do: a spec.replicas
// that is not an int32 is the typed decoder's error — 400 through transformDecodeError for a PUT, 422 on
// field "patch" for a PATCH — for workloads and custom resources alike.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "sd" } });
  const created = await c.admin("POST", "/apis/apps/v1/namespaces/sd/deployments", {
    metadata: { name: "web" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "c", image: "nginx" }] },
      },
    },
  });
  assert.equal(created.status, 201, created.text);
});
after(async () => {
  await c.stop();
});

const SCALE = "/apis/apps/v1/namespaces/sd/deployments/web/scale";
const MERGE = "application/merge-patch+json";

test("PUT: a string or a fraction for spec.replicas is 400 with Go's decoding error", async () => {
  const scale = (await c.admin("GET", SCALE)).json;
  for (const [value, what] of [
    ["3", "string"],
    [1.5, "number 1.5"],
    [2 ** 31, "number 2147483648"],
    [true, "bool"],
  ] as const) {
    const r = await c.admin("PUT", SCALE, { ...scale, spec: { replicas: value } });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.reason, "BadRequest");
    assert.equal(
      r.json.message,
      `Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal ${what} into Go struct field ScaleSpec.spec.replicas of type int32`,
    );
  }
  const unchanged = (await c.admin("GET", SCALE)).json;
  assert.equal(unchanged.spec.replicas, 1);
});

test("PATCH: 422 on field patch, showing the patched Scale", async () => {
  const merge = await c.admin("PATCH", SCALE, { spec: { replicas: "3" } }, MERGE);
  assert.equal(merge.status, 422, merge.text);
  assert.equal(merge.json.reason, "Invalid");
  assert.deepEqual(Object.keys(merge.json.details), ["causes"]);
  assert.equal(merge.json.details.causes[0].field, "patch");
  assert.match(
    merge.json.message,
    /^ "" is invalid: patch: Invalid value: "\{.*\\"spec\\":\{\\"replicas\\":\\"3\\"\}.*\}": json: cannot unmarshal string into Go struct field ScaleSpec\.spec\.replicas of type int32$/,
  );
  const jsonPatch = await c.admin(
    "PATCH",
    SCALE,
    [{ op: "replace", path: "/spec/replicas", value: 2.5 }],
    "application/json-patch+json",
  );
  assert.equal(jsonPatch.status, 422, jsonPatch.text);
  assert.match(
    jsonPatch.json.message,
    /^ "" is invalid: patch: Invalid value: "\{.*\}": json: cannot unmarshal number 2\.5 into Go struct field ScaleSpec\.spec\.replicas of type int32$/,
  );
  const ok = await c.admin("PATCH", SCALE, { spec: { replicas: 2 } }, MERGE);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.spec.replicas, 2);
});

test("unknown fields in a Scale follow fieldValidation", async () => {
  const scale = (await c.admin("GET", SCALE)).json;
  const strict = await c.admin("PUT", `${SCALE}?fieldValidation=Strict`, {
    ...scale,
    spec: { replicas: 1, bogus: 1 },
  });
  assert.equal(strict.status, 400, strict.text);
  assert.equal(
    strict.json.message,
    'Scale in version "v1" cannot be handled as a Scale: strict decoding error: unknown field "spec.bogus"',
  );
});
