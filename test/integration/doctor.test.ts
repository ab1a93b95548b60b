// `incluster doctor` as it runs in a Pod: a ServiceAccount directory in the kubelet's layout, the
// KUBERNETES_SERVICE_* variables pointing at the local API server, and each seed failure mode staged for real.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { issueBoundToken } from "../../src/server/authn/serviceaccount-tokens.ts";
import { type RunningServer, startServer } from "../../src/server/index.ts";
import { loadOrCreatePki } from "../../src/server/pki/index.ts";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";
import { runCli, writeServiceAccountDir } from "../unit/cli/run-cli.ts";

let c: TestCluster;
let other: RunningServer; // a second cluster: its own CA and signing key
let tmp: string;
let dirs = 0;

before(async () => {
  [c, other] = await Promise.all([
    startTestCluster(),
    loadOrCreatePki().then((pki) => startServer({ port: 0, pki, logLevel: "silent" })),
  ]);
  tmp = await mkdtemp(path.join(os.tmpdir(), "incluster-doctor-"));
  for (const ns of ["web", "test-in-cluster"]) {
    assert.equal((await c.admin("POST", "/api/v1/namespaces", { metadata: { name: ns } })).status, 201);
  }
  await createServiceAccount(c.admin, "web", "app");
  await c.server.settle();
});

after(async () => {
  await Promise.all([c.stop(), other.stop()]);
  await rm(tmp, { recursive: true, force: true });
});

type Admin = TestCluster["admin"];

async function createServiceAccount(admin: Admin, namespace: string, name: string): Promise<void> {
  const r = await admin("POST", `/api/v1/namespaces/${namespace}/serviceaccounts`, { metadata: { name } });
  assert.ok(r.status === 201 || r.status === 409, r.text);
}

async function tokenFor(admin: Admin, namespace: string, sa: string, boundPod?: string): Promise<string> {
  const spec = {
    expirationSeconds: 3600,
    ...(boundPod ? { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: boundPod } } : {}),
  };
  const r = await admin("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${sa}/token`, { spec });
  assert.equal(r.status, 201, r.text);
  return r.json.status.token;
}

/** Runs `incluster doctor -o json` as a Pod with this ServiceAccount directory would. */
async function doctor(saDir: string, needs: string[] = [], extraEnv: Record<string, string> = {}) {
  const port = new URL(c.server.url).port;
  const result = await runCli(["doctor", "-o", "json", ...needs.flatMap((n) => ["--need", n])], {
    env: {
      KUBERNETES_SERVICE_HOST: "127.0.0.1",
      KUBERNETES_SERVICE_PORT: port,
      INCLUSTER_SERVICEACCOUNT_DIR: saDir,
      ...extraEnv,
    },
  });
  const report = JSON.parse(result.stdout);
  const check = (id: string) => report.checks.find((x: { id: string }) => x.id === id);
  return { ...result, report, check };
}

async function podDir(files: { token?: string; "ca.crt"?: string; namespace?: string }): Promise<string> {
  return writeServiceAccountDir(path.join(tmp, `sa-${++dirs}`), files);
}

const podFiles = (token: string, namespace = "web") => ({ token, "ca.crt": c.server.caPem, namespace });

