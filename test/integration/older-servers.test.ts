// The client and tools against a kube-apiserver older than the one we run (issue #10 point 6): recorded
// 1.20 answers (test/fixtures/older-servers/, shapes from upstream source of that release) replayed by a
// real HTTPS server on loopback. On 1.20, metadata-only lists lack remainingItemCount and SelfSubjectReview
// does not exist (authorization answers 403 before routing).
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { KubeClient } from "../../src/client/api.ts";
import { createStaticTokenProvider } from "../../src/client/credentials.ts";
import { type ReplayServer, startReplayServer } from "../helpers/replay-server.ts";
import { runCli } from "../unit/cli/run-cli.ts";

/** A legacy Secret-based token as 1.20 mounted by default; its signature is never checked here. */
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

let server: ReplayServer;
let client: KubeClient;
const token = legacyToken("web", "app");

before(async () => {
  server = await startReplayServer("kube-apiserver-1.20");
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

describe("kube-apiserver 1.20 (recorded)", () => {
  test("the recording: metadata-only lists lack remainingItemCount, full lists have it", async () => {
    const pods = client.resource("pods");
    const metadata = await pods.list({ allNamespaces: true, limit: 1, metadataOnly: true });
    assert.equal(metadata.kind, "PartialObjectMetadataList");
    assert.equal(metadata.metadata.remainingItemCount, undefined);
    assert.ok(metadata.metadata.continue);
    const full = await pods.list({ allNamespaces: true, limit: 1 });
    assert.equal(full.metadata.remainingItemCount, 19_824);
    assert.deepEqual(server.unmatched, []);
  });

  test("count() is one request, not 40 pages of metadata", async () => {
    assert.equal(await client.resource("pods").count({ allNamespaces: true }), 19_825);
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
    assert.match(identity.note ?? "", /no SelfSubjectReview API .*older than that/);
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
    assert.match(auth.details[0], /API server \(v1\.20\.15\) has no SelfSubjectReview API/);

    const access = check("access");
    assert.equal(access.status, "ok");
    assert.match(access.summary, /list pods -A: allowed \(RBAC: allowed by ClusterRoleBinding "pod-counter"/);

    const version = check("version");
    assert.equal(version.status, "warn");
    assert.match(version.summary, /v1\.20\.15 is older than the tested range/);
    assert.doesNotMatch(result.stdout, /basic-user|not authenticated/);
  });

  test("`incluster pods count --once` prints the count after one list request", async () => {
    const env = await server.podEnv({ token, namespace: "web" });
    const result = await runCli(["pods", "count", "--once"], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /There are 19825 pods in the cluster/);
    assert.equal(server.requests.filter((r) => r.url.pathname === "/api/v1/pods").length, 1);
  });
});
