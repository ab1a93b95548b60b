// The client and tools against kube-apiservers older than the one we run (issue #10 point 6): recorded
// 1.20 and 1.26 answers (test/fixtures/older-servers/, shapes from upstream source of those releases)
// replayed by a real HTTPS server on loopback. Before 1.24 metadata-only lists lack remainingItemCount;
// before 1.27 SelfSubjectReview is not there for a ServiceAccount (authorization answers 403 before routing).
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { KubeClient } from "../../src/client/api.ts";
import { createStaticTokenProvider } from "../../src/client/credentials.ts";
import { type ReplayServer, startReplayServer } from "../helpers/replay-server.ts";
import { runCli } from "../unit/cli/run-cli.ts";

/** A legacy Secret-based token as 1.20 mounted by default; signatures are never checked here. */
function legacyToken(namespace: string, name: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return [
    part({ alg: "RS256", kid: "Vq0o3rGz5tQ1lV7mW0e4pXr2bKcL9sYh" }),
    part({
      iss: "kubernetes/serviceaccount",
      "kubernetes.io/serviceaccount/namespace": namespace,
      "kubernetes.io/serviceaccount/secret.name": `${name}-token-x7k2p`,
      "kubernetes.io/serviceaccount/service-account.name": name,
      "kubernetes.io/serviceaccount/service-account.uid": "5d1f0c7a-2b9e-4e3f-8a61-7c0d9e4b2f18",
      sub: `system:serviceaccount:${namespace}:${name}`,
    }),
    "c2lnbmF0dXJl",
  ].join(".");
}

/** A projected, Pod-bound token as 1.21+ mount them. */
function boundToken(namespace: string, name: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return [
    part({ alg: "RS256", kid: "x1YbW9hTq2c3Zr8N0pLk5mVs7dEuJf4G" }),
    part({
      aud: ["https://kubernetes.default.svc.cluster.local"],
      exp: now + 3600,
      iat: now,
      iss: "https://kubernetes.default.svc.cluster.local",
      "kubernetes.io": {
        namespace,
        pod: { name: "app-6b8d7f9c4-h2x9m", uid: "0b8e2f6a-3c1d-4a97-b5e4-7d2c9f1a6e38" },
        serviceaccount: { name, uid: "5d1f0c7a-2b9e-4e3f-8a61-7c0d9e4b2f18" },
      },
      nbf: now,
      sub: `system:serviceaccount:${namespace}:${name}`,
    }),
    "c2lnbmF0dXJl",
  ].join(".");
}

const RECORDINGS = [
  {
    name: "kube-apiserver-1.20",
    gitVersion: "v1.20.15",
    pods: 19_825,
    metadataListsCount: false,
    token: legacyToken("web", "app"),
  },
  {
    name: "kube-apiserver-1.26",
    gitVersion: "v1.26.1",
    pods: 4_210,
    metadataListsCount: true,
    token: boundToken("web", "app"),
  },
];

for (const recording of RECORDINGS) {
  describe(`${recording.name} (recorded)`, () => {
    let server: ReplayServer;
    let client: KubeClient;
    const { token } = recording;

    before(async () => {
      server = await startReplayServer(recording.name);
      client = new KubeClient(
        server.config({ credentials: createStaticTokenProvider(token, "ServiceAccount token") }),
        { qps: 0, onWarning: () => undefined },
      );
    });
    after(async () => {
      client.close();
      await server.close();
    });
    beforeEach(() => {
      server.requests.length = 0;
      server.unmatched.length = 0;
    });

    test("the recording: remainingItemCount in full lists, and in metadata-only lists from 1.24", async () => {
      const pods = client.resource("pods");
      const metadata = await pods.list({ allNamespaces: true, limit: 1, metadataOnly: true });
      assert.equal(metadata.kind, "PartialObjectMetadataList");
      assert.ok(metadata.metadata.continue);
      assert.equal(
        metadata.metadata.remainingItemCount,
        recording.metadataListsCount ? recording.pods - 1 : undefined,
      );
      const full = await pods.list({ allNamespaces: true, limit: 1 });
      assert.equal(full.metadata.remainingItemCount, recording.pods - 1);
      assert.deepEqual(server.unmatched, []);
    });

    test("count() is one request, not pages of metadata", async () => {
      assert.equal(await client.resource("pods").count({ allNamespaces: true }), recording.pods);
      assert.deepEqual(
        server.requests.map((r) => `${r.method} ${r.url.pathname}?${r.url.searchParams}`),
        ["GET /api/v1/pods?limit=1"],
      );
      assert.deepEqual(server.unmatched, []);
    });

    test("whoami(): an old server, not a changed binding; the user its 403 named", async () => {
      const identity = await client.whoami();
      assert.equal(identity.username, "system:serviceaccount:web:app");
      assert.deepEqual(identity.serviceAccount, { namespace: "web", name: "app" });
      assert.equal(identity.source, "token");
      assert.match(identity.note ?? "", /older than 1\.27 and has no SelfSubjectReview API/);
      assert.match(identity.note ?? "", /the server's 403 named the same user/);
      assert.doesNotMatch(identity.note ?? "", /basic-user/);
    });

    test("`incluster doctor`: authenticated, access checked with SelfSubjectAccessReview, the server called old", async () => {
      const env = await server.podEnv({ token, namespace: "web" });
      const result = await runCli(["doctor", "-o", "json", "--need", "list pods -A"], { env });
      const report = JSON.parse(result.stdout);
      const check = (id: string) => report.checks.find((c: { id: string }) => c.id === id);
      assert.equal(result.code, 0, result.stdout + result.stderr);

      const auth = check("authentication");
      assert.equal(auth.status, "ok");
      assert.match(auth.summary, /^system:serviceaccount:web:app \(groups from the token: /);
      assert.ok(
        auth.details[0].includes(
          `API server (${recording.gitVersion}) is older than 1.27 and has no SelfSubjectReview API`,
        ),
        auth.details[0],
      );

      const access = check("access");
      assert.equal(access.status, "ok");
      assert.match(
        access.summary,
        /list pods -A: allowed \(RBAC: allowed by ClusterRoleBinding "pod-counter"/,
      );

      const version = check("version");
      assert.equal(version.status, "warn");
      assert.ok(version.summary.includes(`${recording.gitVersion} is older than the tested range`));
      assert.doesNotMatch(result.stdout, /basic-user|not authenticated/);
    });

    test("`incluster pods count --once` prints the count after one list request", async () => {
      const env = await server.podEnv({ token, namespace: "web" });
      const result = await runCli(["pods", "count", "--once"], { env });
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.stdout.includes(`There are ${recording.pods} pods in the cluster`), result.stdout);
      assert.equal(server.requests.filter((r) => r.url.pathname === "/api/v1/pods").length, 1);
    });
  });
}
