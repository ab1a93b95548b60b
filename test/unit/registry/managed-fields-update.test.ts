// updateManagedFields works on trees of path elements (one walk per object); these tests hold it to the
// field-set definition it replaced — fieldNodes/changedFieldSet over sets of encoded paths, pruned by the
// paths the object has, re-encoded — on realistic Pods, random edits, duplicate merge keys, other
// managers' entries and malformed managedFields.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { realisticPod } from "../../../bench/lib/pods.ts";
import type { KubeObject } from "../../../src/meta/types.ts";
import {
  changedFieldSet,
  decodeFieldSet,
  encodeFieldSet,
  type FieldScope,
  fieldNodes,
  type ManagedFieldsEntry,
  managedFieldsOf,
  updateManagedFields,
  type Writer,
} from "../../../src/server/registry/managed-fields.ts";
import { patchSchemaFor } from "../../../src/server/registry/patch-schema.ts";

const POD = patchSchemaFor("", "Pod");
const SERVICE = patchSchemaFor("", "Service");

/** The set-based definition: owned paths as JSON-encoded path lists. */
function referenceUpdate(before: KubeObject | undefined, after: KubeObject, w: Writer): ManagedFieldsEntry[] {
  const identity = (e: { manager: string; operation: string; subresource?: string }) =>
    `${e.manager}\u0000${e.operation}\u0000${e.subresource ?? ""}`;
  const managed = managedFieldsOf(after)
    .filter((e) => typeof e === "object" && e !== null && !Array.isArray(e) && typeof e.manager === "string")
    .map((e) => ({ entry: e, set: decodeFieldSet(e.fieldsV1) }));
  const changed = changedFieldSet(
    fieldNodes(before ?? {}, w.schema, w.scope),
    fieldNodes(after, w.schema, w.scope),
  );
  const id = identity({ manager: w.manager, operation: "Update", subresource: w.subresource });
  for (const m of managed) if (identity(m.entry) !== id) for (const k of changed) m.set.delete(k);
  if (changed.size || managed.some((m) => identity(m.entry) === id)) {
    let mine = managed.find((m) => identity(m.entry) === id);
    if (!mine) {
      mine = {
        entry: {
          manager: w.manager,
          operation: "Update",
          apiVersion: w.apiVersion,
          fieldsType: "FieldsV1",
          fieldsV1: {},
        },
        set: new Set(),
      };
      managed.push(mine);
    }
    mine.entry = {
      manager: w.manager,
      operation: "Update",
      apiVersion: w.apiVersion,
      time: w.time,
      fieldsType: "FieldsV1",
      fieldsV1: {},
      ...(w.subresource ? { subresource: w.subresource } : {}),
    };
    for (const k of changed) mine.set.add(k);
    // structured-merge-diff's Updater filters the manager's whole set with the reset fields.
    const inScope = (k: string) => {
      const status = (JSON.parse(k) as string[])[0] === "f:status";
      return w.scope === "main" ? !status : w.scope === "status" ? status : true;
    };
    for (const k of [...mine.set]) if (!inScope(k)) mine.set.delete(k);
  }
  const present = fieldNodes(after, w.schema, "all");
  for (const m of managed) for (const k of [...m.set]) if (!present.has(k)) m.set.delete(k);
  return managed
    .filter((m) => m.set.size > 0)
    .map((m) => ({ ...m.entry, fieldsType: "FieldsV1" as const, fieldsV1: encodeFieldSet(m.set) }));
}

/** Same entries, same key order (the wire output). */
function assertSame(actual: ManagedFieldsEntry[], expected: ManagedFieldsEntry[], message?: string) {
  assert.equal(JSON.stringify(actual), JSON.stringify(expected), message);
}

