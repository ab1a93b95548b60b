// PersistentVolumeClaim and PersistentVolume /status writes meet their status validation
// (ValidatePersistentVolumeClaimStatusUpdate, ValidatePersistentVolumeStatusUpdate), not the whole one.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "cs" } });
});
after(async () => {
  await c.stop();
});

const CLAIMS = "/api/v1/namespaces/cs/persistentvolumeclaims";

test("a claim's /status: resize states and allocated resources are checked, and a PUT needs a resourceVersion", async () => {
  const created = await c.admin("POST", CLAIMS, {
    metadata: { name: "data" },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: "",
      resources: { requests: { storage: "1Gi" } },
    },
  });
  assert.equal(created.status, 201, created.text);

  const latest = async () => (await c.admin("GET", `${CLAIMS}/data`)).json;
  const ok = await latest();
  ok.status = {
    ...ok.status,
    allocatedResources: { storage: "1Gi" },
    allocatedResourceStatuses: { storage: "NodeResizePending" },
  };
  const put = await c.admin("PUT", `${CLAIMS}/data/status`, ok);
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(put.json.status.allocatedResourceStatuses, { storage: "NodeResizePending" });

  const bad = await latest();
  bad.status = {
    ...bad.status,
    capacity: { storage: "-1Gi" },
    allocatedResourceStatuses: { storage: "Resizing" },
  };
  const refused = await c.admin("PUT", `${CLAIMS}/data/status`, bad);
  assert.equal(refused.status, 422, refused.text);
  assert.equal(
    refused.json.message,
    'PersistentVolumeClaim "data" is invalid: [status.capacity[storage]: Invalid value: -1073741824: must be a valid resource quantity, status.allocatedResourceStatuses: Unsupported value: "storage": supported values: "ControllerResizeInProgress", "ControllerResizeInfeasible", "NodeResizeInProgress", "NodeResizeInfeasible", "NodeResizePending"]',
  );

  const noVersion = await latest();
  delete noVersion.metadata.resourceVersion;
  const unversioned = await c.admin("PUT", `${CLAIMS}/data/status`, noVersion);
  assert.equal(unversioned.status, 422, unversioned.text);
  assert.equal(
    unversioned.json.message,
    'PersistentVolumeClaim "data" is invalid: resourceVersion: Required value',
  );

  // A patch applies to the stored object, which has one.
  const patched = await c.admin(
    "PATCH",
    `${CLAIMS}/data/status`,
    { status: { allocatedResourceStatuses: null } },
    "application/merge-patch+json",
  );
  assert.equal(patched.status, 200, patched.text);
});

test("a volume's /status PUT needs a resourceVersion", async () => {
  const created = await c.admin("POST", "/api/v1/persistentvolumes", {
    metadata: { name: "cs-pv" },
    spec: {
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: "Retain",
      hostPath: { path: "/tmp/cs-pv" },
    },
  });
  assert.equal(created.status, 201, created.text);
  const body = structuredClone(created.json);
  delete body.metadata.resourceVersion;
  body.status = { phase: "Available", message: "ok" };
  const r = await c.admin("PUT", "/api/v1/persistentvolumes/cs-pv/status", body);
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.message, 'PersistentVolume "cs-pv" is invalid: resourceVersion: Required value');
});
