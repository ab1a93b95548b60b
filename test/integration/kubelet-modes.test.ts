// Two runtimes on one API server, each a node: "strict" (the default policy: no host commands) and
// "fallback" (host commands allowed, no mount namespace, so the ServiceAccount directory is announced
// through INCLUSTER_SERVICEACCOUNT_DIR). Also the scheduler's nodeSelector check.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import pino from "pino";
import { type RunningRuntime, startRuntime } from "../../src/kubelet/index.ts";
import {
  CLIENT_MODULE,
  containerState,
  createNamespace,
  createPod,
  kubectlUntil,
  NODE,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "modes";

let c: RuntimeCluster;
let fallback: RunningRuntime;
before(async () => {
  c = await startRuntimeCluster({ nodeName: "strict" });
  fallback = await startRuntime({
    kubeconfig: c.kubeconfigPath,
    nodeName: "fallback",
    dataDir: path.join(c.scratch, "fallback"),
    logs: c.runtime.logs, // one store serves pods/log for both nodes
    allowHostCommands: true,
    mountNamespace: false,
    schedule: false,
    logger: pino({ level: "silent" }),
  });
  await createNamespace(c, NS);
  const grant = await c.admin("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
    metadata: { name: "default-view" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    subjects: [{ kind: "ServiceAccount", name: "default", namespace: NS }],
  });
  assert.equal(grant.status, 201, grant.text);
});
after(async () => {
  await fallback.stop();
  await c.stop();
});

test("both nodes are registered and Ready", async () => {
  const nodes = await c.kubectl(["get", "nodes"]);
  assert.match(nodes.stdout, /^fallback\s+Ready\s+<none>\s+\S+\s+v1\.33\.0-incluster$/m);
  assert.match(nodes.stdout, /^strict\s+Ready\s+<none>\s+\S+\s+v1\.33\.0-incluster$/m);
});

test("each node holds its Lease in kube-node-lease, owned by its Node", async () => {
  const leases = await c.kubectl(["get", "leases", "-n", "kube-node-lease", "-o", "json"]);
  const items = (JSON.parse(leases.stdout) as { items: any[] }).items;
  for (const name of ["fallback", "strict"]) {
    const lease = items.find((l) => l.metadata.name === name);
    assert.ok(lease, `the Lease of node ${name}`);
    assert.equal(lease.spec.holderIdentity, name);
    assert.equal(lease.spec.leaseDurationSeconds, 40);
    assert.match(lease.spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const node = JSON.parse((await c.kubectl(["get", "node", name, "-o", "json"])).stdout);
    assert.deepEqual(lease.metadata.ownerReferences, [
      { apiVersion: "v1", kind: "Node", name, uid: node.metadata.uid },
    ]);
  }
});

test("without a mount namespace the Pod finds its token through INCLUSTER_SERVICEACCOUNT_DIR", async () => {
  assert.equal(fallback.mountNamespace, false);
  const script = await c.script(
    "fallback.mjs",
    `import { createClient } from ${JSON.stringify(CLIENT_MODULE)};
const client = await createClient();
const pods = await client.resource("pods").list();
console.log(process.env.INCLUSTER_SERVICEACCOUNT_DIR);
console.log(client.namespace, pods.items.length);`,
  );
  await createPod(c, NS, {
    metadata: { name: "announced" },
    spec: {
      nodeName: "fallback",
      restartPolicy: "Never",
      volumes: [{ name: "scratch", emptyDir: {} }],
      containers: [
        {
          name: "main",
          image: "busybox",
          command: [NODE, script],
          volumeMounts: [{ name: "scratch", mountPath: "/data" }],
        },
      ],
    },
  });
  const pod = await c.waitForPod(
    NS,
    "announced",
    (p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed",
    "finished",
  );
  const logs = await c.kubectl(["logs", "announced", "-n", NS]);
  assert.equal(pod.status?.phase, "Succeeded", logs.stdout + logs.stderr);
  const [dir, listing] = logs.stdout.trim().split("\n");
  const volumes = path.join(
    c.scratch,
    "fallback",
    "pods",
    pod.metadata!.uid!,
    "volumes",
    "kubernetes.io~projected",
  );
  assert.match(dir, new RegExp(`^${volumes.replaceAll(".", "\\.")}/kube-api-access-[a-z0-9]{5}$`));
  assert.match(listing, new RegExp(`^${NS} \\d+$`));
  await kubectlUntil(
    c,
    ["get", "events", "-n", NS, "--field-selector", "involvedObject.name=announced"],
    /this runtime cannot mount volumes \(no mount namespace\): \/data is at /,
  );
});

test("without --allow-host-commands a container's command does not run on the host", async () => {
  await createPod(c, NS, {
    metadata: { name: "hostile" },
    spec: { containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "touch /tmp/pwned"] }] },
  });
  const pod = await c.waitForPod(
    NS,
    "hostile",
    (p) => containerState(p)?.state?.waiting?.reason === "ErrImageNeverPull",
    "ErrImageNeverPull",
  );
  assert.equal(pod.spec?.nodeName, "strict");
  assert.match(
    containerState(pod)?.state?.waiting?.message ?? "",
    /which would run on the host; .*--allow-host-commands/,
  );
  await kubectlUntil(
    c,
    ["describe", "pod", "hostile", "-n", NS],
    /Warning\s+ErrImageNeverPull\s+.*kubelet\s+Error: Container image "busybox"/,
  );
});

test("a nodeSelector no node matches leaves the Pod Unschedulable", async () => {
  await createPod(c, NS, {
    metadata: { name: "picky" },
    spec: {
      nodeSelector: { "kubernetes.io/hostname": "elsewhere" },
      containers: [{ name: "main", image: "ghcr.io/incluster/incluster" }],
    },
  });
  const pod = await c.waitForPod(
    NS,
    "picky",
    (p) =>
      p.status?.conditions?.some((k) => k.type === "PodScheduled" && k.reason === "Unschedulable") ?? false,
    "Unschedulable",
  );
  assert.equal(pod.spec?.nodeName, undefined);
  assert.equal(pod.status?.phase ?? "Pending", "Pending");
});