/** A deterministic PRNG (mulberry32), so a failure is reproducible. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random edits: values changed, fields added and removed, list items added, removed and duplicated. */
function mutate(value: unknown, rnd: () => number, depth = 0): unknown {
  if (Array.isArray(value)) {
    const out = value.map((v) => (rnd() < 0.3 ? mutate(v, rnd, depth + 1) : v));
    if (out.length && rnd() < 0.1) out.splice(Math.floor(rnd() * out.length), 1);
    if (out.length && rnd() < 0.1) out.push(structuredClone(out[Math.floor(rnd() * out.length)]));
    if (rnd() < 0.05)
      out.push(rnd() < 0.5 ? `x${Math.floor(rnd() * 3)}` : { name: `n${Math.floor(rnd() * 3)}` });
    return out;
  }
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = rnd();
      if (r < 0.05) continue;
      out[k] = r < 0.3 ? mutate(v, rnd, depth + 1) : v;
    }
    if (rnd() < 0.08) out[`added${Math.floor(rnd() * 3)}`] = rnd() < 0.5 ? "v" : {};
    if (depth < 2 && rnd() < 0.03) out.labels = {};
    return out;
  }
  if (typeof value === "string") return rnd() < 0.5 ? `${value}-x` : value;
  if (typeof value === "number") return value + 1;
  if (typeof value === "boolean") return !value;
  return value;
}

const writer = (manager: string, scope: FieldScope, subresource?: string): Writer => ({
  manager,
  apiVersion: "v1",
  time: "2026-01-01T00:00:00Z",
  ...(subresource ? { subresource } : {}),
  schema: POD,
  scope,
});

