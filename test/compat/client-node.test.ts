// @kubernetes/client-node (the official JavaScript client, 2.x) against the local API server: kubeconfig
// and in-cluster loading, typed APIs, ConfigMap CRUD, informers, raw watches and access reviews.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import * as k8s from "@kubernetes/client-node";
import YAML from "yaml";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";
import { bindClusterRole, createNamespace, serviceAccountToken } from "./support.ts";

const NS = "js";

let c: TestCluster;
let token: string;
/** A ServiceAccount without any RBAC binding. */
let weakToken: string;

function tokenConfig(t: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: "local",
        server: c.server.url,
        caData: Buffer.from(c.server.caPem).toString("base64"),
        skipTLSVerify: false,
      },
    ],
    users: [{ name: "sa", token: t }],
    contexts: [{ name: "local", cluster: "local", user: "sa", namespace: NS }],
    currentContext: "local",
  });
  return kc;
}

const pod = (name: string, labels: Record<string, string>): k8s.V1Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels },
  spec: { containers: [{ name: "main", image: "busybox:1.36" }] },
});

before(async () => {
  c = await startTestCluster();
  await createNamespace(c, NS);
  await createNamespace(c, `${NS}-other`);
  token = await serviceAccountToken(c, NS, "app");
  // view everywhere (pods in every namespace), edit in its own namespace (ConfigMap CRUD).
  await bindClusterRole(c, { name: "js-app-view", clusterRole: "view", sa: { namespace: NS, name: "app" } });
  await bindClusterRole(c, {
    name: "js-app-edit",
    clusterRole: "edit",
    sa: { namespace: NS, name: "app" },
    bindingNamespace: NS,
  });
  weakToken = await serviceAccountToken(c, NS, "weak");
  for (const [ns, name, tier] of [
    [NS, "front-1", "front"],
    [NS, "front-2", "front"],
    [NS, "back-1", "back"],
    [`${NS}-other`, "front-3", "front"],
  ]) {
    const r = await c.admin("POST", `/api/v1/namespaces/${ns}/pods`, pod(name, { tier }));
    assert.equal(r.status, 201, r.text);
  }
});
after(() => c.stop());

describe("configuration", () => {
  test("loadFromOptions with a token user: listPodForAllNamespaces and listNamespacedPod with a label selector", async () => {
    const core = tokenConfig(token).makeApiClient(k8s.CoreV1Api);
    const all = await core.listPodForAllNamespaces();
    assert.equal(all.kind, "PodList");
    assert.match(all.metadata?.resourceVersion ?? "", /^\d+$/);
    assert.deepEqual(all.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort(), [
      `${NS}-other/front-3`,
      `${NS}/back-1`,
      `${NS}/front-1`,
      `${NS}/front-2`,
    ]);
    const front = await core.listNamespacedPod({ namespace: NS, labelSelector: "tier=front" });
    assert.deepEqual(front.items.map((p) => p.metadata?.name).sort(), ["front-1", "front-2"]);
    const p = front.items[0];
    assert.ok(p.metadata?.creationTimestamp instanceof Date);
    assert.equal(p.spec?.serviceAccountName, "default");
    assert.equal(p.status?.phase, "Pending");
    const byField = await core.listNamespacedPod({ namespace: NS, fieldSelector: "metadata.name=back-1" });
    assert.deepEqual(
      byField.items.map((x) => x.metadata?.name),
      ["back-1"],
    );
  });

  test("loadFromFile with a token user (and the CA as a file next to it)", async () => {
    const dir = path.join(c.dir, "kubeconfig-token");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "ca.crt"), c.server.caPem);
    const file = path.join(dir, "config");
    await writeFile(
      file,
      YAML.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "local", cluster: { server: c.server.url, "certificate-authority": "ca.crt" } }],
        users: [{ name: "sa", user: { token } }],
        contexts: [{ name: "local", context: { cluster: "local", user: "sa", namespace: NS } }],
        "current-context": "local",
      }),
    );
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(file);
    assert.equal(kc.getContextObject(kc.getCurrentContext())?.namespace, NS);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: "tier=back" });
    assert.deepEqual(
      pods.items.map((p) => p.metadata?.name),
      ["back-1"],
    );

    // The admin kubeconfig the server writes (client certificate) loads as well.
    const admin = new k8s.KubeConfig();
    admin.loadFromFile(c.kubeconfigPath);
    const ns = await admin.makeApiClient(k8s.CoreV1Api).readNamespace({ name: NS });
    assert.equal(ns.status?.phase, "Active");
  });

  test("loadFromCluster(pathPrefix) with KUBERNETES_SERVICE_HOST/PORT and the ServiceAccount files", async () => {
    const prefix = path.join(c.dir, "incluster");
    const saDir = path.join(prefix, "var/run/secrets/kubernetes.io/serviceaccount");
    await mkdir(saDir, { recursive: true });
    await writeFile(path.join(saDir, "token"), token);
    await writeFile(path.join(saDir, "ca.crt"), c.server.caPem);
    await writeFile(path.join(saDir, "namespace"), NS);
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    const kc = new k8s.KubeConfig();
    try {
      process.env.KUBERNETES_SERVICE_HOST = "127.0.0.1";
      process.env.KUBERNETES_SERVICE_PORT = String(c.server.port);
      kc.loadFromCluster(prefix);
    } finally {
      for (const [k, v] of [
        ["KUBERNETES_SERVICE_HOST", saved.host],
        ["KUBERNETES_SERVICE_PORT", saved.port],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    assert.equal(kc.getCurrentCluster()?.server, `https://127.0.0.1:${c.server.port}`);
    assert.equal(kc.getContextObject(kc.getCurrentContext())?.namespace, NS);
    const review = await kc.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    assert.equal(review.status?.userInfo?.username, `system:serviceaccount:${NS}:app`);
    assert.deepEqual(review.status?.userInfo?.groups, [
      "system:serviceaccounts",
      `system:serviceaccounts:${NS}`,
      "system:authenticated",
    ]);
    const pods = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: NS });
    assert.equal(pods.items.length, 3);
  });
});

