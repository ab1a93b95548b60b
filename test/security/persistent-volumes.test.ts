// Attacks on the local-path provisioner's volumes through the real API server: a claim that points at
// another namespace's volume, and a volume whose contents are symbolic links out of it when reclaim Delete
// removes its directory.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { createClient } from "../../src/client/index.ts";
import { LOCAL_PATH_PROVISIONER, PersistentVolumeSource } from "../../src/kubelet/volumes-persistent.ts";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  for (const name of ["victim", "attacker"]) {
    const r = await c.admin("POST", "/api/v1/namespaces", { metadata: { name } });
    assert.equal(r.status, 201, r.text);
  }
});
after(() => c?.stop());

const NODE = "node-1";

async function create(apiPath: string, body: unknown): Promise<any> {
  const r = await c.admin("POST", apiPath, body);
  assert.equal(r.status, 201, r.text);
  return r.json;
}

/** A claim in namespace, with a volume of this provisioner bound to it (as provisioned), under the volumes dir. */
async function provisioned(
  namespace: string,
  name: string,
  reclaim = "Retain",
): Promise<{ pv: string; dir: string }> {
  const claim = await create(`/api/v1/namespaces/${namespace}/persistentvolumeclaims`, {
    metadata: { name },
    spec: {
      storageClassName: "",
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
    },
  });
  const pv = `pvc-${claim.metadata.uid}`;
  const dir = path.join(c.server.persistentVolumesDir, pv);
  await mkdir(dir, { recursive: true });
  await create("/api/v1/persistentvolumes", {
    metadata: { name: pv, annotations: { "pv.kubernetes.io/provisioned-by": LOCAL_PATH_PROVISIONER } },
    spec: {
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: reclaim,
      storageClassName: "",
      hostPath: { path: dir },
      claimRef: { kind: "PersistentVolumeClaim", namespace, name, uid: claim.metadata.uid, apiVersion: "v1" },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [NODE] }] },
          ],
        },
      },
    },
  });
  return { pv, dir };
}

test("a claim Bound (by a status write) to another claim's volume is not mounted: the volume's claimRef UID must be the claim's", async () => {
  const { pv } = await provisioned("victim", "data");
  const source = new PersistentVolumeSource(
    await createClient({ kubeconfig: c.kubeconfigPath }),
    c.server.persistentVolumesDir,
    NODE,
  );
  await eventually(
    async () => !((await source.resolve("victim", "data")) instanceof Error),
    30_000,
    "victim bound",
  );
  // The attacker's claim names the victim's volume. bound-by-controller makes the volume controller give up on
  // it (an error, retried) instead of setting it Pending, so a forged Bound status stays.
  await create("/api/v1/namespaces/attacker/persistentvolumeclaims", {
    metadata: { name: "steal", annotations: { "pv.kubernetes.io/bound-by-controller": "yes" } },
    spec: {
      storageClassName: "",
      volumeName: pv,
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
    },
  });
  const claimPath = "/api/v1/namespaces/attacker/persistentvolumeclaims/steal";
  const status = await c.admin(
    "PATCH",
    `${claimPath}/status`,
    { status: { phase: "Bound" } },
    "application/merge-patch+json",
  );
  assert.equal(status.status, 200, status.text);
  const resolved = await source.resolve("attacker", "steal");
  assert.ok(resolved instanceof Error, `the attacker's Pod would mount ${String(resolved)}`);
  assert.match(resolved.message, /does not point to claim.UID/);
});

test("reclaim Delete removes the volume's directory without following the symbolic links a Pod left in it", async () => {
  const outside = path.join(c.dir, "outside");
  await mkdir(path.join(outside, "dir"), { recursive: true });
  await writeFile(path.join(outside, "canary"), "host file");
  await writeFile(path.join(outside, "dir", "canary"), "host file");
  const { pv, dir } = await provisioned("victim", "links", "Delete");
  await eventually(
    async () => (await c.admin("GET", `/api/v1/persistentvolumes/${pv}`)).json.status?.phase === "Bound",
    30_000,
    "bound",
  );
  await symlink("/", path.join(dir, "root"));
  await symlink(outside, path.join(dir, "outside"));
  await symlink(path.join(outside, "canary"), path.join(dir, "canary"));
  await mkdir(path.join(dir, "sub"));
  await symlink(path.join(outside, "dir"), path.join(dir, "sub", "dir"));
  const r = await c.admin("DELETE", "/api/v1/namespaces/victim/persistentvolumeclaims/links");
  assert.equal(r.status, 200, r.text);
  await eventually(
    async () => (await c.admin("GET", `/api/v1/persistentvolumes/${pv}`)).status === 404,
    30_000,
    "volume deleted",
  );
  assert.equal(existsSync(dir), false);
  assert.deepEqual((await readdir(outside)).sort(), ["canary", "dir"]);
  assert.deepEqual(await readdir(path.join(outside, "dir")), ["canary"]);
  assert.ok(existsSync("/etc/passwd"));
});

test("a claim event does not parse every PersistentVolume: thousands of claims and volumes stalled the server", async () => {
  // Before: each event of any claim parsed every volume (to find those pointing at it), and each sync of an
  // unbound claim parsed them all again — claims × volumes parses, on the server's event loop (1,000 new
  // claims beside 1,000 bound volumes: 8.4 s of CPU, stalls of 1.2 s).
  const VOLUMES = 300;
  for (let i = 0; i < VOLUMES; i += 50)
    await Promise.all(
      Array.from({ length: 50 }, (_, j) =>
        create("/api/v1/persistentvolumes", {
          metadata: { name: `taken-${i + j}` },
          spec: {
            capacity: { storage: "1Gi" },
            accessModes: ["ReadWriteOnce"],
            storageClassName: "",
            hostPath: { path: `/nonexistent/${i + j}` },
            claimRef: { namespace: "victim", name: `someone-${i + j}` },
          },
        }),
      ),
    );
  const available = async () =>
    (await c.admin("GET", "/api/v1/persistentvolumes")).json.items.filter(
      (v: any) => v.metadata.name.startsWith("taken-") && v.status?.phase === "Available",
    ).length === VOLUMES;
  await eventually(available, 60_000, "the volumes Available");
  const parse = JSON.parse;
  let parsed = 0;
  JSON.parse = ((text: string, reviver?: any) => {
    if (typeof text === "string" && text.startsWith('{"kind":"PersistentVolume",')) parsed++;
    return parse(text, reviver);
  }) as typeof JSON.parse;
  try {
    // The volumes' own status writes come back as events the controller still works through: count only once
    // it has been quiet for a second, so what is counted is the claim's work alone.
    let before = -1;
    while (before !== parsed) {
      before = parsed;
      await new Promise((r) => setTimeout(r, 1000));
    }
    parsed = 0;
    await create("/api/v1/namespaces/attacker/persistentvolumeclaims", {
      metadata: { name: "lonely" },
      spec: {
        storageClassName: "",
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "1Gi" } },
      },
    });
    await eventually(
      async () =>
        (
          await c.admin(
            "GET",
            "/api/v1/namespaces/attacker/events?fieldSelector=involvedObject.name%3Dlonely,reason%3DFailedBinding",
          )
        ).json.items.length > 0,
      30_000,
      "the claim synced",
    );
  } finally {
    JSON.parse = parse;
  }
  assert.ok(parsed < 20, `one claim's create and sync parsed ${parsed} PersistentVolumes`);
});
