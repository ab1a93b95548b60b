// Unmodified clients inside runtime Pods: Debian's python3-kubernetes and @kubernetes/client-node load
// their in-cluster configuration from the standard ServiceAccount path (visible through the Pod's mount
// namespace) and list pods with the Pod's bound token. Also the image policy: the project image runs the
// local CLI, any other image waits as a node that may not pull.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  containerState,
  createNamespace,
  createPod,
  NODE,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "clients";

let c: RuntimeCluster;
before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  assert.equal(
    c.runtime.mountNamespace,
    true,
    "these clients hard-code the standard path: the test host must allow mount namespaces (root)",
  );
  await createNamespace(c, NS);
  const grant = await c.admin("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
    metadata: { name: "clients-view" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    subjects: [{ kind: "ServiceAccount", name: "default", namespace: NS }],
  });
  assert.equal(grant.status, 201, grant.text);
});
after(() => c.stop());

const succeeded = (name: string) =>
  c.waitForPod(
    NS,
    name,
    (p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed",
    "finished",
    30_000,
  );

async function runToCompletion(name: string, command: string[]): Promise<string> {
  await createPod(c, NS, {
    metadata: { name },
    spec: { restartPolicy: "Never", containers: [{ name, image: "debian:bookworm", command }] },
  });
  const pod = await succeeded(name);
  const logs = await c.kubectl(["logs", name, "-n", NS]);
  assert.equal(pod.status?.phase, "Succeeded", `${name} failed:\n${logs.stdout}${logs.stderr}`);
  return logs.stdout;
}

test("python3-kubernetes lists pods with load_incluster_config()", async () => {
  const program =
    "from kubernetes import client, config; config.load_incluster_config(); " +
    "print(len(client.CoreV1Api().list_pod_for_all_namespaces().items))";
  const out = await runToCompletion("python", ["/usr/bin/python3", "-c", program]);
  assert.match(out, /^\d+\n$/);
  assert.ok(Number(out) >= 1, "at least the python pod itself");
});

test("@kubernetes/client-node lists pods with loadFromCluster()", async () => {
  const module = import.meta.resolve("@kubernetes/client-node");
  const script = await c.script(
    "client-node.mjs",
    `import * as k8s from ${JSON.stringify(module)};
const kc = new k8s.KubeConfig();
kc.loadFromCluster();
const pods = await kc.makeApiClient(k8s.CoreV1Api).listPodForAllNamespaces();
console.log(kc.getCurrentCluster().server, pods.items.length);`,
  );
  const out = await runToCompletion("client-node", [NODE, script]);
  const [server, count] = out.trim().split(" ");
  // Pods with their own network reach the server at the kubernetes Service's ClusterIP.
  assert.equal(server, c.runtime.network ? "https://10.96.0.1:443" : c.server.url);
  assert.ok(Number(count) >= 1);
});

test("the project image runs the local incluster CLI with the container's args", async () => {
  await createPod(c, NS, {
    metadata: { name: "cli" },
    spec: {
      restartPolicy: "Never",
      containers: [{ name: "cli", image: "ghcr.io/incluster/incluster:v0.1.0", args: ["--help"] }],
    },
  });
  const pod = await succeeded("cli");
  assert.equal(pod.status?.phase, "Succeeded");
  assert.equal(containerState(pod)?.imageID, "incluster://local-cli");
  const logs = await c.kubectl(["logs", "cli", "-n", NS]);
  assert.match(logs.stdout, /^Usage: incluster /m);
});

test("any other image waits in ErrImageNeverPull with the runtime's policy as the message", async () => {
  await createPod(c, NS, {
    metadata: { name: "nginx" },
    spec: { containers: [{ name: "nginx", image: "nginx:1.27" }] },
  });
  const pod = await c.waitForPod(
    NS,
    "nginx",
    (p) => containerState(p)?.state?.waiting?.reason === "ErrImageNeverPull",
    "ErrImageNeverPull",
  );
  assert.equal(pod.status?.phase, "Pending");
  assert.match(
    containerState(pod)?.state?.waiting?.message ?? "",
    /^Container image "nginx:1\.27" is not present with pull policy of Never: the incluster runtime does not pull images/,
  );
  const table = await c.kubectl(["get", "pod", "nginx", "-n", NS]);
  assert.match(table.stdout, /nginx\s+0\/1\s+ErrImageNeverPull\s+0/);
});
