// Field sets (FieldsV1 encoding) and the ownership rules of server-side apply (managed-fields.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import {
  ApplyConflictError,
  appliedFieldSet,
  conflictMessage,
  decodeFieldSet,
  encodeFieldSet,
  type ManagedFieldsEntry,
  managedFieldsOf,
  managerFor,
  pathString,
  sameExceptTimes,
  updateManagedFields,
  type Writer,
} from "../../../src/server/registry/managed-fields.ts";
import { patchSchemaFor } from "../../../src/server/registry/patch-schema.ts";
import { serverSideApplyOwned } from "../../../src/server/registry/server-side-apply.ts";

const POD = patchSchemaFor("", "Pod");
const writer = (manager: string, o: Partial<Writer> = {}): Writer => ({
  manager,
  apiVersion: "v1",
  time: "2026-01-01T00:00:00Z",
  schema: POD,
  scope: "main",
  ...o,
});
const fieldsOf = (obj: KubeObject, manager: string, operation = "Apply") =>
  managedFieldsOf(obj).find((e) => e.manager === manager && e.operation === operation)?.fieldsV1;

const podConfig = (o: object) =>
  JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, ...o });
const applyPod = (live: KubeObject, o: object, manager = "kubectl", force = false) =>
  serverSideApplyOwned(
    live,
    podConfig(o),
    { kind: "Pod", group: "", manager, time: "2026-01-01T00:00:00Z", scope: "main" },
    force,
  );

describe("field sets", () => {
  test("an apply configuration owns leaves and keyed list items, in upstream's FieldsV1 encoding", () => {
    const set = appliedFieldSet(
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p", namespace: "ns", labels: { app: "web" }, finalizers: ["a/b"] },
        spec: {
          containers: [{ name: "web", image: "nginx", ports: [{ containerPort: 80 }], args: ["x"] }],
          nodeSelector: {},
        },
        status: { phase: "Running" },
      },
      POD,
      "main",
    );
    assert.deepEqual(encodeFieldSet(set), {
      "f:metadata": { "f:finalizers": { 'v:"a/b"': {} }, "f:labels": { "f:app": {} } },
      "f:spec": {
        "f:containers": {
          'k:{"name":"web"}': {
            ".": {},
            "f:args": {},
            "f:image": {},
            "f:name": {},
            "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } },
          },
        },
        "f:nodeSelector": {},
      },
    });
  });

  test("FieldsV1 decodes back to the same set", () => {
    const encoded = {
      "f:data": { ".": {}, "f:a": {} },
      "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:image": {} } } },
    };
    const set = decodeFieldSet(encoded);
    assert.equal(set.size, 4);
    assert.deepEqual(encodeFieldSet(set), encoded);
  });

  test("paths print like fieldpath.Path.String()", () => {
    assert.equal(pathString(JSON.stringify(["f:data", "f:a"])), ".data.a");
    assert.equal(
      pathString(JSON.stringify(["f:spec", "f:containers", 'k:{"name":"web"}', "f:image"])),
      '.spec.containers[name="web"].image',
    );
    assert.equal(
      pathString(JSON.stringify(["f:metadata", "f:finalizers", 'v:"x"'])),
      '.metadata.finalizers[="x"]',
    );
  });

  test("conflict messages follow apiserver's getConflictMessage", () => {
    const apply = { manager: "a", operation: "Apply", apiVersion: "v1" } as ManagedFieldsEntry;
    const update = { manager: "b", operation: "Update", apiVersion: "apps/v1" } as ManagedFieldsEntry;
    assert.equal(
      conflictMessage([{ manager: update, path: ".spec.replicas" }]),
      'Apply failed with 1 conflict: conflict with "b" using apps/v1: .spec.replicas',
    );
    assert.equal(
      conflictMessage([
        { manager: update, path: ".x" },
        { manager: apply, path: ".y" },
        { manager: apply, path: ".z" },
      ]),
      'Apply failed with 3 conflicts: conflicts with "a":\n- .y\n- .z\nconflicts with "b" using apps/v1:\n- .x',
    );
  });

  test("the manager of a non-apply write is fieldManager, else the User-Agent's product", () => {
    assert.equal(managerFor("kubectl-edit", "kubectl/v1.33.1 (linux/amd64)"), "kubectl-edit");
    assert.equal(managerFor(null, "kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0"), "kubectl");
    assert.equal(managerFor(undefined, "curl/8.5.0"), "curl");
  });
});

