// API semantics of the local server over real HTTPS: Status bodies, CRUD, lists, watch, Table,
// metadata-only lists, discovery and the review APIs.
import assert from "node:assert/strict";
import https from "node:https";
import { after, before, describe, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "api" } });
  await c.server.settle();
});
after(() => c.stop());

const cm = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, labels },
  data: { k: "v" },
});

describe("create/get/update/delete", () => {
  test("create returns 201 with server-set metadata; a second create is 409 AlreadyExists", async () => {
    const r = await c.admin("POST", "/api/v1/namespaces/api/configmaps", cm("one"));
    assert.equal(r.status, 201);
    assert.match(r.json.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(r.json.metadata.resourceVersion, /^\d+$/);
    assert.match(r.json.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const again = await c.admin("POST", "/api/v1/namespaces/api/configmaps", cm("one"));
    assert.equal(again.status, 409);
    assert.equal(again.json.reason, "AlreadyExists");
    assert.equal(again.json.message, 'configmaps "one" already exists');
    assert.deepEqual(again.json.details, { name: "one", kind: "configmaps" });
  });

  test("percent-encoded names are decoded as Go servers do", async () => {
    const r = await c.admin("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/system%3Adiscovery");
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.metadata.name, "system:discovery");
    const bad = await c.admin("GET", "/api/v1/namespaces/%E0%A4%A");
    assert.equal(bad.status, 400);
  });

  test("get of a missing object is a 404 Status exactly as kube-apiserver writes it", async () => {
    const r = await c.admin("GET", "/api/v1/namespaces/api/configmaps/missing");
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'configmaps "missing" not found',
      reason: "NotFound",
      details: { name: "missing", kind: "configmaps" },
      code: 404,
    });
  });

  test("update with a stale resourceVersion is 409 Conflict; without one it succeeds", async () => {
    const created = await c.admin("POST", "/api/v1/namespaces/api/configmaps", cm("two"));
    const v1 = created.json;
    const first = await c.admin("PUT", "/api/v1/namespaces/api/configmaps/two", { ...v1, data: { k: "v2" } });
    assert.equal(first.status, 200);
    assert.ok(Number(first.json.metadata.resourceVersion) > Number(v1.metadata.resourceVersion));
    const stale = await c.admin("PUT", "/api/v1/namespaces/api/configmaps/two", { ...v1, data: { k: "v3" } });
    assert.equal(stale.status, 409);
    assert.equal(stale.json.reason, "Conflict");
    assert.equal(
      stale.json.message,
      'Operation cannot be fulfilled on configmaps "two": the object has been modified; please apply your changes to the latest version and try again',
    );
    const { resourceVersion: _, ...meta } = v1.metadata;
    const unconditional = await c.admin("PUT", "/api/v1/namespaces/api/configmaps/two", {
      ...v1,
      metadata: meta,
      data: { k: "v4" },
    });
    assert.equal(unconditional.status, 200);
    assert.equal(unconditional.json.data.k, "v4");
    assert.equal(unconditional.json.metadata.uid, v1.metadata.uid);
  });

  test("merge patch and JSON patch", async () => {
    await c.admin("POST", "/api/v1/namespaces/api/configmaps", cm("patched"));
    const merge = await c.admin(
      "PATCH",
      "/api/v1/namespaces/api/configmaps/patched",
      { data: { extra: "1" } },
      "application/merge-patch+json",
    );
    assert.equal(merge.status, 200, merge.text);
    assert.deepEqual(merge.json.data, { k: "v", extra: "1" });
    const json = await c.admin(
      "PATCH",
      "/api/v1/namespaces/api/configmaps/patched",
      [{ op: "remove", path: "/data/k" }],
      "application/json-patch+json",
    );
    assert.equal(json.status, 200, json.text);
    assert.deepEqual(json.json.data, { extra: "1" });
    const badType = await c.admin(
      "PATCH",
      "/api/v1/namespaces/api/configmaps/patched",
      { data: {} },
      "text/plain",
    );
    assert.equal(badType.status, 415);
  });

  test("invalid names are 422 with upstream's message", async () => {
    const r = await c.admin("POST", "/api/v1/namespaces/api/configmaps", cm("Bad_Name"));
    assert.equal(r.status, 422);
    assert.equal(r.json.reason, "Invalid");
    assert.match(
      r.json.message,
      /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
  });

  test("creating in a missing namespace is 404 for the namespace", async () => {
    const r = await c.admin("POST", "/api/v1/namespaces/nowhere/configmaps", cm("x"));
    assert.equal(r.status, 404);
    assert.equal(r.json.message, 'namespaces "nowhere" not found');
  });

  test("malformed and oversized bodies are 400/413, not crashes", async () => {
    const bad = await c.admin("POST", "/api/v1/namespaces/api/configmaps", "{not json");
    assert.equal(bad.status, 400);
    assert.equal(bad.json.reason, "BadRequest");
    const deep = await c.admin(
      "POST",
      "/api/v1/namespaces/api/configmaps",
      "[".repeat(5000) + "]".repeat(5000),
    );
    assert.equal(deep.status, 400);
    const big = await c.admin(
      "POST",
      "/api/v1/namespaces/api/configmaps",
      JSON.stringify({ data: { k: "x".repeat(4 * 1024 * 1024) } }),
    );
    assert.equal(big.status, 413);
    const ok = await c.request("GET", "/healthz");
    assert.equal(ok.status, 200);
  });

  test("delete returns a Success Status for configmaps and the object for pods", async () => {
    await c.admin("POST", "/api/v1/namespaces/api/configmaps", cm("gone"));
    const r = await c.admin("DELETE", "/api/v1/namespaces/api/configmaps/gone");
    assert.equal(r.status, 200);
    assert.equal(r.json.kind, "Status");
    assert.equal(r.json.status, "Success");
    assert.equal((await c.admin("GET", "/api/v1/namespaces/api/configmaps/gone")).status, 404);
  });
});

