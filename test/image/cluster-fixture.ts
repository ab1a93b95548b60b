// The cluster side of scripts/test-image.sh: a real local API server on loopback HTTPS, a namespace with
// Pods, and two ServiceAccounts whose projected-volume files (token, ca.crt, namespace) are written where
// the script bind-mounts them into the image, as the kubelet would:
//   <dir>/allowed  a Role + RoleBinding grant it list pods in the namespace
//   <dir>/denied   no RBAC at all
//   <dir>/cluster.json  {"port", "namespace", "pods"} once everything is ready
// Runs until SIGTERM/SIGINT. Tokens are written to files only, never printed.
//   node test/image/cluster-fixture.ts DIR
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { startTestCluster } from "../helpers/cluster.ts";

const NAMESPACE = "image-test";
const PODS = ["web-1", "web-2", "worker-1"];

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node test/image/cluster-fixture.ts DIR  (DIR receives the ServiceAccount files)");
  process.exit(2);
}

const cluster = await startTestCluster({ host: "127.0.0.1" });
const stop = async () => {
  await cluster.stop();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);

async function create(apiPath: string, body: unknown): Promise<any> {
  const r = await cluster.admin("POST", apiPath, body);
  if (r.status !== 201 && r.status !== 200) {
    throw new Error(`POST ${apiPath}: ${r.status} ${r.json?.message ?? r.text.slice(0, 200)}`);
  }
  return r.json;
}

await create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } });
for (const name of PODS) {
  await create(`/api/v1/namespaces/${NAMESPACE}/pods`, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "app", image: "registry.example/app:1" }] },
  });
}
const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}`;
await create(`${rbac}/roles`, {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "Role",
  metadata: { name: "pod-lister" },
  rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }],
});
await create(`${rbac}/rolebindings`, {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "RoleBinding",
  metadata: { name: "pod-lister" },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-lister" },
  subjects: [{ kind: "ServiceAccount", name: "allowed", namespace: NAMESPACE }],
});

for (const sa of ["allowed", "denied"]) {
  await create(`/api/v1/namespaces/${NAMESPACE}/serviceaccounts`, {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: sa },
  });
  const tokenRequest = await create(`/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${sa}/token`, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { expirationSeconds: 3600 },
  });
  // The kubelet's projected volume: world-readable files (defaultMode 0644) in a readable directory, so
  // the image's user 65532 can read them.
  const saDir = path.join(dir, sa);
  await mkdir(saDir, { recursive: true });
  await chmod(saDir, 0o755);
  await writeFile(path.join(saDir, "token"), tokenRequest.status.token, { mode: 0o644 });
  await writeFile(path.join(saDir, "ca.crt"), cluster.server.caPem, { mode: 0o644 });
  await writeFile(path.join(saDir, "namespace"), NAMESPACE, { mode: 0o644 });
}

await writeFile(
  path.join(dir, "cluster.json"),
  `${JSON.stringify({ port: cluster.server.port, namespace: NAMESPACE, pods: PODS.length })}\n`,
);
console.log(
  `local API server on 127.0.0.1:${cluster.server.port}, namespace ${NAMESPACE} with ${PODS.length} Pods`,
);
