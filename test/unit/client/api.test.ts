import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";
import type { Deployment } from "kubernetes-types/apps/v1.d.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { KubeClient } from "../../../src/client/api.ts";
import type { ClusterConfig } from "../../../src/client/config.ts";
import { isNotFound } from "../../../src/client/errors.ts";
import type { PartialObjectMetadata } from "../../../src/client/list.ts";
import {
  builtinRef,
  parseResourceRef,
  resourcePath,
  UnknownResourceError,
} from "../../../src/client/resources.ts";
import { eventually } from "../../helpers/cluster.ts";

interface Seen {
  method: string;
  url: URL;
  headers: IncomingMessage["headers"];
  body: string;
}

type Route = (req: Seen, res: ServerResponse) => boolean | undefined;

let server: Server;
let client: KubeClient;
let seen: Seen[] = [];
let routes: Route[] = [];

function json(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
  return true;
}

const notFoundStatus = {
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  reason: "NotFound",
  message: "the server could not find the requested resource",
  code: 404,
};

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const entry: Seen = {
        method: req.method ?? "",
        url: new URL(req.url ?? "/", "http://x"),
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(entry);
      for (const route of routes) if (route(entry, res)) return;
      json(res, 404, notFoundStatus);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const config: ClusterConfig = {
    server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    namespace: "shop",
    source: "explicit",
    insecureSkipTLSVerify: false,
    warnings: [],
    close() {},
  };
  client = new KubeClient(config, { qps: 0, retryBaseMs: 1 });
});

after(() => {
  client.close();
  server.closeAllConnections();
  server.close();
});

beforeEach(() => {
  seen = [];
  routes = [];
});

const path =
  (p: string, method = "GET"): Route =>
  (req) =>
    req.url.pathname === p && req.method === method;
const on =
  (p: string, method: string, reply: (req: Seen, res: ServerResponse) => unknown): Route =>
  (req, res) => {
    if (!path(p, method)(req, res)) return false;
    reply(req, res);
    return true;
  };

