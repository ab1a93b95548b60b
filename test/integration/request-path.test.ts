// The generic request path against kube-apiserver's behaviour: GuaranteedUpdate under concurrency
// (no lost writes, no spurious 409s), 405 for routes that do not exist, options validation, patch
// body errors, list/get resourceVersion semantics and the legacy watch path. The server keeps a data
// dir, as `incluster cluster up` does: writes then stay staged until their batch is fsynced, which is
// what exposed read-modify-write races.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
let dataDir: string;
before(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "incluster-request-path-"));
  c = await startTestCluster({ dataDir });
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "rp" } });
  await c.server.settle();
});
after(async () => {
  await c.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const CM = "/api/v1/namespaces/rp/configmaps";
const MERGE = "application/merge-patch+json";

const deployment = (name: string, replicas: number) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "i" }] } },
  },
});

describe("GuaranteedUpdate: concurrent writes", () => {
  test("50 parallel merge patches of one ConfigMap all succeed and keep every key", async () => {
    assert.equal((await c.admin("POST", CM, { metadata: { name: "fifty" } })).status, 201);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        c.admin("PATCH", `${CM}/fifty`, { data: { [`k${i}`]: "v" } }, MERGE),
      ),
    );
    assert.deepEqual(
      results.filter((r) => r.status !== 200).map((r) => r.text),
      [],
    );
    const got = await c.admin("GET", `${CM}/fifty`);
    assert.equal(Object.keys(got.json.data).length, 50);
  });

  test("ten parallel `kubectl patch --type=merge` all succeed and keep every key", async () => {
    assert.equal((await c.admin("POST", CM, { metadata: { name: "kubectl" } })).status, 201);
    const runs = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        c.kubectl(["-n", "rp", "patch", "cm", "kubectl", "--type=merge", "-p", `{"data":{"k${i}":"v"}}`]),
      ),
    );
    assert.deepEqual(
      runs.filter((r) => r.code !== 0).map((r) => r.stderr),
      [],
    );
    const got = await c.admin("GET", `${CM}/kubectl`);
    assert.equal(Object.keys(got.json.data).length, 10);
  });

  test("parallel server-side applies by different managers all succeed and keep every field", async () => {
    const applies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        c.admin(
          "PATCH",
          `${CM}/applied?fieldManager=m${i}`,
          `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  k${i}: v\n`,
          "application/apply-patch+yaml",
        ),
      ),
    );
    assert.deepEqual(
      applies.map((r) => r.status).sort(),
      [200, 200, 200, 200, 200, 200, 200, 200, 200, 201],
      applies.map((r) => r.text).join("\n"),
    );
    const got = await c.admin("GET", `${CM}/applied`);
    assert.equal(Object.keys(got.json.data).length, 10);
    assert.equal(got.json.metadata.managedFields.length, 10);
  });

  test("PUTs without metadata.resourceVersion never conflict", async () => {
    assert.equal((await c.admin("POST", CM, { metadata: { name: "puts" } })).status, 201);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        c.admin("PUT", `${CM}/puts`, { metadata: { name: "puts" }, data: { last: String(i) } }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      results.map(() => 200),
    );
  });

  test("patches and scale racing the Deployment controller's status writes all succeed", async () => {
    const base = "/apis/apps/v1/namespaces/rp/deployments";
    assert.equal((await c.admin("POST", base, deployment("busy", 1))).status, 201);
    const patches = Array.from({ length: 30 }, (_, i) =>
      c.admin("PATCH", `${base}/busy`, { metadata: { annotations: { [`a${i}`]: "v" } } }, MERGE),
    );
    const scales = Array.from({ length: 10 }, (_, i) =>
      c.admin("PATCH", `${base}/busy/scale`, { spec: { replicas: (i % 3) + 1 } }, MERGE),
    );
    const results = await Promise.all([...patches, ...scales]);
    assert.deepEqual(
      results.filter((r) => r.status !== 200).map((r) => r.text),
      [],
    );
    const got = await c.admin("GET", `${base}/busy`);
    for (let i = 0; i < 30; i++) assert.equal(got.json.metadata.annotations[`a${i}`], "v");
    // The controller's own status writes went through too: it observes the final generation.
    await eventually(
      async () => {
        const d = await c.admin("GET", `${base}/busy`);
        return d.json.status?.observedGeneration === d.json.metadata.generation;
      },
      10_000,
      "status.observedGeneration to catch up",
    );
  });

  test("a PUT with a stale resourceVersion is still 409 Conflict", async () => {
    const created = await c.admin("POST", CM, { metadata: { name: "stale" }, data: { a: "1" } });
    const stale = created.json.metadata.resourceVersion;
    await c.admin("PATCH", `${CM}/stale`, { data: { a: "2" } }, MERGE);
    const r = await c.admin("PUT", `${CM}/stale`, {
      metadata: { name: "stale", resourceVersion: stale },
      data: { a: "3" },
    });
    assert.equal(r.status, 409);
    assert.deepEqual(r.json, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        'Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again',
      reason: "Conflict",
      details: { name: "stale", kind: "configmaps" },
      code: 409,
    });
  });
});

