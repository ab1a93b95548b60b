// PersistentVolumeClaims end to end on the real server and runtime: the default StorageClass, the
// WaitForFirstConsumer → provisioned → Bound path of the local-path provisioner, data that outlives its
// Pods, StatefulSet volumeClaimTemplates, reclaim Delete, static PVs (pre-bound, mismatched) and the
// runtime's refusal to mount a PV it did not provision. kubectl (1.33) reads the columns and events.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  createNamespace,
  createPod,
  type RuntimeCluster,
  sandboxSkipReason,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "storage";
const skipSandbox = await sandboxSkipReason();

let c: RuntimeCluster;
let mnt: string;
before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
  mnt = path.join(c.scratch, "mnt");
  await mkdir(mnt);
});
after(() => c.stop());

const get = async (p: string) => (await c.admin("GET", p)).json;
const claim = (name: string) => get(`/api/v1/namespaces/${NS}/persistentvolumeclaims/${name}`);
const volume = (name: string) => c.admin("GET", `/api/v1/persistentvolumes/${name}`);
const createClaim = async (name: string, spec: Record<string, unknown>) => {
  const r = await c.admin("POST", `/api/v1/namespaces/${NS}/persistentvolumeclaims`, {
    metadata: { name },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...spec },
  });
  assert.equal(r.status, 201, r.text);
  return r.json;
};
const waitForClaim = (name: string, phase: string) =>
  eventually(
    async () => {
      const pvc = await claim(name);
      return pvc.status?.phase === phase ? pvc : undefined;
    },
    15_000,
    `claim ${name} ${phase}`,
  );