describe("list", () => {
  before(async () => {
    await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "paged" } });
    for (let i = 0; i < 12; i++) {
      await c.admin(
        "POST",
        "/api/v1/namespaces/paged/configmaps",
        cm(`cm-${String(i).padStart(2, "0")}`, { parity: i % 2 ? "odd" : "even" }),
      );
    }
  });

  test("limit/continue pages in name order with remainingItemCount", async () => {
    const names: string[] = [];
    let cont = "";
    let pages = 0;
    do {
      const r = await c.admin(
        "GET",
        `/api/v1/namespaces/paged/configmaps?limit=5${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`,
      );
      assert.equal(r.status, 200);
      if (pages === 0) assert.equal(r.json.metadata.remainingItemCount, 13 - 5); // 12 + kube-root-ca.crt
      names.push(...r.json.items.map((i: any) => i.metadata.name));
      cont = r.json.metadata.continue ?? "";
      pages++;
    } while (cont);
    assert.equal(pages, 3);
    assert.deepEqual(names, [...names].sort());
    assert.equal(names.length, 13);
  });

  test("label and field selectors; unsupported field is 400", async () => {
    const odd = await c.admin("GET", "/api/v1/namespaces/paged/configmaps?labelSelector=parity%3Dodd");
    assert.equal(odd.json.items.length, 6);
    const notIn = await c.admin(
      "GET",
      `/api/v1/namespaces/paged/configmaps?labelSelector=${encodeURIComponent("parity notin (odd),parity")}`,
    );
    assert.equal(notIn.json.items.length, 6);
    const byName = await c.admin(
      "GET",
      "/api/v1/namespaces/paged/configmaps?fieldSelector=metadata.name%3Dcm-03",
    );
    assert.deepEqual(
      byName.json.items.map((i: any) => i.metadata.name),
      ["cm-03"],
    );
    const bad = await c.admin("GET", "/api/v1/namespaces/paged/configmaps?fieldSelector=data.k%3Dv");
    assert.equal(bad.status, 400);
    assert.equal(bad.json.message, "field label not supported: data.k");
  });

  test("resourceVersion ahead of the server is 504 (after the cache's wait); Exact without version is 422", async () => {
    const ahead = await c.admin(
      "GET",
      "/api/v1/namespaces/paged/configmaps?resourceVersion=99999999&resourceVersionMatch=NotOlderThan",
    );
    assert.equal(ahead.status, 504);
    assert.match(ahead.json.message, /^Timeout: Too large resource version: 99999999, current: \d+$/);
    const noRv = await c.admin("GET", "/api/v1/namespaces/paged/configmaps?resourceVersionMatch=Exact");
    assert.equal(noRv.status, 422);
  });

  test("metadata-only list and Table", async () => {
    const meta = await c.request("GET", "/api/v1/namespaces/paged/configmaps?limit=2", {
      cert: { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
      headers: {
        Accept: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json",
      },
    });
    assert.equal(meta.json.kind, "PartialObjectMetadataList");
    assert.equal(meta.json.items[0].kind, "PartialObjectMetadata");
    assert.equal(meta.json.items[0].data, undefined);
    const table = await c.request("GET", "/api/v1/namespaces/paged/configmaps", {
      cert: { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
      headers: { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" },
    });
    assert.equal(table.json.kind, "Table");
    assert.deepEqual(table.json.columnDefinitions.map((d: any) => d.name).slice(0, 2), ["Name", "Data"]);
    assert.equal(table.json.rows.length, 13);
  });
});

describe("watch", () => {
  function watch(path: string): { events: any[]; done: Promise<void>; close(): void } {
    const events: any[] = [];
    let req: ReturnType<typeof https.request>;
    const done = new Promise<void>((resolve, reject) => {
      req = https.request(
        `${c.server.url}${path}`,
        { ca: c.server.caPem, cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
        (res) => {
          let buf = "";
          res.on("data", (d) => {
            buf += d;
            let nl = buf.indexOf("\n");
            while (nl >= 0) {
              events.push(JSON.parse(buf.slice(0, nl)));
              buf = buf.slice(nl + 1);
              nl = buf.indexOf("\n");
            }
          });
          res.on("end", resolve);
          res.on("close", resolve);
        },
      );
      req.on("error", (e) => ((e as NodeJS.ErrnoException).code === "ECONNRESET" ? resolve() : reject(e)));
      req.end();
    });
    return { events, done, close: () => req.destroy() };
  }

  test("events from a resourceVersion, DELETED when leaving the selector, bookmarks and initial-events-end", async () => {
    await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "w" } });
    const start = await c.admin("GET", "/api/v1/namespaces/w/configmaps");
    const rv = start.json.metadata.resourceVersion;
    const w = watch(
      `/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${rv}&labelSelector=app%3Dx&timeoutSeconds=2`,
    );
    await new Promise((r) => setTimeout(r, 100));
    await c.admin("POST", "/api/v1/namespaces/w/configmaps", cm("a", { app: "x" }));
    await c.admin(
      "PATCH",
      "/api/v1/namespaces/w/configmaps/a",
      { metadata: { labels: { app: "y" } } },
      "application/merge-patch+json",
    );
    await w.done;
    assert.deepEqual(
      w.events.map((e) => e.type),
      ["ADDED", "DELETED"],
    );
    assert.equal(w.events[0].object.kind, "ConfigMap");

    const list = watch(
      "/api/v1/namespaces/w/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1",
    );
    await list.done;
    const bookmark = list.events.find((e) => e.type === "BOOKMARK");
    assert.ok(bookmark, JSON.stringify(list.events));
    assert.equal(bookmark.object.metadata.annotations["k8s.io/initial-events-end"], "true");
    assert.ok(list.events.indexOf(bookmark) >= 1);
  });

  test("an expired resourceVersion gets a 410 Expired ERROR event", async () => {
    const small = await startTestCluster({ historySize: 5 });
    try {
      await small.admin("POST", "/api/v1/namespaces", { metadata: { name: "x" } });
      for (let i = 0; i < 10; i++) await small.admin("POST", "/api/v1/namespaces/x/configmaps", cm(`c${i}`));
      const events: any[] = [];
      await new Promise<void>((resolve, reject) => {
        https
          .request(
            `${small.server.url}/api/v1/namespaces/x/configmaps?watch=true&resourceVersion=2`,
            {
              ca: small.server.caPem,
              cert: small.server.pki.adminCertPem,
              key: small.server.pki.adminKeyPem,
            },
            (res) => {
              let buf = "";
              res.on("data", (d) => (buf += d));
              res.on("end", () => {
                for (const line of buf.split("\n").filter(Boolean)) events.push(JSON.parse(line));
                resolve();
              });
            },
          )
          .on("error", reject)
          .end();
      });
      assert.equal(events.length, 1);
      assert.equal(events[0].type, "ERROR");
      assert.equal(events[0].object.code, 410);
      assert.equal(events[0].object.reason, "Expired");
      assert.match(events[0].object.message, /^too old resource version: 2 \(\d+\)$/);
    } finally {
      await small.stop();
    }
  });
});