describe("resource references", () => {
  test("parseResourceRef understands kubectl's spellings", () => {
    assert.deepEqual(parseResourceRef("pods"), { resource: "pods" });
    assert.deepEqual(parseResourceRef("v1/pods"), { group: "", version: "v1", resource: "pods" });
    assert.deepEqual(parseResourceRef("apps/v1/deployments"), {
      group: "apps",
      version: "v1",
      resource: "deployments",
    });
    assert.deepEqual(parseResourceRef("deployments.apps"), { group: "apps", resource: "deployments" });
    assert.deepEqual(parseResourceRef("deployments.v1.apps"), {
      group: "apps",
      version: "v1",
      resource: "deployments",
    });
    assert.deepEqual(parseResourceRef("ingresses.networking.k8s.io"), {
      group: "networking.k8s.io",
      resource: "ingresses",
    });
    assert.throws(() => parseResourceRef(""));
  });

  test("built-in names resolve offline", () => {
    assert.deepEqual(builtinRef(parseResourceRef("deploy")), {
      group: "apps",
      version: "v1",
      resource: "deployments",
      namespaced: true,
      kind: "Deployment",
    });
    assert.equal(builtinRef(parseResourceRef("po"))?.resource, "pods");
    assert.equal(builtinRef(parseResourceRef("Node"))?.namespaced, false);
    assert.equal(
      builtinRef(parseResourceRef("apps/v1beta1/deployments")),
      undefined,
      "a different version is not the built-in",
    );
  });

  test("resourcePath", () => {
    const pods = builtinRef({ resource: "pods" })!;
    assert.equal(
      resourcePath(pods, { namespace: "a b", name: "web", subresource: "status" }),
      "/api/v1/namespaces/a%20b/pods/web/status",
    );
    assert.equal(resourcePath(pods), "/api/v1/pods");
    assert.equal(
      resourcePath(builtinRef({ resource: "nodes" })!, { namespace: "ignored", name: "n1" }),
      "/api/v1/nodes/n1",
    );
    assert.equal(
      resourcePath(builtinRef({ resource: "deployments" })!, { namespace: "x" }),
      "/apis/apps/v1/namespaces/x/deployments",
    );
    assert.throws(() => resourcePath(pods, { name: "" }), /must not be empty/);
  });

  test("unknown names are resolved through discovery, once", async () => {
    routes.push(
      on("/api/v1", "GET", (_req, res) =>
        json(res, 200, { kind: "APIResourceList", groupVersion: "v1", resources: [] }),
      ),
      on("/apis", "GET", (_req, res) =>
        json(res, 200, {
          kind: "APIGroupList",
          groups: [
            {
              name: "example.com",
              versions: [{ groupVersion: "example.com/v1", version: "v1" }],
              preferredVersion: { groupVersion: "example.com/v1", version: "v1" },
            },
          ],
        }),
      ),
      on("/apis/example.com/v1", "GET", (_req, res) =>
        json(res, 200, {
          kind: "APIResourceList",
          groupVersion: "example.com/v1",
          resources: [
            {
              name: "widgets",
              singularName: "widget",
              namespaced: true,
              kind: "Widget",
              shortNames: ["wd"],
              verbs: ["get"],
            },
            { name: "widgets/status", singularName: "", namespaced: true, kind: "Widget", verbs: ["get"] },
          ],
        }),
      ),
      on("/apis/example.com/v1/namespaces/shop/widgets/w1", "GET", (_req, res) =>
        json(res, 200, { kind: "Widget", metadata: { name: "w1" } }),
      ),
    );
    const widgets = client.resource("wd");
    assert.deepEqual(await widgets.ref(), {
      group: "example.com",
      version: "v1",
      resource: "widgets",
      namespaced: true,
      kind: "Widget",
    });
    await widgets.get("w1");
    await client.resource("widgets.example.com").ref();
    const discovery = seen.filter((s) => !s.url.pathname.includes("/namespaces/"));
    assert.deepEqual(
      discovery.map((s) => s.url.pathname),
      ["/api/v1", "/apis", "/apis/example.com/v1"],
    );
    await assert.rejects(client.resource("gizmos").ref(), UnknownResourceError);
  });

  test("an unavailable aggregated API (503) does not hide a resource another group serves", async () => {
    client.discovery.reset();
    const group = (name: string) => ({
      name,
      versions: [{ groupVersion: `${name}/v1beta1`, version: "v1beta1" }],
      preferredVersion: { groupVersion: `${name}/v1beta1`, version: "v1beta1" },
    });
    routes.push(
      on("/api/v1", "GET", (_req, res) =>
        json(res, 200, { kind: "APIResourceList", groupVersion: "v1", resources: [] }),
      ),
      on("/apis", "GET", (_req, res) =>
        json(res, 200, { kind: "APIGroupList", groups: [group("metrics.k8s.io"), group("example.com")] }),
      ),
      on("/apis/metrics.k8s.io/v1beta1", "GET", (_req, res) =>
        json(res, 503, {
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          message: "service unavailable",
          reason: "ServiceUnavailable",
          code: 503,
        }),
      ),
      on("/apis/example.com/v1beta1", "GET", (_req, res) =>
        json(res, 200, {
          kind: "APIResourceList",
          groupVersion: "example.com/v1beta1",
          resources: [
            { name: "gadgets", singularName: "gadget", namespaced: true, kind: "Gadget", verbs: [] },
          ],
        }),
      ),
    );
    assert.equal((await client.resource("gadgets").ref()).group, "example.com");
    await assert.rejects(
      client.resource("gizmos").ref(),
      /doesn't have a resource type "gizmos"; discovery failed for metrics\.k8s\.io\/v1beta1 \(service unavailable\)/,
    );
    client.discovery.reset();
  });
});