describe("doctor in a Pod", () => {
  test("a healthy Pod: every check passes, JSON parses, exit 0", async () => {
    const r = await c.admin("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/web/roles", {
      metadata: { name: "pod-reader" },
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
    });
    assert.equal(r.status, 201, r.text);
    const b = await c.admin("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/web/rolebindings", {
      metadata: { name: "app-pod-reader" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
      subjects: [{ kind: "ServiceAccount", name: "app" }],
    });
    assert.equal(b.status, 201, b.text);
    const dir = await podDir(podFiles(await tokenFor(c.admin, "web", "app")));
    const run = await doctor(dir, ["list pods", "watch pods -n web"]);
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.report.ok, true);
    assert.equal(run.report.user.username, "system:serviceaccount:web:app");
    const statuses = Object.fromEntries(
      run.report.checks.map((x: { id: string; status: string }) => [x.id, x.status]),
    );
    for (const id of [
      "environment",
      "serviceaccount",
      "token",
      "ca",
      "dns",
      "tcp",
      "tls",
      "authentication",
      "access",
      "version",
    ]) {
      assert.equal(statuses[id], "ok", `${id}: ${JSON.stringify(run.check(id))}`);
    }
    assert.match(run.check("serviceaccount").summary, /\.\.data → \.\.2026_01_31/);
    assert.doesNotMatch(run.stdout, /eyJ[\w-]{20,}\.[\w-]+\./, "the token never appears in the report");
  });

  test("seed 000: list pods cluster-wide is forbidden → the ClusterRole fix; after the grant, healthy", async () => {
    await createServiceAccount(c.admin, "test-in-cluster", "default");
    const dir = await podDir(
      podFiles(await tokenFor(c.admin, "test-in-cluster", "default"), "test-in-cluster"),
    );
    const denied = await doctor(dir, ["list pods -A"]);
    assert.equal(denied.code, 1);
    const access = denied.check("access");
    assert.equal(access.status, "fail");
    assert.match(access.summary, /list pods -A: denied/);
    assert.ok(
      access.fix.some((f: string) =>
        /kubectl create clusterrole \S+ --verb=list,watch --resource=pods/.test(f),
      ),
      access.fix.join("\n"),
    );
    assert.ok(access.fix.some((f: string) => f.includes("--serviceaccount=test-in-cluster:default")));

    const grant = await c.admin("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      metadata: { name: "default-view" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "ServiceAccount", name: "default", namespace: "test-in-cluster" }],
    });
    assert.equal(grant.status, 201, grant.text);
    const healed = await doctor(dir, ["list pods -A"]);
    assert.equal(healed.code, 0, healed.stdout);
    assert.match(
      healed.check("access").summary,
      /allowed \(RBAC: allowed by ClusterRoleBinding "default-view"/,
    );
  });

  test("automountServiceAccountToken: false → no directory, requests are system:anonymous", async () => {
    const run = await doctor(path.join(tmp, "never-mounted"));
    assert.equal(run.code, 1);
    assert.equal(run.check("serviceaccount").status, "fail");
    assert.match(run.check("serviceaccount").summary, /automountServiceAccountToken: false/);
    assert.equal(run.check("authentication").status, "fail");
    assert.match(run.check("authentication").summary, /system:anonymous/);
  });

  test("seed 002: a token signed by another cluster's key (crypto/rsa: verification error)", async () => {
    await createServiceAccount((m, p, b) => otherAdmin(m, p, b), "default", "default");
    const foreign = await tokenFor((m, p, b) => otherAdmin(m, p, b), "default", "default");
    const dir = await podDir(podFiles(foreign, "default"));

    // Without credentials the signing keys are not readable by default: the doctor says what it could not check.
    const unsure = await doctor(dir);
    assert.equal(unsure.code, 1);
    assert.equal(unsure.check("token").status, "ok", "the claims themselves are fine");
    assert.match(unsure.check("authentication").summary, /401 Unauthorized.*signature was not checked/);
    assert.ok(
      unsure
        .check("authentication")
        .details.some((d: string) => d.includes("crypto/rsa: verification error")),
    );

    // Clusters that publish their keys (oidc-reviewer, common for Vault) let it verify: a definite answer.
    const oidc = await c.admin("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      metadata: { name: "oidc-reviewer" },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "system:service-account-issuer-discovery",
      },
      subjects: [{ kind: "Group", name: "system:unauthenticated", apiGroup: "rbac.authorization.k8s.io" }],
    });
    assert.equal(oidc.status, 201, oidc.text);
    try {
      const sure = await doctor(dir);
      assert.equal(sure.code, 1);
      const auth = sure.check("authentication");
      assert.match(auth.summary, /signed by a key this API server does not trust/);
      assert.ok(auth.fix.some((f: string) => f.includes("--service-account-key-file")));
    } finally {
      await c.admin("DELETE", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/oidc-reviewer");
    }
  });

  test("another cluster's ca.crt does not verify the API server; the token is not sent", async () => {
    const dir = await podDir({ ...podFiles(await tokenFor(c.admin, "web", "app")), "ca.crt": other.caPem });
    const run = await doctor(dir);
    assert.equal(run.code, 1);
    assert.equal(run.check("ca").status, "fail");
    assert.match(run.check("ca").summary, /does NOT verify the API server/);
    assert.equal(run.check("authentication").status, "skip");
  });
});

