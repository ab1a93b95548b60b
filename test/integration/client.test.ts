// The in-Pod client against the local API server over real HTTPS: no mocked HTTP anywhere.
import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { after, before, describe, test } from "node:test";
import { rootCertificates } from "node:tls";
import type { ConfigMap, ServiceAccount } from "kubernetes-types/core/v1.d.ts";
import {
  ConnectionError,
  createClient,
  type ForbiddenError,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isNotFound,
  type KubeClient,
  type RequestMetrics,
  UnauthorizedError,
  type WatchEvent,
} from "../../src/client/index.ts";
import type { KubeObject } from "../../src/meta/types.ts";
import { proposeFix } from "../../src/rbac/index.ts";
import { decodeToken } from "../../src/token/index.ts";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const NS = "it-client";
const HISTORY = 40;

let cluster: TestCluster;
let admin: KubeClient;
const metrics: RequestMetrics[] = [];

before(async () => {
  cluster = await startTestCluster({ historySize: HISTORY });
  admin = await createClient({ kubeconfig: cluster.kubeconfigPath, onRequest: (m) => metrics.push(m) });
  await admin.resource("namespaces").create({ metadata: { name: NS } });
  await cluster.server.settle();
});

after(async () => {
  admin.close();
  await cluster.stop();
});

const configMaps = () => admin.resource<ConfigMap>("configmaps");
const cm = (name: string, labels: Record<string, string> = {}): ConfigMap => ({
  metadata: { name, namespace: NS, labels },
  data: { k: "v" },
});

/** A client authenticated as a fresh ServiceAccount of NS, by a bound token the admin mints. */
async function serviceAccountClient(name: string): Promise<KubeClient> {
  await admin.resource<ServiceAccount>("serviceaccounts").create({ metadata: { name } }, { namespace: NS });
  const { token } = await admin.createToken(NS, name, { expirationSeconds: 3600 });
  return createClient({
    server: cluster.server.url,
    token,
    caData: cluster.server.caPem,
    namespace: NS,
    retries: 0,
  });
}

describe("transport", () => {
  test("50 calls share one TLS connection", async () => {
    let sockets = 0;
    const count = () => sockets++;
    const fresh = await createClient({ kubeconfig: cluster.kubeconfigPath });
    subscribe("net.client.socket", count);
    try {
      for (let i = 0; i < 50; i++) await fresh.resource("namespaces").get(NS);
    } finally {
      unsubscribe("net.client.socket", count);
      fresh.close();
    }
    assert.equal(sockets, 1);
    assert.equal(fresh.transport.agentsCreated, 1);
  });

  test("the metrics hook sees every request", () => {
    const create = metrics.find((m) => m.method === "POST" && m.path === "/api/v1/namespaces");
    assert.equal(create?.status, 201);
    assert.equal(create?.retries, 0);
    assert.ok(typeof create?.durationMs === "number");
  });

  test("a server certificate from another CA is a ConnectionError naming the CA", async () => {
    const client = await createClient({
      server: cluster.server.url,
      caData: rootCertificates[0], // a public root: not the cluster's CA
      token: "x",
      retries: 0,
    });
    await assert.rejects(client.resource("namespaces").list(), (error: ConnectionError) => {
      assert.ok(error instanceof ConnectionError);
      assert.match(error.explain(), /not signed by the configured CA bundle/);
      return true;
    });
    client.close();
  });
});

describe("CRUD and typed errors", () => {
  test("create, get, update, patch (merge, json, apply), delete", async () => {
    const created = await configMaps().create(cm("crud"));
    assert.equal(created.kind, "ConfigMap");
    assert.ok(created.metadata?.uid);
    await assert.rejects(configMaps().create(cm("crud")), (e) => isAlreadyExists(e));

    const got = await configMaps().get("crud", { namespace: NS });
    const updated = await configMaps().update({ ...got, data: { k: "v2" } });
    assert.equal(updated.data?.k, "v2");
    await assert.rejects(configMaps().update({ ...got, data: { k: "stale" } }), (e) => isConflict(e));

    await configMaps().patch("crud", { data: { merged: "yes" } }, "merge", { namespace: NS });
    await configMaps().patch("crud", [{ op: "add", path: "/data/json", value: "yes" }], "json", {
      namespace: NS,
    });
    const applied = await configMaps().patch("crud", { data: { applied: "yes" } }, "apply", {
      namespace: NS,
      force: true,
    });
    assert.equal(applied.data?.merged, "yes");
    assert.equal(applied.data?.json, "yes");
    assert.equal(applied.data?.applied, "yes");

    await configMaps().delete("crud", { namespace: NS });
    await assert.rejects(
      configMaps().get("crud", { namespace: NS }),
      (e) => isNotFound(e) && e.message === 'configmaps "crud" not found',
    );
  });
});