describe("ResourceClient CRUD", () => {
  test("get uses the client's namespace by default; 404 is typed", async () => {
    routes.push(
      on("/api/v1/namespaces/shop/pods/web", "GET", (_req, res) =>
        json(res, 200, { kind: "Pod", apiVersion: "v1", metadata: { name: "web" } }),
      ),
    );
    const pods = client.resource<Pod>("pods");
    const pod = await pods.get("web");
    assert.equal(pod.metadata?.name, "web");
    await assert.rejects(pods.get("nope"), (error) => isNotFound(error));
    await assert.rejects(pods.get("web", { namespace: "other" }), (error) => isNotFound(error));
    assert.equal(seen[2].url.pathname, "/api/v1/namespaces/other/pods/web");
  });

  test("get metadataOnly asks for PartialObjectMetadata and trims a full answer", async () => {
    routes.push(
      on("/api/v1/namespaces/shop/pods/web", "GET", (_req, res) =>
        json(res, 200, { kind: "Pod", metadata: { name: "web" }, spec: { containers: [] } }),
      ),
    );
    const meta = await client.resource<PartialObjectMetadata>("pods").get("web", { metadataOnly: true });
    assert.deepEqual(meta, {
      apiVersion: "meta.k8s.io/v1",
      kind: "PartialObjectMetadata",
      metadata: { name: "web" },
    });
    assert.equal(
      seen[0].headers.accept,
      "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json",
    );
  });

  test("create fills apiVersion and kind, and passes write options", async () => {
    routes.push(
      on("/apis/apps/v1/namespaces/prod/deployments", "POST", (req, res) =>
        json(res, 201, JSON.parse(req.body)),
      ),
    );
    const created = await client
      .resource<Deployment>("deployments.apps")
      .create(
        { metadata: { name: "web", namespace: "prod" } },
        { dryRun: true, fieldManager: "me", fieldValidation: "Strict" },
      );
    assert.equal(created.apiVersion, "apps/v1");
    assert.equal(created.kind, "Deployment");
    assert.equal(seen[0].url.search, "?dryRun=All&fieldManager=me&fieldValidation=Strict");
    assert.equal(seen[0].headers["content-type"], "application/json");
  });

  test("update PUTs to the object's name; without a name it refuses", async () => {
    routes.push(
      on("/api/v1/namespaces/shop/configmaps/cfg", "PUT", (req, res) => json(res, 200, JSON.parse(req.body))),
    );
    const cms = client.resource("configmaps");
    const updated = await cms.update({ metadata: { name: "cfg", resourceVersion: "5" }, data: { a: "1" } });
    assert.equal(updated.kind, "ConfigMap");
    await assert.rejects(cms.update({ metadata: {} }), /needs metadata.name/);
  });

  test("patch types map to their content types; apply fills identity, field manager and force", async () => {
    routes.push(
      on("/api/v1/namespaces/shop/pods/web", "PATCH", (_req, res) => json(res, 200, { kind: "Pod" })),
    );
    const pods = client.resource<Pod>("pods");
    await pods.patch("web", { metadata: { labels: { a: "b" } } }, "merge");
    await pods.patch("web", [{ op: "add", path: "/metadata/labels/a", value: "b" }], "json");
    await pods.patch("web", { metadata: { labels: { a: "b" } } }, "strategic");
    await pods.patch("web", { metadata: { labels: { a: "b" } } }, "apply", { force: true });
    assert.deepEqual(
      seen.map((s) => s.headers["content-type"]),
      [
        "application/merge-patch+json",
        "application/json-patch+json",
        "application/strategic-merge-patch+json",
        "application/apply-patch+yaml",
      ],
    );
    assert.equal(seen[3].url.search, "?fieldManager=incluster&force=true");
    assert.deepEqual(JSON.parse(seen[3].body), {
      metadata: { labels: { a: "b" }, name: "web", namespace: "shop" },
      apiVersion: "v1",
      kind: "Pod",
    });
    assert.equal(seen[0].url.search, "", "no field manager or force for other patch types");
  });

  test("delete sends DeleteOptions", async () => {
    routes.push(
      on("/api/v1/namespaces/shop/pods/web", "DELETE", (_req, res) =>
        json(res, 200, { kind: "Status", status: "Success", code: 200 }),
      ),
    );
    await client.resource("pods").delete("web", {
      propagationPolicy: "Foreground",
      gracePeriodSeconds: 0,
      preconditions: { uid: "u1" },
    });
    assert.deepEqual(JSON.parse(seen[0].body), {
      apiVersion: "v1",
      kind: "DeleteOptions",
      propagationPolicy: "Foreground",
      gracePeriodSeconds: 0,
      preconditions: { uid: "u1" },
    });
  });

  test("cluster-scoped resources never get a namespace", async () => {
    routes.push(
      on("/api/v1/nodes/n1", "GET", (_req, res) =>
        json(res, 200, { kind: "Node", metadata: { name: "n1" } }),
      ),
    );
    await client.resource("nodes").get("n1", { namespace: "shop" });
    assert.equal(seen[0].url.pathname, "/api/v1/nodes/n1");
  });
});