describe("typed API calls", () => {
  test("ConfigMap create, read, replace, delete", async () => {
    const core = tokenConfig(token).makeApiClient(k8s.CoreV1Api);
    const created = await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: "settings", labels: { app: "js" } }, data: { mode: "a" } },
    });
    assert.equal(created.metadata?.name, "settings");
    assert.match(created.metadata?.uid ?? "", /^[0-9a-f-]{36}$/);
    const read = await core.readNamespacedConfigMap({ name: "settings", namespace: NS });
    assert.deepEqual(read.data, { mode: "a" });
    assert.equal(read.metadata?.resourceVersion, created.metadata?.resourceVersion);

    read.data = { mode: "b", extra: "1" };
    const replaced = await core.replaceNamespacedConfigMap({ name: "settings", namespace: NS, body: read });
    assert.deepEqual(replaced.data, { mode: "b", extra: "1" });
    assert.ok(Number(replaced.metadata?.resourceVersion) > Number(created.metadata?.resourceVersion));

    // Replacing with the stale object is a 409 Conflict.
    await assert.rejects(
      core.replaceNamespacedConfigMap({ name: "settings", namespace: NS, body: read }),
      (e: k8s.ApiException<string>) => {
        assert.equal(e.code, 409);
        assert.equal(JSON.parse(e.body).reason, "Conflict");
        return true;
      },
    );

    const deleted = await core.deleteNamespacedConfigMap({ name: "settings", namespace: NS });
    assert.equal(deleted.kind, "Status");
    assert.equal(deleted.status, "Success");
    await assert.rejects(
      core.readNamespacedConfigMap({ name: "settings", namespace: NS }),
      (e: k8s.ApiException<string>) => {
        assert.equal(e.code, 404);
        assert.deepEqual(JSON.parse(e.body), {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: 'configmaps "settings" not found',
          reason: "NotFound",
          details: { name: "settings", kind: "configmaps" },
          code: 404,
        });
        return true;
      },
    );
  });

  test("a forbidden call rejects with ApiException code 403 and the Status body", async () => {
    const core = tokenConfig(weakToken).makeApiClient(k8s.CoreV1Api);
    await assert.rejects(core.listNamespacedSecret({ namespace: NS }), (e: k8s.ApiException<string>) => {
      assert.ok(e instanceof k8s.ApiException);
      assert.equal(e.code, 403);
      const status = JSON.parse(e.body);
      assert.equal(status.reason, "Forbidden");
      assert.equal(
        status.message,
        `secrets is forbidden: User "system:serviceaccount:${NS}:weak" cannot list resource "secrets" in API group "" in the namespace "${NS}"`,
      );
      return true;
    });
  });

  test("AuthorizationV1Api.createSelfSubjectAccessReview", async () => {
    const authz = tokenConfig(token).makeApiClient(k8s.AuthorizationV1Api);
    const allowed = await authz.createSelfSubjectAccessReview({
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SelfSubjectAccessReview",
        spec: { resourceAttributes: { verb: "update", resource: "configmaps", namespace: NS } },
      },
    });
    assert.equal(allowed.kind, "SelfSubjectAccessReview");
    assert.equal(allowed.status?.allowed, true);
    assert.equal(
      allowed.status?.reason,
      `RBAC: allowed by RoleBinding "js-app-edit/${NS}" of ClusterRole "edit" to ServiceAccount "app/${NS}"`,
    );
    const denied = await authz.createSelfSubjectAccessReview({
      body: {
        spec: { resourceAttributes: { verb: "update", resource: "configmaps", namespace: "default" } },
      },
    });
    assert.equal(denied.status?.allowed, false);
    const nonResource = await authz.createSelfSubjectAccessReview({
      body: { spec: { nonResourceAttributes: { verb: "get", path: "/healthz" } } },
    });
    assert.equal(nonResource.status?.allowed, true);
  });
});