describe("lists and counts", () => {
  before(async () => {
    for (let i = 0; i < 23; i++)
      await configMaps().create(cm(`page-${String(i).padStart(2, "0")}`, { set: "paging" }));
  });

  test("iterate() pages through everything", async () => {
    const before = metrics.length;
    const names: string[] = [];
    for await (const item of configMaps().iterate({
      namespace: NS,
      labelSelector: { set: "paging" },
      limit: 5,
    })) {
      names.push(item.metadata?.name ?? "");
    }
    assert.equal(names.length, 23);
    assert.equal(new Set(names).size, 23);
    assert.equal(metrics.length - before, 5, "5 pages of 5");
  });

  test("count() with and without a selector", async () => {
    assert.equal(await configMaps().count({ namespace: NS, labelSelector: { set: "paging" } }), 23);
    const all = await configMaps().count({ namespace: NS });
    assert.ok(all >= 24, `${all}: 23 + kube-root-ca.crt`);
    assert.equal(await configMaps().count({ allNamespaces: true, labelSelector: "set=paging" }), 23);
  });

  test("metadata-only lists", async () => {
    const list = await configMaps().list({
      namespace: NS,
      metadataOnly: true,
      labelSelector: { set: "paging" },
      limit: 3,
    });
    assert.equal(list.kind, "PartialObjectMetadataList");
    assert.equal(list.items.length, 3);
    assert.equal((list.items[0] as KubeObject).kind, "PartialObjectMetadata");
    assert.equal((list.items[0] as ConfigMap).data, undefined);
    assert.ok(list.metadata.continue);
  });
});

async function next<T>(
  iterator: AsyncIterator<WatchEvent<T>>,
  match: (e: WatchEvent<T>) => boolean,
): Promise<WatchEvent<T>> {
  for (;;) {
    const { value, done } = await iterator.next();
    if (done) throw new Error("watch ended");
    if (match(value)) return value;
  }
}

const named = (name: string) => (e: WatchEvent<ConfigMap>) =>
  e.type !== "SYNCED" && e.object.metadata?.name === name;

describe("watch", () => {
  for (const useWatchList of [false, true]) {
    test(`${useWatchList ? "streaming list" : "list"} + watch: initial state, SYNCED, then live events`, async () => {
      const controller = new AbortController();
      const watcher = configMaps().watch({
        namespace: NS,
        labelSelector: { set: "paging" },
        useWatchList,
        signal: controller.signal,
      });
      const events = watcher[Symbol.asyncIterator]();
      const synced = await next(events, (e) => e.type === "SYNCED");
      assert.equal(synced.type, "SYNCED");
      assert.equal(watcher.usingWatchList, useWatchList);

      const name = `live-${useWatchList}`;
      await configMaps().create(cm(name, { set: "paging" }));
      assert.equal((await next(events, named(name))).type, "ADDED");
      await configMaps().patch(name, { data: { k: "changed" } }, "merge", { namespace: NS });
      const modified = await next(events, named(name));
      assert.equal(modified.type, "MODIFIED");
      await configMaps().delete(name, { namespace: NS });
      assert.equal((await next(events, named(name))).type, "DELETED");
      controller.abort();
    });
  }

  test("a resourceVersion older than the server's history (410) → relist, reported as SYNCED relist", async () => {
    const start = await configMaps().list({ namespace: NS, limit: 1 });
    const oldRv = start.metadata.resourceVersion!;
    for (let i = 0; i <= HISTORY; i++) {
      await configMaps().patch("page-00", { data: { churn: String(i) } }, "merge", { namespace: NS });
    }
    const controller = new AbortController();
    const events = configMaps()
      .watch({
        namespace: NS,
        labelSelector: { set: "paging" },
        resourceVersion: oldRv,
        signal: controller.signal,
      })
      [Symbol.asyncIterator]();
    const seen: WatchEvent<ConfigMap>[] = [];
    const synced = await next(events, (e) => {
      seen.push(e);
      return e.type === "SYNCED";
    });
    assert.equal(synced.type === "SYNCED" && synced.relist, true);
    assert.ok(seen.filter((e) => e.type === "ADDED").length >= 23, "the relist delivered the current state");
    controller.abort();
  });
});

