// Pod validation on the real server (registry/validation/pod*.ts): 422 Invalid Status bodies with upstream's
// causes for a create, an update, a pods/status write and a binding; defaults and the QoS class on create.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "pv" } });
});
after(() => c.stop());

const PODS = "/api/v1/namespaces/pv/pods";
const container = { name: "c", image: "busybox", resources: { limits: { cpu: "100m", memory: "64Mi" } } };

test("a create is refused with every cause upstream reports", async () => {
  const r = await c.admin("POST", PODS, {
    metadata: { name: "bad" },
    spec: {
      containers: [{ ...container, livenessProbe: { exec: { command: ["true"] }, successThreshold: 2 } }],
      tolerations: [{ operator: "Equal", value: "x" }],
      affinity: {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
      },
    },
  });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.reason, "Invalid");
  assert.deepEqual(
    r.json.details.causes.map((x: { field: string; reason: string }) => `${x.field} ${x.reason}`),
    [
      "spec.containers[0].livenessProbe.successThreshold FieldValueInvalid",
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms FieldValueRequired",
      "spec.tolerations[0].operator FieldValueInvalid",
    ],
  );
  assert.match(
    r.json.message,
    /^Pod "bad" is invalid: \[spec\.containers\[0\]\.livenessProbe\.successThreshold: Invalid value: 2: must be 1, /,
  );
});

test("a valid create gets probe defaults and its QoS class; updates may change only what upstream allows", async () => {
  const created = await c.admin("POST", PODS, {
    metadata: { name: "ok" },
    spec: { containers: [{ ...container, readinessProbe: { httpGet: { port: 8080 } } }] },
  });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.json.spec.containers[0].readinessProbe, {
    httpGet: { port: 8080, path: "/", scheme: "HTTP" },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.equal(created.json.status.qosClass, "Guaranteed", "requests default to limits");

  const image = structuredClone(created.json);
  image.spec.containers[0].image = "busybox:1.36";
  const imageUpdate = await c.admin("PUT", `${PODS}/ok`, image);
  assert.equal(imageUpdate.status, 200, imageUpdate.text);

  const ports = structuredClone(imageUpdate.json);
  ports.spec.containers[0].ports = [{ containerPort: 80 }];
  const refused = await c.admin("PUT", `${PODS}/ok`, ports);
  assert.equal(refused.status, 422, refused.text);
  assert.equal(refused.json.details.causes[0].field, "spec");
  assert.match(
    refused.json.message,
    /Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/,
  );
  assert.match(refused.json.message, /\+ \t\t\tPorts: \{\{ContainerPort: 80, Protocol: "TCP"\}\},/);

  const status = structuredClone(imageUpdate.json);
  status.status.qosClass = "BestEffort";
  status.status.podIPs = [{ ip: "10.0.0.1" }, { ip: "10.0.0.2" }];
  const statusWrite = await c.admin("PUT", `${PODS}/ok/status`, status);
  assert.equal(statusWrite.status, 422, statusWrite.text);
  assert.deepEqual(
    statusWrite.json.details.causes.map((x: { field: string }) => x.field),
    ["status.qosClass", "status.podIPs"],
  );
});

test("a binding names what is wrong with its target", async () => {
  const r = await c.admin("POST", `${PODS}/ok/binding`, {
    metadata: { name: "ok" },
    target: { kind: "Pod" },
  });
  assert.equal(r.status, 422, r.text);
  assert.equal(
    r.json.message,
    'Binding "ok" is invalid: [target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>", target.name: Required value]',
  );
});