describe("requests that must fail create nothing", () => {
  test("POST to an item URL is 405 MethodNotAllowed and creates nothing", async () => {
    const r = await c.admin("POST", `${CM}/item`, { metadata: { name: "item" } });
    assert.equal(r.status, 405);
    assert.deepEqual(r.json, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "the server does not allow this method on the requested resource",
      reason: "MethodNotAllowed",
      details: {},
      code: 405,
    });
    assert.equal((await c.admin("GET", `${CM}/item`)).status, 404);
  });

  test("PUT and PATCH to a collection URL are 405", async () => {
    assert.equal((await c.admin("PUT", CM, { metadata: { name: "x" } })).status, 405);
    assert.equal((await c.admin("PATCH", CM, {}, MERGE)).status, 405);
  });

  test("dryRun=Foo is 422 on CreateOptions and creates nothing", async () => {
    const r = await c.admin("POST", `${CM}?dryRun=Foo`, { metadata: { name: "dry" } });
    assert.equal(r.status, 422);
    assert.equal(
      r.json.message,
      'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Foo"]: supported values: "All"',
    );
    assert.deepEqual(r.json.details, {
      group: "meta.k8s.io",
      kind: "CreateOptions",
      causes: [
        {
          reason: "FieldValueNotSupported",
          message: 'Unsupported value: ["Foo"]: supported values: "All"',
          field: "dryRun",
        },
      ],
    });
    assert.equal((await c.admin("GET", `${CM}/dry`)).status, 404);
  });
});