describe("a ServiceAccount, RBAC and the informer that never gives up", () => {
  let reader: KubeClient;
  before(async () => {
    reader = await serviceAccountClient("reader");
  });
  after(() => reader.close());

  test("whoami is the ServiceAccount", async () => {
    const me = await reader.whoami();
    assert.equal(me.username, `system:serviceaccount:${NS}:reader`);
    assert.equal(me.source, "SelfSubjectReview/v1");
    assert.deepEqual(me.serviceAccount, { namespace: NS, name: "reader" });
    assert.ok(me.groups.includes(`system:serviceaccounts:${NS}`));
  });

  test("403 → explain() → apply the proposed fix → the informer recovers by itself", async () => {
    assert.deepEqual(await reader.canI("list", "configmaps"), { allowed: false, denied: false });
    assert.equal((await reader.canI("get", "/healthz")).allowed, true);

    const informer = reader.resource<ConfigMap>("configmaps").informer({
      labelSelector: { set: "paging" },
      backoff: { initialMs: 20, maxMs: 200 },
    });
    const errors: Error[] = [];
    informer.on("error", (e) => errors.push(e));
    try {
      await eventually(async () => errors.length > 0, 30_000, "the first 403");
      assert.equal(informer.state, "backoff");
      const denied = errors[0];
      assert.ok(isForbidden(denied));
      const forbidden = denied as ForbiddenError;
      assert.equal(forbidden.forbidden?.verb, "list");
      const text = forbidden.explain();
      assert.match(text, new RegExp(`ServiceAccount ${NS}/reader`));
      assert.match(text, /kind: Role\n/);
      assert.match(text, /- watch/);

      for (const object of proposeFix(forbidden.forbidden!, { informer: true }).objects) {
        const kind = (object.kind ?? "").toLowerCase();
        await admin.resource(`${kind}s.rbac.authorization.k8s.io`).create(object, { namespace: NS });
      }
      await informer.synced;
      assert.equal(informer.state, "synced");
      assert.ok(informer.restarts >= 1);
      assert.equal(informer.store.byLabel("set", "paging").length, 23);
      assert.ok(informer.health().lastError?.includes("cannot list"));

      await configMaps().create(cm("after-fix", { set: "paging" }));
      await eventually(async () => informer.store.get(NS, "after-fix"), 30_000, "the watch event");
      assert.equal((await reader.canI("watch", "configmaps")).allowed, true);
      const rules = await reader.rules();
      assert.ok(
        rules.resourceRules.some((r) => r.resources?.includes("configmaps") && r.verbs.includes("list")),
      );
    } finally {
      informer.stop(); // a failed assertion must not leave it retrying after the server stops
    }
  });

  test("a token for another audience: 401 whose explanation names the audience", async () => {
    await admin.resource("serviceaccounts").create({ metadata: { name: "vault-user" } }, { namespace: NS });
    const issued = await admin.createToken(NS, "vault-user", {
      audiences: ["vault"],
      expirationSeconds: 600,
    });
    assert.deepEqual(decodeToken(issued.token).audiences, ["vault"]);
    assert.doesNotMatch(JSON.stringify(issued), /eyJ/);
    const client = await createClient({
      server: cluster.server.url,
      token: issued.token,
      caData: cluster.server.caPem,
      retries: 0,
    });
    await assert.rejects(client.resource("pods").list(), (error: UnauthorizedError) => {
      assert.ok(error instanceof UnauthorizedError);
      assert.match(error.explain(), /audience is "vault"/);
      return true;
    });
    client.close();
  });

  test("no credentials: the 403 says anonymous, not a missing Role", async () => {
    const anonymous = await createClient({
      server: cluster.server.url,
      caData: cluster.server.caPem,
      namespace: NS,
    });
    await assert.rejects(anonymous.resource("pods").list(), (error: ForbiddenError) => {
      assert.ok(isForbidden(error));
      assert.equal(error.forbidden?.anonymous, true);
      assert.match(error.explain(), /no credentials reached it/);
      return true;
    });
    anonymous.close();
  });
});

describe("informer transform", () => {
  test("informers cache no managedFields unless asked; transform sees adds, updates and deletes", async () => {
    await configMaps().create(cm("lean-1", { set: "lean" }));
    const lean = admin
      .resource<ConfigMap>("configmaps")
      .informer({ namespace: NS, metadataOnly: true, labelSelector: "set=lean" });
    const kept = admin
      .resource<ConfigMap>("configmaps")
      .informer({ namespace: NS, metadataOnly: true, labelSelector: "set=lean", keepManagedFields: true });
    const seen: string[] = [];
    const tagged = admin.resource<ConfigMap>("configmaps").informer({
      namespace: NS,
      labelSelector: "set=lean",
      transform: (object) => {
        seen.push(object.metadata?.name ?? "");
        return { metadata: object.metadata, data: { size: String(Object.keys(object.data ?? {}).length) } };
      },
    });
    const deleted: ConfigMap[] = [];
    tagged.on("delete", (object) => deleted.push(object));
    try {
      await Promise.all([lean.synced, kept.synced, tagged.synced]);
      assert.equal(lean.store.get(NS, "lean-1")?.metadata?.managedFields, undefined);
      assert.ok((kept.store.get(NS, "lean-1")?.metadata?.managedFields?.length ?? 0) > 0, "kept on request");
      assert.equal(lean.store.get(NS, "lean-1")?.metadata?.labels?.set, "lean", "the rest of metadata stays");
      assert.deepEqual(tagged.store.get(NS, "lean-1")?.data, { size: "1" });
      assert.equal(tagged.store.get(NS, "lean-1")?.metadata?.managedFields, undefined, "full objects too");
      await configMaps().create(cm("lean-2", { set: "lean" }));
      await configMaps().delete("lean-1", { namespace: NS });
      await eventually(async () => deleted.length === 1 && lean.store.size === 1);
      assert.deepEqual(deleted[0].data, { size: "1" }, "delete handlers get the transformed object");
      assert.equal(lean.store.get(NS, "lean-2")?.metadata?.managedFields, undefined, "watch events too");
      assert.deepEqual(seen.slice(0, 2), ["lean-1", "lean-2"]);
    } finally {
      lean.stop();
      kept.stop();
      tagged.stop();
    }
  });
});