describe("doctor with revoked tokens (needs the signing keys: oidc-reviewer binding)", () => {
  before(async () => {
    const r = await c.admin("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      metadata: { name: "oidc-reviewer-2" },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "system:service-account-issuer-discovery",
      },
      subjects: [{ kind: "Group", name: "system:unauthenticated", apiGroup: "rbac.authorization.k8s.io" }],
    });
    assert.equal(r.status, 201, r.text);
  });

  test("a Pod-bound token of a deleted Pod", async () => {
    await createServiceAccount(c.admin, "web", "worker");
    const pod = await c.admin("POST", "/api/v1/namespaces/web/pods", {
      metadata: { name: "worker-0" },
      spec: { serviceAccountName: "worker", containers: [{ name: "main", image: "busybox" }] },
    });
    assert.equal(pod.status, 201, pod.text);
    const dir = await podDir(podFiles(await tokenFor(c.admin, "web", "worker", "worker-0")));
    assert.equal((await doctor(dir)).code, 0, "the token works while the Pod exists");
    const deleted = await c.admin("DELETE", "/api/v1/namespaces/web/pods/worker-0?gracePeriodSeconds=0");
    assert.equal(deleted.status, 200, deleted.text);
    const run = await doctor(dir, [], { HOSTNAME: "worker-1" });
    assert.equal(run.code, 1);
    const auth = run.check("authentication");
    assert.match(auth.summary, /bound to Pod worker-0 \(uid [\w-]+\), which was deleted/);
    assert.ok(auth.details.some((d: string) => d.includes("copied from Pod worker-0")));
  });

  test("a token of a deleted ServiceAccount", async () => {
    await createServiceAccount(c.admin, "web", "gone");
    const dir = await podDir(podFiles(await tokenFor(c.admin, "web", "gone")));
    assert.equal((await c.admin("DELETE", "/api/v1/namespaces/web/serviceaccounts/gone")).status, 200);
    const run = await doctor(dir);
    assert.equal(run.code, 1);
    assert.match(run.check("authentication").summary, /ServiceAccount web\/gone \(uid [\w-]+\) was deleted/);
  });

  test("an expired token: found from the claims, with the refresh fix", async () => {
    const sa = await c.admin("GET", "/api/v1/namespaces/web/serviceaccounts/app");
    const { token } = await issueBoundToken(c.server.tokens, {
      serviceAccount: { namespace: "web", name: "app", uid: sa.json.metadata.uid },
      expirationSeconds: 3600,
      now: new Date(Date.now() - 2 * 3600_000),
    });
    const run = await doctor(await podDir(podFiles(token)));
    assert.equal(run.code, 1);
    assert.equal(run.check("token").status, "fail");
    assert.match(run.check("token").details[0], /expired 1h/);
    assert.match(
      run.check("authentication").summary,
      /401 Unauthorized: the API server rejected the token: it expired/,
    );
  });
});

/** The second cluster's admin, over its own CA. */
async function otherAdmin(method: string, urlPath: string, body?: unknown) {
  const { default: https } = await import("node:https");
  return new Promise<{
    status: number;
    text: string;
    json: any;
    headers: Record<string, string | string[] | undefined>;
  }>((resolve, reject) => {
    const req = https.request(
      `${other.url}${urlPath}`,
      {
        method,
        ca: other.caPem,
        cert: other.pki.adminCertPem,
        key: other.pki.adminKeyPem,
        headers: { "Content-Type": "application/json", Accept: "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            text,
            json: JSON.parse(text || "null"),
            headers: res.headers,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