describe("options validation", () => {
  before(async () => {
    await c.admin("POST", CM, { metadata: { name: "opts" } });
  });

  test("force is only for apply patches", async () => {
    const r = await c.admin("PATCH", `${CM}/opts?force=true`, { data: { a: "b" } }, MERGE);
    assert.equal(r.status, 422);
    assert.equal(
      r.json.message,
      'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
    );
  });

  test("apply needs a fieldManager", async () => {
    const r = await c.admin(
      "PATCH",
      `${CM}/opts`,
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: opts\n",
      "application/apply-patch+yaml",
    );
    assert.equal(r.status, 422);
    assert.equal(
      r.json.message,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
  });

  test("fieldManager must be printable", async () => {
    const r = await c.admin("PATCH", `${CM}/opts?fieldManager=a%07b`, { data: { a: "b" } }, MERGE);
    assert.equal(r.status, 422);
    assert.equal(
      r.json.message,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\ab": invalid character U+0007 (at position 1)',
    );
  });

  test("fieldValidation takes only the known directives", async () => {
    const r = await c.admin("PUT", `${CM}/opts?fieldValidation=Loose`, { metadata: { name: "opts" } });
    assert.equal(r.status, 422);
    assert.equal(
      r.json.message,
      'UpdateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"',
    );
  });

  test("integer and bool query parameters are read as the parameter codec reads them", async () => {
    const limit = await c.admin("GET", `${CM}?limit=x`);
    assert.equal(limit.status, 400);
    assert.equal(limit.json.message, 'strconv.ParseInt: parsing "x": invalid syntax');
    const grace = await c.admin("DELETE", `${CM}/opts?gracePeriodSeconds=99999999999999999999`);
    assert.equal(grace.status, 400);
    assert.equal(grace.json.message, 'strconv.ParseInt: parsing "99999999999999999999": value out of range');
    // timeoutSeconds converts before limit (ListOptions' field order), for a list, a watch and a
    // deletecollection (which deletes nothing then).
    for (const [method, watch] of [
      ["GET", ""],
      ["GET", "&watch=true"],
      ["DELETE", ""],
    ]) {
      const timeout = await c.admin(method, `${CM}?limit=x&timeoutSeconds=1.5${watch}`);
      assert.equal(timeout.status, 400, timeout.text);
      assert.equal(timeout.json.reason, "BadRequest");
      assert.equal(timeout.json.message, 'strconv.ParseInt: parsing "1.5": invalid syntax');
    }
    assert.equal((await c.admin("GET", `${CM}/opts`)).status, 200);
    // Any value but "0"/"false" sets a bool, so force=no is still a force on a non-apply patch.
    const force = await c.admin("PATCH", `${CM}/opts?force=no`, { data: { a: "b" } }, MERGE);
    assert.equal(force.status, 422);
  });

  test("DeleteOptions: propagationPolicy values, orphanDependents with a policy", async () => {
    const bogus = await c.admin("DELETE", `${CM}/opts?propagationPolicy=Bogus`);
    assert.equal(bogus.status, 422);
    assert.equal(
      bogus.json.message,
      'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Bogus": supported values: "Foreground", "Background", "Orphan", "nil"',
    );
    const both = await c.admin("DELETE", `${CM}/opts`, {
      orphanDependents: true,
      propagationPolicy: "Orphan",
    });
    assert.equal(both.status, 422);
    assert.equal(
      both.json.message,
      'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set',
    );
    const dry = await c.admin("DELETE", `${CM}/opts`, { dryRun: ["Foo"] });
    assert.equal(dry.status, 422);
    assert.equal((await c.admin("GET", `${CM}/opts`)).status, 200);
  });

  test("delete preconditions answer as rest.BeforeDelete", async () => {
    const obj = (await c.admin("GET", `${CM}/opts`)).json;
    const uid = await c.admin("DELETE", `${CM}/opts`, { preconditions: { uid: "x" } });
    assert.equal(uid.status, 409);
    assert.equal(
      uid.json.message,
      `Operation cannot be fulfilled on ConfigMap "opts": the UID in the precondition (x) does not match the UID in record (${obj.metadata.uid}). The object might have been deleted and then recreated`,
    );
    assert.deepEqual(uid.json.details, { name: "opts", kind: "ConfigMap" });
    const rv = await c.admin("DELETE", `${CM}/opts`, { preconditions: { resourceVersion: "1" } });
    assert.equal(rv.status, 409);
    assert.equal(
      rv.json.message,
      `Operation cannot be fulfilled on ConfigMap "opts": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${obj.metadata.resourceVersion}). The object might have been modified`,
    );
    const ok = await c.admin("DELETE", `${CM}/opts`, {
      preconditions: { uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion },
    });
    assert.equal(ok.status, 200, ok.text);
  });
});

describe("patch bodies", () => {
  before(async () => {
    await c.admin("POST", CM, { metadata: { name: "pb" } });
    await c.admin("POST", "/apis/apps/v1/namespaces/rp/deployments", deployment("sc", 1));
  });

  test("a body that is not JSON is 400 invalid JSON patch, for every JSON patch type", async () => {
    for (const type of [MERGE, "application/strategic-merge-patch+json", "application/json-patch+json"]) {
      const r = await c.admin("PATCH", `${CM}/pb`, "nope", type);
      assert.equal(r.status, 400, type);
      assert.equal(r.json.reason, "BadRequest");
      assert.equal(r.json.message, "invalid JSON patch");
    }
  });

  test("nesting beyond encoding/json's 10000 levels is 400; deep nesting is 422, never a 500", async () => {
    const deep = (n: number) => `{"data":${'{"a":'.repeat(n)}1${"}".repeat(n)}}`;
    const tooDeep = await c.admin("PATCH", `${CM}/pb`, deep(10_001), MERGE);
    assert.equal(tooDeep.status, 400);
    assert.equal(tooDeep.json.message, "invalid JSON patch");
    for (const type of [MERGE, "application/strategic-merge-patch+json"]) {
      const r = await c.admin("PATCH", `${CM}/pb`, deep(5000), type);
      assert.equal(r.status, 422, `${type}: ${r.text.slice(0, 200)}`);
      assert.equal(r.json.reason, "Invalid");
      assert.equal(r.json.details.causes[0].field, "patch");
    }
  });

  test("a patch that renames the object is 400 (patch.go checkName)", async () => {
    const r = await c.admin("PATCH", `${CM}/pb`, { metadata: { name: "renamed" } }, MERGE);
    assert.equal(r.status, 400);
    assert.equal(r.json.message, "the name of the object (renamed) does not match the name on the URL (pb)");
  });

  test("scale PATCH: bad body 400, unknown Content-Type 415, negative replicas 422", async () => {
    const scale = "/apis/apps/v1/namespaces/rp/deployments/sc/scale";
    const bad = await c.admin("PATCH", scale, "nope", MERGE);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.message, "invalid JSON patch");
    const type = await c.admin("PATCH", scale, "{}", "text/plain");
    assert.equal(type.status, 415);
    assert.equal(
      type.json.message,
      "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml",
    );
    const missing = await c.admin(
      "PATCH",
      "/apis/apps/v1/namespaces/rp/deployments/none/scale",
      { spec: { replicas: 1 } },
      MERGE,
    );
    assert.equal(missing.status, 404);
    assert.equal(missing.json.message, 'deployments/scale.apps "none" not found');
    assert.deepEqual(missing.json.details, { name: "none", group: "apps", kind: "deployments/scale" });
    const negative = await c.admin("PATCH", scale, { spec: { replicas: -1 } }, MERGE);
    assert.equal(negative.status, 422);
    assert.equal(
      negative.json.message,
      'Scale.autoscaling "sc" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    );
  });
});

describe("resourceVersion semantics of get and list", () => {
  before(async () => {
    for (const name of ["l1", "l2", "l3"])
      await c.admin("POST", "/api/v1/namespaces/rp/secrets", { metadata: { name } });
  });

  test("resourceVersion=0 is served from the cache: limit ignored, one full list, no continue", async () => {
    const r = await c.admin("GET", "/api/v1/namespaces/rp/secrets?resourceVersion=0&limit=1");
    assert.equal(r.status, 200);
    assert.equal(r.json.items.length, 3);
    assert.equal(r.json.metadata.continue, undefined);
    const paged = await c.admin("GET", "/api/v1/namespaces/rp/secrets?limit=1");
    assert.equal(paged.json.items.length, 1);
    assert.ok(paged.json.metadata.continue);
  });

  test("resourceVersion with a limit and no match is an exact read of that version", async () => {
    const before = await c.admin("GET", "/api/v1/namespaces/rp/secrets");
    const rv = before.json.metadata.resourceVersion;
    await c.admin("POST", "/api/v1/namespaces/rp/secrets", { metadata: { name: "l4" } });
    const exact = await c.admin("GET", `/api/v1/namespaces/rp/secrets?resourceVersion=${rv}&limit=10`);
    assert.equal(exact.json.items.length, 3);
    assert.equal(exact.json.metadata.resourceVersion, rv);
    const notOlder = await c.admin("GET", `/api/v1/namespaces/rp/secrets?resourceVersion=${rv}`);
    assert.equal(notOlder.json.items.length, 4);
    // NotOlderThan with a limit pages the newest state (only resourceVersion=0 ignores limit).
    const page = await c.admin(
      "GET",
      `/api/v1/namespaces/rp/secrets?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan&limit=3`,
    );
    assert.equal(page.json.items.length, 3);
    assert.ok(page.json.metadata.continue);
    assert.ok(Number(page.json.metadata.resourceVersion) > Number(rv));
  });

  test("ListOptions validation is 422 on ListOptions.meta.k8s.io", async () => {
    const r = await c.admin("GET", "/api/v1/namespaces/rp/secrets?resourceVersionMatch=NotOlderThan");
    assert.equal(r.status, 422);
    assert.equal(
      r.json.message,
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    );
    const exact0 = await c.admin(
      "GET",
      "/api/v1/namespaces/rp/secrets?resourceVersion=0&resourceVersionMatch=Exact",
    );
    assert.equal(
      exact0.json.message,
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    );
  });

  test("a get or list at a future resourceVersion waits about 3 s, then 504 ResourceVersionTooLarge", async () => {
    const current = Number((await c.admin("GET", CM)).json.metadata.resourceVersion);
    const wanted = current + 100_000;
    for (const url of [`${CM}/pb?resourceVersion=${wanted}`, `${CM}?resourceVersion=${wanted}`]) {
      const started = Date.now();
      const r = await c.admin("GET", url);
      const waited = Date.now() - started;
      assert.ok(waited >= 2900, `answered after ${waited} ms`);
      assert.equal(r.status, 504);
      assert.equal(r.headers["retry-after"], "1");
      assert.equal(r.json.reason, "Timeout");
      assert.match(
        r.json.message,
        new RegExp(`^Timeout: Too large resource version: ${wanted}, current: \\d+$`),
      );
      assert.deepEqual(r.json.details, {
        causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
        retryAfterSeconds: 1,
      });
    }
  });

  test("a get at a resourceVersion reached while waiting answers once it is reached", async () => {
    const current = Number((await c.admin("GET", CM)).json.metadata.resourceVersion);
    const pending = c.admin("GET", `${CM}/pb?resourceVersion=${current + 1}`);
    await new Promise((r) => setTimeout(r, 200));
    await c.admin("POST", CM, { metadata: { name: "bump" } });
    const r = await pending;
    assert.equal(r.status, 200);
  });
});

/** Reads a watch stream until it closes (timeoutSeconds) and returns the event lines. */
function watchLines(urlPath: string, started?: () => void): Promise<{ type: string; object: any }[]> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${c.server.url}${urlPath}`,
      { ca: c.server.caPem, cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
      (res) => {
        let text = "";
        started?.();
        res.on("data", (d) => {
          text += d;
        });
        res.on("end", () =>
          resolve(
            text
              .trim()
              .split("\n")
              .filter(Boolean)
              .map((l) => JSON.parse(l)),
          ),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("watch at a future resourceVersion", () => {
  test("starts now and sends only events newer than that version (cacheWatcher)", async () => {
    const current = Number((await c.admin("GET", CM)).json.metadata.resourceVersion);
    const from = current + 2;
    let opened!: () => void;
    const open = new Promise<void>((r) => {
      opened = r;
    });
    const events = watchLines(`${CM}?watch=true&resourceVersion=${from}&timeoutSeconds=2`, opened);
    await open;
    const rvs: Record<string, number> = {};
    for (const name of ["f1", "f2", "f3"]) {
      const r = await c.admin("POST", CM, { metadata: { name } });
      rvs[name] = Number(r.json.metadata.resourceVersion);
    }
    const expected = Object.keys(rvs).filter((n) => rvs[n] > from);
    assert.ok(expected.length < 3, "f1 is at or below the requested version");
    const names = (await events).map((e) => e.object.metadata.name);
    assert.deepEqual(names, expected);
  });
});

describe("legacy watch path", () => {
  test("/api/v1/watch/namespaces/NS/configmaps/NAME streams only NAME", async () => {
    await c.admin("POST", CM, { metadata: { name: "watched" } });
    await c.admin("POST", CM, { metadata: { name: "other" } });
    const events = await watchLines("/api/v1/watch/namespaces/rp/configmaps/watched?timeoutSeconds=1");
    const names = events.map((e) => e.object.metadata.name);
    assert.deepEqual(names, ["watched"]);
  });

  test("a field selector naming another object on that path is 400", async () => {
    const r = await c.admin(
      "GET",
      "/api/v1/watch/namespaces/rp/configmaps/watched?fieldSelector=metadata.name%3Dother&timeoutSeconds=1",
    );
    assert.equal(r.status, 400);
    assert.equal(r.json.message, "fieldSelector metadata.name doesn't match requested name");
  });
});

describe("NamespaceLifecycle for subresources", () => {
  test("a TokenRequest in a Terminating namespace is 403 with the NamespaceTerminating cause", async () => {
    await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "ending" } });
    await c.admin("POST", "/api/v1/namespaces/ending/serviceaccounts", { metadata: { name: "sa" } });
    // A finalizer on content keeps the namespace Terminating.
    await c.admin("POST", "/api/v1/namespaces/ending/configmaps", {
      metadata: { name: "held", finalizers: ["example.com/hold"] },
    });
    await c.admin("DELETE", "/api/v1/namespaces/ending");
    const r = await c.admin("POST", "/api/v1/namespaces/ending/serviceaccounts/sa/token", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: {},
    });
    assert.equal(r.status, 403);
    assert.deepEqual(r.json, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        'serviceaccounts "sa" is forbidden: unable to create new content in namespace ending because it is being terminated',
      reason: "Forbidden",
      details: {
        name: "sa",
        kind: "serviceaccounts",
        causes: [
          {
            reason: "NamespaceTerminating",
            message: "namespace ending is being terminated",
            field: "metadata.namespace",
          },
        ],
      },
      code: 403,
    });
    await c.admin(
      "PATCH",
      "/api/v1/namespaces/ending/configmaps/held",
      { metadata: { finalizers: null } },
      MERGE,
    );
  });
});

describe("DELETE answers per kind (ReturnDeletedObject)", () => {
  test("a ServiceAccount delete returns the ServiceAccount; a ConfigMap delete a Success Status", async () => {
    await c.admin("POST", "/api/v1/namespaces/rp/serviceaccounts", { metadata: { name: "gone" } });
    const sa = await c.admin("DELETE", "/api/v1/namespaces/rp/serviceaccounts/gone");
    assert.equal(sa.status, 200);
    assert.equal(sa.json.kind, "ServiceAccount");
    assert.equal(sa.json.metadata.name, "gone");
    const created = await c.admin("POST", CM, { metadata: { name: "gone" } });
    const cm = await c.admin("DELETE", `${CM}/gone`);
    assert.deepEqual(cm.json, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      details: { name: "gone", kind: "configmaps", uid: created.json.metadata.uid },
    });
  });
});

describe("pods/binding", () => {
  test("binding a bound Pod is a Conflict on pods/binding (assignPod)", async () => {
    await c.server.settle();
    const pod = await c.admin("POST", "/api/v1/namespaces/rp/pods", {
      metadata: { name: "bp" },
      spec: { containers: [{ name: "c", image: "i" }] },
    });
    assert.equal(pod.status, 201, pod.text);
    const binding = { apiVersion: "v1", kind: "Binding", metadata: { name: "bp" }, target: { name: "n1" } };
    const first = await c.admin("POST", "/api/v1/namespaces/rp/pods/bp/binding", binding);
    assert.equal(first.status, 201, first.text);
    const again = await c.admin("POST", "/api/v1/namespaces/rp/pods/bp/binding", binding);
    assert.equal(again.status, 409);
    assert.equal(
      again.json.message,
      'Operation cannot be fulfilled on pods/binding "bp": pod bp is already assigned to node "n1"',
    );
    assert.deepEqual(again.json.details, { name: "bp", kind: "pods/binding" });
  });
});