describe("updateManagedFields against the set-based definition", () => {
  test("creates, main updates and status updates of realistic Pods with random edits", () => {
    const rnd = random(42);
    let checked = 0;
    let nonEmpty = 0;
    for (let i = 0; i < 300; i++) {
      const pod = realisticPod(i);
      const status = pod.status;
      delete pod.status;
      const w1 = writer("kube-controller-manager", "main");
      const created = structuredClone(pod);
      const createdFields = updateManagedFields(undefined, created, w1);
      assertSame(createdFields, referenceUpdate(undefined, created, w1));
      (created.metadata as Record<string, unknown>).managedFields = createdFields;

      const withStatus = { ...structuredClone(created), status: mutate(status, rnd) } as KubeObject;
      const w2 = writer("kubelet", "status", "status");
      const statusFields = updateManagedFields(created, withStatus, w2);
      assertSame(statusFields, referenceUpdate(created, withStatus, w2));
      (withStatus.metadata as Record<string, unknown>).managedFields = statusFields;

      for (let round = 0; round < 4; round++) {
        const next = mutate(withStatus, rnd) as KubeObject;
        next.metadata = { ...(next.metadata ?? {}), managedFields: statusFields } as KubeObject["metadata"];
        const scope: FieldScope = (["main", "status", "all"] as const)[round % 3];
        const w = writer(
          round % 2 ? "kubectl-edit" : "kubelet",
          scope,
          scope === "status" ? "status" : undefined,
        );
        const actual = updateManagedFields(withStatus, next, w);
        assertSame(actual, referenceUpdate(withStatus, next, w), `pod ${i} round ${round}`);
        checked++;
        if (actual.length > 2) nonEmpty++;
      }
    }
    assert.equal(checked, 1200);
    assert.ok(nonEmpty > 100, `only ${nonEmpty} updates added a manager`);
  });

  test("duplicate merge keys, malformed entries and odd FieldsV1", () => {
    const before: KubeObject = {
      metadata: { name: "p", labels: { a: "1" }, finalizers: ["x", "x"] },
      spec: {
        containers: [
          {
            name: "c",
            image: "i",
            env: [
              { name: "A", value: "1" },
              { name: "A", valueFrom: { fieldRef: {} } },
            ],
          },
          { name: "c", ports: [{ containerPort: 80 }, { containerPort: 80, protocol: "UDP" }] },
        ],
      },
    };
    const after: KubeObject = {
      metadata: {
        name: "p",
        labels: {},
        finalizers: ["x"],
        managedFields: [
          null,
          "text",
          { manager: 7 },
          {
            manager: "old",
            operation: "Update",
            apiVersion: "v1",
            fieldsType: "FieldsV1",
            fieldsV1: {
              ".": {},
              "f:metadata": { "f:labels": { ".": null, "f:a": {} }, "f:finalizers": { 'v:"x"': {} } },
              "f:spec": { "f:containers": { 'k:{"name":"c"}': { "f:env": { bad: 1 }, "f:image": {} } } },
              "f:gone": {},
            },
          },
          {
            manager: "kubelet",
            operation: "Update",
            apiVersion: "v1",
            fieldsType: "FieldsV1",
            fieldsV1: "x",
          },
          { manager: "kubelet", operation: "Update", apiVersion: "v1", fieldsV1: { "f:spec": {} } },
          {
            manager: "unsorted",
            operation: "Update",
            apiVersion: "v1",
            fieldsType: "FieldsV1",
            fieldsV1: { "f:spec": {}, "f:metadata": { "f:name": {}, "f:labels": { ".": {} } } },
          },
          {
            manager: "dot-last",
            operation: "Update",
            apiVersion: "v1",
            fieldsType: "FieldsV1",
            fieldsV1: { "f:metadata": { "f:labels": { "f:b": {}, ".": {} } } },
          },
        ] as unknown as ManagedFieldsEntry[],
      },
      spec: {
        containers: [
          { name: "c", image: "j", env: [{ name: "A", value: "1" }] },
          { name: "c", image: "j", env: [{ name: "A", value: "2" }], ports: [{ containerPort: 80 }] },
        ],
      },
    };
    for (const scope of ["main", "status", "all"] as const) {
      for (const manager of ["kubelet", "old", "new"]) {
        const w = writer(manager, scope);
        assertSame(updateManagedFields(before, after, w), referenceUpdate(before, after, w));
        assertSame(updateManagedFields(undefined, after, w), referenceUpdate(undefined, after, w));
      }
    }
  });

  test("a Service's atomic selector and set-like lists", () => {
    const before: KubeObject = {
      metadata: { name: "s" },
      spec: { selector: { app: "a" }, ports: [{ port: 80 }], externalIPs: ["1.2.3.4"] },
    };
    const after: KubeObject = {
      metadata: { name: "s" },
      spec: {
        selector: { app: "b" },
        ports: [{ port: 80, protocol: "TCP" }, { port: 81 }],
        externalIPs: ["1.2.3.4"],
      },
    };
    const w = { ...writer("m", "main"), schema: SERVICE };
    const actual = updateManagedFields(before, after, w);
    assertSame(actual, referenceUpdate(before, after, w));
    assert.deepEqual(actual[0].fieldsV1, {
      "f:spec": {
        "f:ports": {
          'k:{"port":80,"protocol":"TCP"}': { "f:protocol": {} },
          'k:{"port":81,"protocol":"TCP"}': { ".": {}, "f:port": {} },
        },
        "f:selector": {},
      },
    });
  });

  test("an entry the write leaves alone: kept as stored when canonical, re-encoded when not", () => {
    const object = (fieldsV1: Record<string, unknown>): KubeObject => ({
      metadata: {
        name: "p",
        labels: { a: "1" },
        managedFields: [
          { manager: "other", operation: "Update", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1 },
        ],
      },
      spec: { x: 1 },
    });
    const w = writer("me", "main");
    const canonical = { "f:metadata": { "f:labels": { ".": {}, "f:a": {} } }, "f:spec": { "f:x": {} } };
    const kept = object(canonical);
    const result = updateManagedFields(kept, kept, w);
    assertSame(result, referenceUpdate(kept, kept, w));
    assert.equal(result[0].fieldsV1, canonical, "the stored FieldsV1 is reused");
    for (const odd of [
      { "f:spec": { "f:x": {} }, "f:metadata": { "f:labels": { ".": {}, "f:a": {} } } },
      { "f:metadata": { "f:labels": { "f:a": {}, ".": {} } }, "f:spec": { "f:x": {} } },
      { "f:metadata": { "f:labels": { ".": {}, "f:a": { ".": {} } } }, "f:spec": { "f:x": {} } },
      { "f:metadata": { "f:labels": { ".": null, "f:a": {} } }, "f:spec": { "f:x": {} } },
    ]) {
      const obj = object(odd);
      const normalized = updateManagedFields(obj, obj, w);
      assertSame(normalized, referenceUpdate(obj, obj, w));
      assert.equal(JSON.stringify(normalized[0].fieldsV1), JSON.stringify(canonical));
    }
  });
});