describe("watching", () => {
  test("makeInformer on pods reports add, update and delete for changes the test makes", async () => {
    const kc = tokenConfig(token);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(
      kc,
      `/api/v1/namespaces/${NS}/pods`,
      () => core.listNamespacedPod({ namespace: NS, labelSelector: "watched=yes" }),
      "watched=yes",
    );
    const events: string[] = [];
    informer.on("add", (p) => events.push(`add ${p.metadata?.name} ${p.metadata?.labels?.step ?? ""}`));
    informer.on("update", (p) => events.push(`update ${p.metadata?.name} ${p.metadata?.labels?.step ?? ""}`));
    informer.on("delete", (p) => events.push(`delete ${p.metadata?.name}`));
    const errors: unknown[] = [];
    informer.on("error", (e) => errors.push(e));
    const admin = (method: string, url: string, body?: unknown, type?: string) =>
      c.admin(method, url, body, type);
    await admin("POST", `/api/v1/namespaces/${NS}/pods`, pod("already", { watched: "yes" }));
    await informer.start();
    try {
      await eventually(async () => events.includes("add already "), 5000, "the listed pod");
      assert.equal(informer.list(NS).length, 1);
      // The informer watches from its list's resourceVersion: changes from here on arrive as watch events.
      assert.equal(
        (await admin("POST", `/api/v1/namespaces/${NS}/pods`, pod("live", { watched: "yes" }))).status,
        201,
      );
      await admin(
        "PATCH",
        `/api/v1/namespaces/${NS}/pods/live`,
        { metadata: { labels: { step: "2" } } },
        "application/merge-patch+json",
      );
      await admin("DELETE", `/api/v1/namespaces/${NS}/pods/already`);
      await eventually(async () => events.includes("delete already"), 5000, "the delete event");
      assert.deepEqual(events, ["add already ", "add live ", "update live 2", "delete already"]);
      assert.deepEqual(
        informer.list(NS).map((p) => [p.metadata?.name, p.metadata?.labels?.step]),
        [["live", "2"]],
      );
      assert.equal(informer.get("live", NS)?.metadata?.labels?.step, "2");
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });

  test("Watch.watch streams events; a 403 reaches done() as an Error with statusCode (the body is dropped)", async () => {
    const kc = tokenConfig(token);
    const seen: string[] = [];
    let finished!: (e: unknown) => void;
    const done = new Promise((r) => {
      finished = r;
    });
    const controller = await new k8s.Watch(kc).watch(
      `/api/v1/namespaces/${NS}/configmaps`,
      { labelSelector: "w=1", timeoutSeconds: 30 },
      (type, obj: k8s.V1ConfigMap) => seen.push(`${type} ${obj.metadata?.name}`),
      (e) => finished(e),
    );
    try {
      // watch() resolves once the server answered 200: the watch is registered.
      await c.admin("POST", `/api/v1/namespaces/${NS}/configmaps`, {
        metadata: { name: "w", labels: { w: "1" } },
      });
      await c.admin("DELETE", `/api/v1/namespaces/${NS}/configmaps/w`);
      await eventually(async () => seen.length >= 2, 5000, "watch events");
      assert.deepEqual(seen, ["ADDED w", "DELETED w"]);
    } finally {
      controller.abort();
    }
    await done;

    let err: unknown;
    await new k8s.Watch(tokenConfig(weakToken)).watch(
      "/api/v1/pods",
      {},
      () => assert.fail("no events on a forbidden watch"),
      (e) => {
        err = e;
      },
    );
    await eventually(async () => err !== undefined, 5000, "done() with the error");
    assert.ok(err instanceof Error);
    assert.equal((err as Error & { statusCode?: number }).statusCode, 403);
    assert.equal(err.message, "Forbidden");
  });
});