const podWithClaim = (name: string, claimName: string, script: string, readOnly = false): Pod => ({
  metadata: { name },
  spec: {
    restartPolicy: "Never",
    volumes: [{ name: "data", persistentVolumeClaim: { claimName, readOnly } }],
    containers: [
      {
        name: "main",
        image: "busybox",
        command: ["sh", "-c", script],
        volumeMounts: [{ name: "data", mountPath: mnt }],
      },
    ],
  },
});
const finished = (name: string) =>
  c.waitForPod(NS, name, (p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed", "finished");
const logsOf = async (name: string) => {
  const r = await c.kubectl(["logs", name, "-n", NS]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
};
const deletePod = async (name: string) => {
  await c.admin("DELETE", `/api/v1/namespaces/${NS}/pods/${name}`, { gracePeriodSeconds: 0 });
  await eventually(async () => !(await c.pod(NS, name)), 15_000, `pod ${name} gone`);
};

test("a fresh cluster has kind's default StorageClass, and a claim naming no class gets it", async () => {
  const r = await c.kubectl(["get", "storageclass"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE$/m,
  );
  assert.match(
    r.stdout,
    /^standard \(default\)\s+incluster\.dev\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+/m,
  );
  const pvc = await createClaim("defaulted", {});
  assert.equal(pvc.spec.storageClassName, "standard");
  const explicit = await createClaim("no-class", { storageClassName: "" });
  assert.equal(explicit.spec.storageClassName, "", "an explicit empty class is left alone");
});

test("a claim waits for its first consumer, is provisioned on the Pod's node, and keeps data across Pods", async () => {
  await createClaim("data", {});
  await c.server.settle();
  const waiting = await claim("data");
  assert.equal(waiting.status.phase, "Pending");
  const described = await eventually(async () => {
    const r = await c.kubectl(["describe", "pvc", "data", "-n", NS]);
    return /WaitForFirstConsumer/.test(r.stdout) && r.stdout;
  });
  assert.match(
    described,
    /Normal\s+WaitForFirstConsumer\s+\S+\s+persistentvolume-controller\s+waiting for first consumer to be created before binding/,
  );

  await createPod(c, NS, podWithClaim("writer", "data", `echo kept > ${mnt}/file && id -u`));
  const bound = await waitForClaim("data", "Bound");
  const pvName = `pvc-${bound.metadata.uid}`;
  assert.equal(bound.spec.volumeName, pvName);
  assert.equal(bound.metadata.annotations["pv.kubernetes.io/bind-completed"], "yes");
  assert.equal(bound.metadata.annotations["pv.kubernetes.io/bound-by-controller"], "yes");
  assert.equal(bound.metadata.annotations["volume.kubernetes.io/selected-node"], "local");
  assert.equal(
    bound.metadata.annotations["volume.kubernetes.io/storage-provisioner"],
    "incluster.dev/local-path",
  );
  assert.deepEqual(bound.status.accessModes, ["ReadWriteOnce"]);
  assert.deepEqual(bound.status.capacity, { storage: "1Gi" });
  const pv = (await volume(pvName)).json;
  assert.equal(pv.metadata.annotations["pv.kubernetes.io/provisioned-by"], "incluster.dev/local-path");
  assert.equal(pv.status.phase, "Bound");
  assert.equal(pv.spec.persistentVolumeReclaimPolicy, "Delete");
  assert.equal(pv.spec.hostPath.path, path.join(c.server.persistentVolumesDir, pvName));
  assert.deepEqual(pv.spec.claimRef, {
    kind: "PersistentVolumeClaim",
    namespace: NS,
    name: "data",
    uid: bound.metadata.uid,
    apiVersion: "v1",
    resourceVersion: pv.spec.claimRef.resourceVersion,
  });
  assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms, [
    { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["local"] }] },
  ]);

  assert.equal((await finished("writer")).status?.phase, "Succeeded");
  assert.equal(await readFile(path.join(pv.spec.hostPath.path, "file"), "utf8"), "kept\n");
  assert.equal(existsSync(path.join(mnt, "file")), false, "the host directory is only the mount point");
  await deletePod("writer");

  await createPod(
    c,
    NS,
    podWithClaim("reader", "data", `cat ${mnt}/file; echo more > ${mnt}/other || echo read-only`, true),
  );
  assert.equal((await finished("reader")).status?.phase, "Succeeded");
  const log = await logsOf("reader");
  assert.match(log, /^kept\n/);
  assert.match(log, /read-only/, "a claim mounted readOnly cannot be written");
  await deletePod("reader");

  const columns = await c.kubectl(["get", "pvc,pv", "-n", NS]);
  assert.equal(columns.code, 0, columns.stderr);
  assert.match(
    columns.stdout,
    /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE$/m,
  );
  assert.match(
    columns.stdout,
    new RegExp(
      `^persistentvolumeclaim/data\\s+Bound\\s+${pvName}\\s+1Gi\\s+RWO\\s+standard\\s+<unset>\\s+`,
      "m",
    ),
  );
  assert.match(
    columns.stdout,
    new RegExp(
      `^persistentvolume/${pvName}\\s+1Gi\\s+RWO\\s+Delete\\s+Bound\\s+${NS}/data\\s+standard\\s+<unset>\\s+`,
      "m",
    ),
  );
  const events = await eventually(async () => {
    const r = await c.kubectl(["describe", "pvc", "data", "-n", NS]);
    return /ProvisioningSucceeded/.test(r.stdout) && r.stdout;
  });
  assert.match(
    events,
    /Normal\s+ExternalProvisioning\s+.*persistentvolume-controller\s+Waiting for a volume to be created either by the external provisioner 'incluster\.dev\/local-path' or manually by the system administrator\./,
  );
  assert.match(
    events,
    new RegExp(
      `Normal\\s+Provisioning\\s+.*External provisioner is provisioning volume for claim "${NS}/data"`,
    ),
  );
  assert.match(
    events,
    new RegExp(`Normal\\s+ProvisioningSucceeded\\s+.*Successfully provisioned volume ${pvName}`),
  );

  // Reclaim Delete: the claim goes, and with it the PV and its directory.
  await c.admin("DELETE", `/api/v1/namespaces/${NS}/persistentvolumeclaims/data`);
  await eventually(async () => (await volume(pvName)).status === 404, 10_000, "the PV deleted");
  assert.equal(existsSync(pv.spec.hostPath.path), false, "the volume's directory is removed");
});

test("a claim a running Pod uses stays Terminating (pvc-protection) until the Pod goes, then its volume goes", async () => {
  const created = await createClaim("held", {});
  assert.deepEqual(created.metadata.finalizers, ["kubernetes.io/pvc-protection"]);
  await createPod(c, NS, podWithClaim("holder", "held", "exec sleep 3600"));
  await c.waitForPod(NS, "holder", (p) => p.status?.phase === "Running", "running");
  const bound = await waitForClaim("held", "Bound");
  const pv = (await volume(bound.spec.volumeName)).json;
  assert.deepEqual(pv.metadata.finalizers, ["kubernetes.io/pv-protection"]);

  assert.equal((await c.admin("DELETE", `/api/v1/namespaces/${NS}/persistentvolumeclaims/held`)).status, 200);
  await c.server.settle();
  const terminating = await claim("held");
  assert.ok(terminating.metadata.deletionTimestamp);
  assert.deepEqual(terminating.metadata.finalizers, ["kubernetes.io/pvc-protection"]);
  assert.match((await c.kubectl(["get", "pvc", "held", "-n", NS])).stdout, /^held\s+Terminating\s+/m);
  assert.equal((await volume(pv.metadata.name)).json.status.phase, "Bound");

  await deletePod("holder");
  await eventually(async () => (await volume(pv.metadata.name)).status === 404, 10_000, "the PV deleted");
  assert.equal((await c.admin("GET", `/api/v1/namespaces/${NS}/persistentvolumeclaims/held`)).status, 404);
  assert.equal(existsSync(pv.spec.hostPath.path), false);
});

test("a StatefulSet's volumeClaimTemplates give each replica its own claim, kept across Pod recreation", async () => {
  const r = await c.admin("POST", `/apis/apps/v1/namespaces/${NS}/statefulsets`, {
    metadata: { name: "web" },
    spec: {
      replicas: 2,
      serviceName: "web",
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [
            {
              name: "main",
              image: "busybox",
              command: [
                "sh",
                "-c",
                `if [ -f ${mnt}/id ]; then echo "kept $(cat ${mnt}/id)"; else echo "$POD" > ${mnt}/id; echo new; fi; exec sleep 3600`,
              ],
              env: [{ name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
              volumeMounts: [{ name: "www", mountPath: mnt }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "www" },
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "100Mi" } } },
        },
      ],
    },
  });
  assert.equal(r.status, 201, r.text);
  const running = (name: string) =>
    c.waitForPod(NS, name, (p) => p.status?.phase === "Running", "running", 30_000);
  await running("web-0");
  await running("web-1");
  for (const ordinal of [0, 1]) {
    const pvc = await waitForClaim(`www-web-${ordinal}`, "Bound");
    assert.equal(pvc.spec.storageClassName, "standard");
  }
  assert.notEqual((await claim("www-web-0")).spec.volumeName, (await claim("www-web-1")).spec.volumeName);
  assert.equal(await eventually(async () => (await logsOf("web-0")) || undefined), "new\n");
  const first = await c.pod(NS, "web-0");
  await c.admin("DELETE", `/api/v1/namespaces/${NS}/pods/web-0`, { gracePeriodSeconds: 0 });
  const again = await c.waitForPod(
    NS,
    "web-0",
    (p) => p.metadata?.uid !== first?.metadata?.uid && p.status?.phase === "Running",
    "recreated",
    30_000,
  );
  assert.ok(again);
  assert.equal(await eventually(async () => (await logsOf("web-0")) || undefined), "kept web-0\n");
  await c.admin("DELETE", `/apis/apps/v1/namespaces/${NS}/statefulsets/web`, {
    propagationPolicy: "Foreground",
  });
});