describe("ownership", () => {
  test("an Update owns what it added or changed and takes it from other managers", () => {
    const created: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c" },
      data: { a: "1" },
    };
    const cmSchema = patchSchemaFor("", "ConfigMap");
    created.metadata = {
      ...created.metadata,
      managedFields: updateManagedFields(
        undefined,
        created,
        writer("creator", { schema: cmSchema, scope: "all" }),
      ) as never,
    };
    assert.deepEqual(fieldsOf(created, "creator", "Update"), { "f:data": { ".": {}, "f:a": {} } });

    const edited: KubeObject = structuredClone(created);
    (edited.data as Record<string, string>).a = "2";
    (edited.data as Record<string, string>).b = "3";
    const entries = updateManagedFields(
      created,
      edited,
      writer("editor", { schema: cmSchema, scope: "all" }),
    );
    assert.deepEqual(
      entries.map((e) => [e.manager, e.fieldsV1]),
      [
        // The map itself stays the creator's (a member with no owned children left encodes as {}).
        ["creator", { "f:data": {} }],
        ["editor", { "f:data": { "f:a": {}, "f:b": {} } }],
      ],
    );
  });

  test("re-applying the same configuration changes nothing but the timestamp", () => {
    const first = applyPod({}, { metadata: { labels: { a: "1" } } });
    const second = applyPod(structuredClone(first), { metadata: { labels: { a: "1" } } });
    assert.ok(sameExceptTimes(first, second));
    const changed = applyPod(structuredClone(first), { metadata: { labels: { a: "2" } } });
    assert.ok(!sameExceptTimes(first, changed));
  });

  test("fields the applier no longer sets are removed unless another manager owns them", () => {
    let live = applyPod(
      {},
      {
        metadata: { labels: { a: "1", b: "2", c: "3" } },
        spec: {
          containers: [
            { name: "web", image: "x" },
            { name: "side", image: "y" },
          ],
        },
      },
    );
    // Another applier co-owns label c (same value: shared, no conflict).
    live = applyPod(live, { metadata: { labels: { c: "3" } } }, "other");
    live = applyPod(live, {
      metadata: { labels: { a: "1" } },
      spec: { containers: [{ name: "web", image: "x" }] },
    });
    assert.deepEqual(live.metadata?.labels, { a: "1", c: "3" });
    assert.deepEqual(
      (live.spec as { containers: { name: string }[] }).containers.map((x) => x.name),
      ["web"],
    );
    assert.deepEqual(fieldsOf(live, "kubectl"), {
      "f:metadata": { "f:labels": { "f:a": {} } },
      "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } } },
    });
    assert.deepEqual(fieldsOf(live, "other"), { "f:metadata": { "f:labels": { "f:c": {} } } });
  });

  test("changing another manager's field conflicts unless forced; forcing moves ownership", () => {
    const live = applyPod({}, { spec: { containers: [{ name: "web", image: "nginx:1" }] } });
    const change = { spec: { containers: [{ name: "web", image: "nginx:2" }] } };
    assert.throws(
      () => applyPod(structuredClone(live), change, "other"),
      (e: unknown) => {
        assert.ok(e instanceof ApplyConflictError);
        assert.equal(
          e.message,
          'Apply failed with 1 conflict: conflict with "kubectl": .spec.containers[name="web"].image',
        );
        return true;
      },
    );
    const forced = applyPod(structuredClone(live), change, "other", true);
    assert.equal((forced.spec as { containers: { image: string }[] }).containers[0].image, "nginx:2");
    assert.deepEqual(fieldsOf(forced, "kubectl"), {
      "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:name": {} } } },
    });
    assert.deepEqual(fieldsOf(forced, "other"), {
      "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } } },
    });
  });

  test("status is not owned through the main resource of a kind with a status subresource", () => {
    const live = applyPod({}, { metadata: { labels: { a: "1" } }, status: { phase: "Running" } });
    assert.deepEqual(fieldsOf(live, "kubectl"), { "f:metadata": { "f:labels": { "f:a": {} } } });
  });
});