describe("discovery and reviews", () => {
  test("/api and /apis agree on the aggregated format; serviceaccounts/token is listed", async () => {
    const accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
    for (const p of ["/api", "/apis"]) {
      const r = await c.request("GET", p, {
        cert: { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
        headers: { Accept: accept },
      });
      assert.equal(
        r.headers["content-type"],
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
      );
      assert.equal(r.json.kind, "APIGroupDiscoveryList");
    }
    const v1 = await c.admin("GET", "/api/v1");
    assert.ok(
      v1.json.resources.some((r: any) => r.name === "serviceaccounts/token" && r.kind === "TokenRequest"),
    );
  });

  test("SelfSubjectAccessReview names the binding that allowed; SelfSubjectReview says who", async () => {
    const ssar = await c.admin("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectAccessReview",
      spec: { resourceAttributes: { verb: "list", resource: "pods" } },
    });
    assert.equal(ssar.status, 201);
    assert.equal(ssar.json.status.allowed, true);
    const ssr = await c.admin("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "SelfSubjectReview",
    });
    assert.equal(ssr.json.status.userInfo.username, "kubernetes-admin");
    assert.ok(ssr.json.status.userInfo.groups.includes("system:masters"));
  });

  test("OIDC discovery documents are served to ServiceAccounts", async () => {
    const oidc = await c.admin("GET", "/.well-known/openid-configuration");
    assert.equal(oidc.json.issuer, "https://kubernetes.default.svc.cluster.local");
    const jwks = await c.admin("GET", "/openid/v1/jwks");
    assert.equal(jwks.headers["content-type"], "application/jwk-set+json");
    assert.equal(jwks.json.keys[0].use, "sig");
  });
});