test("a static PV pre-bound through claimRef binds its claim, and the runtime refuses to mount it", async () => {
  const pv = await c.admin("POST", "/api/v1/persistentvolumes", {
    metadata: { name: "static-pv" },
    spec: {
      capacity: { storage: "2Gi" },
      accessModes: ["ReadWriteOnce", "ReadOnlyMany"],
      hostPath: { path: c.scratch },
      claimRef: { namespace: NS, name: "static" },
    },
  });
  assert.equal(pv.status, 201, pv.text);
  await createClaim("static", { storageClassName: "" });
  const bound = await waitForClaim("static", "Bound");
  assert.equal(bound.spec.volumeName, "static-pv");
  assert.deepEqual(bound.status.capacity, { storage: "2Gi" });
  const stored = (await volume("static-pv")).json;
  assert.equal(stored.status.phase, "Bound");
  assert.equal(stored.spec.claimRef.uid, bound.metadata.uid);
  assert.equal(
    stored.metadata.annotations?.["pv.kubernetes.io/bound-by-controller"],
    undefined,
    "pre-bound by the user",
  );

  await createPod(c, NS, podWithClaim("escape", "static", `ls ${mnt}`));
  const described = await eventually(async () => {
    const r = await c.kubectl(["describe", "pod", "escape", "-n", NS]);
    return /FailedMount/.test(r.stdout) && r.stdout;
  }, 10_000);
  assert.match(
    described,
    /Warning\s+FailedMount\s+.*MountVolume\.SetUp failed for volume "data" : PersistentVolume "static-pv" was not provisioned by incluster\.dev\/local-path/,
  );
  assert.equal((await c.pod(NS, "escape"))?.status?.phase, "Pending");
  await deletePod("escape");

  // Retain (a static PV's default): the claim goes, the volume stays Released.
  await c.admin("DELETE", `/api/v1/namespaces/${NS}/persistentvolumeclaims/static`);
  await eventually(
    async () => (await volume("static-pv")).json.status?.phase === "Released",
    10_000,
    "Released",
  );
  assert.ok(existsSync(c.scratch));
});