describe("list items keyed by several fields (+listMapKey)", () => {
  const svcConfig = (ports: object[]) =>
    JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "dns" }, spec: { ports } });
  const applySvc = (live: KubeObject, ports: object[], manager = "kubectl") =>
    serverSideApplyOwned(
      live,
      svcConfig(ports),
      { kind: "Service", group: "", manager, time: "2026-01-01T00:00:00Z", scope: "main" },
      false,
    );
  const dns = [
    { name: "dns", port: 53, protocol: "UDP" },
    { name: "dns-tcp", port: 53 },
  ];

  test("a Service's ports are keyed by port and protocol, TCP when omitted (upstream's FieldsV1)", () => {
    const created = applySvc({}, dns);
    assert.deepEqual(fieldsOf(created, "kubectl"), {
      "f:spec": {
        "f:ports": {
          'k:{"port":53,"protocol":"TCP"}': { ".": {}, "f:name": {}, "f:port": {} },
          'k:{"port":53,"protocol":"UDP"}': { ".": {}, "f:name": {}, "f:port": {}, "f:protocol": {} },
        },
      },
    });
    assert.equal(
      pathString(JSON.stringify(["f:spec", "f:ports", 'k:{"port":53,"protocol":"UDP"}', "f:name"])),
      '.spec.ports[port=53,protocol="UDP"].name',
    );
  });

  test("equal values another manager applied are shared; a changed one conflicts on its own item only", () => {
    const live = applySvc({}, dns, "first");
    const shared = applySvc(live, dns, "second");
    assert.ok(fieldsOf(shared, "first") && fieldsOf(shared, "second"));
    assert.throws(
      () => applySvc(shared, [dns[0], { name: "renamed", port: 53 }], "third"),
      (e: unknown) =>
        e instanceof ApplyConflictError &&
        e.conflicts.map((c) => `${c.manager.manager} ${c.path}`).join("; ") ===
          'first .spec.ports[port=53,protocol="TCP"].name; second .spec.ports[port=53,protocol="TCP"].name',
    );
  });

  test("an item dropped from the configuration is removed by all of its keys", () => {
    const live = applySvc({}, dns);
    const next = applySvc(live, [dns[0]]);
    assert.deepEqual((next.spec as { ports: unknown }).ports, [dns[0]]);
  });
});

describe("atomic structs and maps (+structType=atomic, +mapType=atomic)", () => {
  const apply = (live: KubeObject, obj: object, kind: string, group: string, manager = "kubectl") =>
    serverSideApplyOwned(
      live,
      JSON.stringify(obj),
      { kind, group, manager, time: "2026-01-01T00:00:00Z", scope: "main" },
      false,
    );

  test("a Deployment's LabelSelector is one owned leaf, as upstream's f:selector: {}", () => {
    const deploy = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d" },
      spec: { selector: { matchLabels: { app: "d" } }, replicas: 1 },
    };
    const created = apply({}, deploy, "Deployment", "apps");
    assert.deepEqual(fieldsOf(created, "kubectl"), {
      "f:spec": { "f:replicas": {}, "f:selector": {} },
    });
  });

  test("an applied Service selector replaces the live one whole", () => {
    const svc = (selector: object) => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s" },
      spec: { selector },
    });
    const live = apply({}, svc({ app: "a", tier: "web" }), "Service", "");
    assert.deepEqual(fieldsOf(live, "kubectl"), { "f:spec": { "f:selector": {} } });
    const next = apply(live, svc({ app: "b" }), "Service", "");
    assert.deepEqual((next.spec as { selector: unknown }).selector, { app: "b" });
  });
});
