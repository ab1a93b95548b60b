// `incluster run`: a local command gets a ServiceAccount's token, CA and namespace in the kubelet's layout,
// the in-cluster environment, and its own exit code back — against the real local API server.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";
import { CLI, CLIENT_MODULE, createNamespace, NODE } from "./kubelet-harness.ts";

const NS = "run-test";
let c: TestCluster;
let scratch: string;

before(async () => {
  c = await startTestCluster();
  scratch = await mkdtemp(path.join(os.tmpdir(), "incluster-run-test-"));
  await createNamespace(c, NS);
  for (const name of ["reader", "nobody"]) {
    const sa = await c.admin("POST", `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name } });
    assert.equal(sa.status, 201, sa.text);
  }
  const grant = await c.admin("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
    metadata: { name: "reader-view" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    subjects: [{ kind: "ServiceAccount", name: "reader", namespace: NS }],
  });
  assert.equal(grant.status, 201, grant.text);
});
after(async () => {
  await c.stop();
  await rm(scratch, { recursive: true, force: true });
});

/** What an app in a Pod does: in-cluster config, list pods in its namespace; exit 3 on 403. */
const APP = `
import { existsSync } from "node:fs";
import { createClient, isForbidden } from ${JSON.stringify(CLIENT_MODULE)};
console.log("standard path:", existsSync("/var/run/secrets/kubernetes.io/serviceaccount/token"));
console.log("announced dir:", process.env.INCLUSTER_SERVICEACCOUNT_DIR ?? "-");
console.log("kubeconfig:", process.env.KUBECONFIG ?? "-");
const client = await createClient();
try {
  const pods = await client.resource("pods").list();
  console.log("server:", client.config.server);
  console.log(\`\${client.namespace}: \${pods.items.length} pods\`);
} catch (error) {
  if (!isForbidden(error)) throw error;
  console.error(error.message);
  process.exit(3);
}
`;

async function app(): Promise<string> {
  const file = path.join(scratch, "app.mjs");
  await writeFile(file, APP);
  return file;
}

function incluster(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      NODE,
      [CLI, ...args],
      { env: { ...process.env, KUBECONFIG: "/nonexistent", ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

test("a ServiceAccount that may list pods: in-cluster config at the standard path, exit 0", async () => {
  const r = await incluster([
    "run",
    "--serviceaccount",
    `${NS}/reader`,
    "--kubeconfig",
    c.kubeconfigPath,
    "--",
    NODE,
    await app(),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^standard path: true$/m);
  assert.match(r.stdout, /^announced dir: -$/m);
  assert.match(r.stdout, /^kubeconfig: -$/m);
  assert.match(r.stdout, new RegExp(`^server: https://127\\.0\\.0\\.1:${c.server.port}$`, "m"));
  assert.match(r.stdout, new RegExp(`^${NS}: 0 pods$`, "m"));
  assert.match(r.stderr, new RegExp(`running as system:serviceaccount:${NS}:reader`));
  assert.doesNotMatch(r.stderr + r.stdout, /eyJ[\w-]{20,}/, "no token is printed");
});

test("a ServiceAccount that may not: the child's 403 and exit code come through", async () => {
  const r = await incluster([
    "run",
    "--serviceaccount",
    `${NS}/nobody`,
    "--kubeconfig",
    c.kubeconfigPath,
    "--",
    NODE,
    await app(),
  ]);
  assert.equal(r.code, 3);
  assert.match(
    r.stderr,
    new RegExp(
      `pods is forbidden: User "system:serviceaccount:${NS}:nobody" cannot list resource "pods" in API group "" in the namespace "${NS}"`,
    ),
  );
});

test("without a mount namespace the files are announced through INCLUSTER_SERVICEACCOUNT_DIR and removed afterwards", async () => {
  const r = await incluster([
    "run",
    "--serviceaccount",
    `${NS}/reader`,
    "--kubeconfig",
    c.kubeconfigPath,
    "--no-mount-namespace",
    "--",
    NODE,
    await app(),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const dir = /^announced dir: (.+)$/m.exec(r.stdout)?.[1] ?? "";
  assert.match(dir, /incluster-run-[^/]+\/serviceaccount$/);
  assert.match(r.stdout, new RegExp(`^${NS}: 0 pods$`, "m"));
  assert.equal(existsSync(dir), false, "the temp dir is cleaned up");
});

test("--pod binds the token to the Pod", async () => {
  const pod = await c.admin("POST", `/api/v1/namespaces/${NS}/pods`, {
    metadata: { name: "bound" },
    spec: {
      serviceAccountName: "reader",
      containers: [{ name: "main", image: "ghcr.io/incluster/incluster" }],
    },
  });
  assert.equal(pod.status, 201, pod.text);
  const claims = path.join(scratch, "claims.mjs");
  await writeFile(
    claims,
    `import { readFileSync } from "node:fs";
const token = readFileSync("/var/run/secrets/kubernetes.io/serviceaccount/token", "utf8");
console.log(JSON.stringify(JSON.parse(Buffer.from(token.split(".")[1], "base64url"))["kubernetes.io"].pod));`,
  );
  const r = await incluster([
    "run",
    "--serviceaccount",
    `${NS}/reader`,
    "--kubeconfig",
    c.kubeconfigPath,
    "--pod",
    "bound",
    "--",
    NODE,
    claims,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { name: "bound", uid: pod.json.metadata.uid });
  const wrong = await incluster([
    "run",
    "--serviceaccount",
    `${NS}/nobody`,
    "--kubeconfig",
    c.kubeconfigPath,
    "--pod",
    "bound",
    "--",
    "true",
  ]);
  assert.equal(wrong.code, 125);
  assert.match(wrong.stderr, /pod run-test\/bound runs as ServiceAccount "reader", not "nobody"/);
});

test("signals reach the command; a missing command exits 127", async () => {
  const waiter = path.join(scratch, "waiter.mjs");
  await writeFile(
    waiter,
    `process.on("SIGTERM", () => { console.log("got SIGTERM"); process.exit(7); }); console.log("ready"); setInterval(() => {}, 1 << 30);`,
  );
  const child = spawn(
    NODE,
    [CLI, "run", "--serviceaccount", `${NS}/reader`, "--kubeconfig", c.kubeconfigPath, "--", NODE, waiter],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk;
    if (out.includes("ready\n")) child.kill("SIGTERM");
  });
  const code = await new Promise<number | null>((resolve) =>
    child.on("exit", (exitCode) => resolve(exitCode)),
  );
  assert.equal(code, 7);
  assert.equal(out, "ready\ngot SIGTERM\n");

  const missing = await incluster([
    "run",
    "--serviceaccount",
    `${NS}/reader`,
    "--kubeconfig",
    c.kubeconfigPath,
    "--no-mount-namespace",
    "--",
    "/no/such/command",
  ]);
  assert.equal(missing.code, 127);
});