test("a claim asking for an access mode no volume has stays Pending", async () => {
  const pv = await c.admin("POST", "/api/v1/persistentvolumes", {
    metadata: { name: "rwo-only" },
    spec: {
      capacity: { storage: "5Gi" },
      accessModes: ["ReadWriteOnce"],
      storageClassName: "",
      hostPath: { path: "/nonexistent" },
    },
  });
  assert.equal(pv.status, 201, pv.text);
  await createClaim("shared", { accessModes: ["ReadWriteMany"], storageClassName: "" });
  const described = await eventually(async () => {
    const r = await c.kubectl(["describe", "pvc", "shared", "-n", NS]);
    return /FailedBinding/.test(r.stdout) && r.stdout;
  });
  assert.match(described, /no persistent volumes available for this claim and no storage class is set/);
  await c.server.settle();
  assert.equal((await claim("shared")).status.phase, "Pending");
  assert.equal((await volume("rwo-only")).json.status.phase, "Available");
  assert.equal((await volume("rwo-only")).json.spec.claimRef, undefined);

  // The same claim with the volume's mode binds it.
  await createClaim("single", { storageClassName: "" });
  assert.equal((await waitForClaim("single", "Bound")).spec.volumeName, "rwo-only");
  assert.equal(
    (await volume("rwo-only")).json.metadata.annotations["pv.kubernetes.io/bound-by-controller"],
    "yes",
  );
});

test("a sandboxed container (the image user, 65532) writes its claim's volume", {
  skip: skipSandbox,
}, async () => {
  assert.ok(c.runtime.sandboxed);
  await createClaim("sandboxed", {});
  const code =
    'const fs=process.getBuiltinModule("node:fs");fs.writeFileSync("/data/f","from the sandbox");' +
    'console.log("RESULT "+process.getuid()+" "+fs.readFileSync("/data/f","utf8"))';
  await createPod(c, NS, {
    metadata: { name: "sandboxed" },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: "sandboxed" } }],
      containers: [
        {
          name: "main",
          image: "ghcr.io/incluster/incluster",
          args: ["--help"],
          env: [{ name: "NODE_OPTIONS", value: `--import=data:text/javascript,${encodeURIComponent(code)}` }],
          volumeMounts: [{ name: "data", mountPath: "/data" }],
        },
      ],
    },
  });
  assert.equal((await finished("sandboxed")).status?.phase, "Succeeded");
  assert.match(await logsOf("sandboxed"), /^RESULT 65532 from the sandbox$/m);
  const pvc = await claim("sandboxed");
  const file = path.join(c.server.persistentVolumesDir, pvc.spec.volumeName, "f");
  assert.equal(await readFile(file, "utf8"), "from the sandbox");
  assert.equal((await stat(file)).uid, 65532, "the file belongs to the container's user");
});