describe("lists, counts and watches over HTTP", () => {
  const pods = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => ({
      metadata: { name: `p${from + i}`, namespace: "shop", resourceVersion: "1" },
    }));

  function pagedPods(total: number, options: { remaining?: boolean } = {}): Route {
    return on("/api/v1/namespaces/shop/pods", "GET", (req, res) => {
      if (req.url.searchParams.get("watch")) {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.write(
          `${JSON.stringify({ type: "ADDED", object: { kind: "Pod", metadata: { name: "new", namespace: "shop", resourceVersion: "2" } } })}\n`,
        );
        return;
      }
      const limit = Number(req.url.searchParams.get("limit") ?? total);
      const start = Number(req.url.searchParams.get("continue") ?? 0);
      const end = Math.min(total, start + limit);
      const metadataOnly = String(req.headers.accept).includes("as=PartialObjectMetadataList");
      json(res, 200, {
        kind: metadataOnly ? "PartialObjectMetadataList" : "PodList",
        apiVersion: metadataOnly ? "meta.k8s.io/v1" : "v1",
        metadata: {
          resourceVersion: "1",
          ...(end < total ? { continue: String(end) } : {}),
          ...(end < total && options.remaining !== false ? { remainingItemCount: total - end } : {}),
        },
        items: pods(end - start, start),
      });
    });
  }

  test("list() is one request; selectors are encoded", async () => {
    routes.push(pagedPods(3));
    const list = await client
      .resource("pods")
      .list({ labelSelector: { app: "web" }, fieldSelector: "status.phase=Running", limit: 2 });
    assert.equal(list.items.length, 2);
    assert.equal(list.metadata.continue, "2");
    assert.equal(seen[0].url.searchParams.get("labelSelector"), "app=web");
    assert.equal(seen[0].url.searchParams.get("fieldSelector"), "status.phase=Running");
  });

  test("iterate() pages with limit/continue", async () => {
    routes.push(pagedPods(1100));
    let n = 0;
    for await (const _ of client.resource("pods").iterate()) n++;
    assert.equal(n, 1100);
    assert.deepEqual(
      seen.map((s) => [s.url.searchParams.get("limit"), s.url.searchParams.get("continue")]),
      [
        ["500", null],
        ["500", "500"],
        ["500", "1000"],
      ],
    );
  });

  test("metadataOnly lists ask for PartialObjectMetadataList", async () => {
    routes.push(pagedPods(2));
    const list = await client.resource("pods").list({ metadataOnly: true });
    assert.equal(list.kind, "PartialObjectMetadataList");
    assert.equal(
      seen[0].headers.accept,
      "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json",
    );
  });

  test("a 406 on a metadata-only list explains itself", async () => {
    routes.push(
      on("/api/v1/namespaces/shop/pods", "GET", (_req, res) =>
        json(res, 406, {
          kind: "Status",
          code: 406,
          status: "Failure",
          reason: "NotAcceptable",
          message: "only the following media types are accepted: application/json",
        }),
      ),
    );
    await assert.rejects(
      client.resource("pods").list({ metadataOnly: true }),
      (error: Error & { code: number }) => {
        assert.equal(error.code, 406);
        assert.match(error.message, /cannot return metadata-only.*metadataOnly: false/);
        return true;
      },
    );
  });

  test("count() is one limit=1 request for full objects when the server reports remainingItemCount", async () => {
    routes.push(pagedPods(4321));
    assert.equal(await client.resource("pods").count(), 4321);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].url.searchParams.get("limit"), "1");
    // Full objects: servers before 1.24 leave remainingItemCount out of metadata-only lists.
    assert.equal(seen[0].headers.accept, "application/json");
  });

  test("count() never reports a negative count: a negative remainingItemCount is a clear error", async () => {
    routes.push(
      on("/api/v1/namespaces/shop/pods", "GET", (_req, res) =>
        json(res, 200, {
          kind: "PodList",
          metadata: { continue: "1", remainingItemCount: -6 },
          items: pods(1),
        }),
      ),
    );
    await assert.rejects(client.resource("pods").count(), (error: Error & { code?: string }) => {
      assert.equal(error.name, "ResponseError");
      assert.equal(error.code, "INVALID_RESPONSE");
      assert.match(error.message, /remainingItemCount is -6, not a non-negative integer/);
      return true;
    });
  });

  test("count(), list() and iterate() accept items: null (an empty PartialObjectMetadataList)", async () => {
    routes.push(
      on("/api/v1/namespaces/shop/pods", "GET", (_req, res) =>
        json(res, 200, { kind: "PartialObjectMetadataList", metadata: {}, items: null }),
      ),
    );
    assert.equal(await client.resource("pods").count(), 0);
    assert.deepEqual((await client.resource("pods").list({ metadataOnly: true })).items, []);
    for await (const _ of client.resource("pods").iterate({ metadataOnly: true })) assert.fail("no items");
  });

  test("count() falls back to paging, and to full objects on 406", async () => {
    routes.push(pagedPods(1200, { remaining: false }));
    assert.equal(await client.resource("pods").count({ labelSelector: "app=web" }), 1200);
    assert.equal(seen.length, 4);

    seen = [];
    routes = [
      (req, res) =>
        String(req.headers.accept).includes("PartialObjectMetadata")
          ? json(res, 406, { kind: "Status", code: 406, status: "Failure", reason: "NotAcceptable" })
          : false,
      pagedPods(700, { remaining: false }),
    ];
    assert.equal(await client.resource("pods").count(), 700);
    assert.deepEqual(
      seen.map((s) => [s.url.searchParams.get("limit"), /PartialObject/.test(String(s.headers.accept))]),
      [
        ["1", false],
        ["500", true],
        ["500", false],
        ["500", false],
      ],
    );
  });

  test("allNamespaces lists cluster-wide", async () => {
    routes.push(
      on("/api/v1/pods", "GET", (_req, res) => json(res, 200, { kind: "PodList", metadata: {}, items: [] })),
    );
    await client.resource("pods").list({ allNamespaces: true });
    assert.equal(seen[0].url.pathname, "/api/v1/pods");
  });

  test("watch() lists, then watches with bookmarks, a 5–10 minute timeout and the selectors", async () => {
    routes.push(pagedPods(2));
    const events: string[] = [];
    for await (const event of client.resource<Pod>("pods").watch({ labelSelector: "app=web" })) {
      events.push(event.type === "SYNCED" ? "SYNCED" : `${event.type} ${event.object.metadata?.name}`);
      if (events.length === 4) break;
    }
    assert.deepEqual(events, ["ADDED p0", "ADDED p1", "SYNCED", "ADDED new"]);
    const watch = seen.find((s) => s.url.searchParams.get("watch") === "true")!;
    assert.equal(watch.url.searchParams.get("allowWatchBookmarks"), "true");
    assert.equal(watch.url.searchParams.get("resourceVersion"), "1");
    assert.equal(watch.url.searchParams.get("labelSelector"), "app=web");
    const timeout = Number(watch.url.searchParams.get("timeoutSeconds"));
    assert.ok(timeout >= 300 && timeout < 600, `timeoutSeconds=${timeout}`);
  });

  test("informer() caches the collection", async () => {
    routes.push(pagedPods(3));
    const informer = client.resource<Pod>("pods").informer();
    try {
      await informer.synced;
      // The list has three Pods; the watch that follows adds the fourth, whenever the loaded machine delivers it.
      await eventually(
        async () => informer.store.byNamespace("shop").length === 4,
        30_000,
        "the watched Pod",
      );
      assert.deepEqual(
        informer.store
          .byNamespace("shop")
          .map((p) => p.metadata?.name)
          .sort(),
        ["new", "p0", "p1", "p2"],
      );
      assert.equal(informer.state, "synced");
    } finally {
      informer.stop(); // a failed assertion must not leave it retrying (and the test process alive) after the server stops
    }
  });
});
