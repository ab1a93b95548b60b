// PATCH application for the four patch types, with kube-apiserver's codes and messages.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import {
  applyPatch,
  PatchError,
  type PatchTarget,
  type PatchType,
  patchErrorStatus,
  patchTypeOf,
} from "../../../src/server/registry/patch.ts";

const MERGE: PatchType = "application/merge-patch+json";
const JSON_PATCH: PatchType = "application/json-patch+json";
const STRATEGIC: PatchType = "application/strategic-merge-patch+json";
const APPLY: PatchType = "application/apply-patch+yaml";
const POD: PatchTarget = { kind: "Pod", group: "" };

const livePod = (): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "web",
    namespace: "default",
    labels: { app: "web", tier: "frontend" },
    annotations: { note: "x" },
    finalizers: ["example.com/a", "example.com/b"],
  },
  spec: {
    containers: [
      {
        name: "app",
        image: "nginx:1.25",
        env: [
          { name: "A", value: "1" },
          { name: "B", value: "2" },
        ],
        ports: [{ containerPort: 80, protocol: "TCP" }],
      },
      { name: "sidecar", image: "busybox" },
    ],
    volumes: [{ name: "data", emptyDir: {} }],
    tolerations: [{ key: "a", operator: "Exists" }],
  },
});

const patchWith = (type: PatchType, body: unknown, original: KubeObject = livePod(), target = POD) =>
  applyPatch(original, typeof body === "string" ? body : JSON.stringify(body), type, target);

/** Asserts a PatchError with this code, message and (for hidden 422 causes) detail. */
function assertPatchError(fn: () => unknown, code: number, message: string | RegExp, detail?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof PatchError, `expected PatchError, got ${e}`);
    assert.equal(e.code, code);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    if (detail) assert.match(e.detail ?? "", detail);
    return true;
  });
}

describe("JSON merge patch (RFC 7386)", () => {
  test("merges objects, deletes with null, replaces arrays", () => {
    const out = patchWith(MERGE, {
      metadata: { labels: { tier: null, track: "stable" } },
      spec: { tolerations: [{ key: "b", operator: "Exists" }] },
    });
    assert.deepEqual(out.metadata?.labels, { app: "web", track: "stable" });
    assert.deepEqual((out.spec as { tolerations: unknown }).tolerations, [{ key: "b", operator: "Exists" }]);
    assert.equal((out.spec as { containers: unknown[] }).containers.length, 2, "untouched fields stay");
  });

  test("does not modify the original", () => {
    const original = livePod();
    patchWith(MERGE, { metadata: { labels: { app: null } } }, original);
    assert.equal(original.metadata?.labels?.app, "web");
  });

  test("decoding errors are 400 with encoding/json wording", () => {
    assertPatchError(() => patchWith(MERGE, "{"), 400, "error decoding patch: unexpected end of JSON input");
    assertPatchError(
      () => patchWith(MERGE, "{x}"),
      400,
      "error decoding patch: invalid character 'x' looking for beginning of value",
    );
    assertPatchError(
      () => patchWith(MERGE, "[1]"),
      400,
      "error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}",
    );
    assertPatchError(() => patchWith(MERGE, "null"), 400, "Invalid JSON Patch");
  });
});

describe("JSON patch (RFC 6902)", () => {
  test("add, remove, replace, move, copy and test", () => {
    const out = patchWith(JSON_PATCH, [
      { op: "test", path: "/metadata/labels/app", value: "web" },
      { op: "add", path: "/metadata/labels/new", value: "1" },
      { op: "replace", path: "/spec/containers/0/image", value: "nginx:1.27" },
      { op: "remove", path: "/metadata/annotations/note" },
      { op: "add", path: "/spec/containers/0/env/-", value: { name: "C", value: "3" } },
      { op: "add", path: "/spec/containers/0/env/0", value: { name: "Z", value: "0" } },
      { op: "copy", from: "/metadata/labels/app", path: "/metadata/labels/copied" },
      { op: "move", from: "/metadata/labels/tier", path: "/metadata/labels/moved" },
    ]);
    assert.deepEqual(out.metadata?.labels, { app: "web", new: "1", copied: "web", moved: "frontend" });
    assert.deepEqual(out.metadata?.annotations, {});
    const app = (out.spec as { containers: { image: string; env: { name: string }[] }[] }).containers[0];
    assert.equal(app.image, "nginx:1.27");
    assert.deepEqual(
      app.env.map((e) => e.name),
      ["Z", "A", "B", "C"],
    );
  });

  test("keys with / and ~ are escaped as ~1 and ~0", () => {
    const out = patchWith(JSON_PATCH, [
      { op: "add", path: "/metadata/labels/example.com~1role~0x", value: "y" },
    ]);
    assert.equal(out.metadata?.labels?.["example.com/role~x"], "y");
  });

  test("a failed test op is a 422 whose message hides the cause, as upstream's", () => {
    assertPatchError(
      () => patchWith(JSON_PATCH, [{ op: "test", path: "/metadata/name", value: "other" }]),
      422,
      "the server rejected our request due to an error in our request",
      /testing value \/metadata\/name failed/,
    );
  });

  test("operations on missing paths fail with evanphx's reasons", () => {
    const cases: [object, RegExp][] = [
      [
        { op: "add", path: "/nope/x", value: 1 },
        /add operation does not apply: doc is missing path: "\/nope\/x"/,
      ],
      [{ op: "remove", path: "/metadata/labels/nope" }, /Unable to remove nonexistent key: nope/],
      [{ op: "replace", path: "/spec/containers/5/image", value: "x" }, /invalid index referenced/],
      [{ op: "frobnicate", path: "/x" }, /Unexpected kind: frobnicate/],
    ];
    for (const [op, detail] of cases)
      assertPatchError(() => patchWith(JSON_PATCH, [op]), 422, /rejected our request/, detail);
  });

  test("replace of a missing object key adds it (evanphx v4)", () => {
    const out = patchWith(JSON_PATCH, [{ op: "replace", path: "/metadata/labels/added", value: "v" }]);
    assert.equal(out.metadata?.labels?.added, "v");
  });

  test("malformed bodies are 400, too many operations 413", () => {
    assertPatchError(
      () => patchWith(JSON_PATCH, { op: "add" }),
      400,
      "error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp",
    );
    assertPatchError(
      () => patchWith(JSON_PATCH, [{ op: 1, path: "/a" }]),
      400,
      "error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.op of type string",
    );
    const ops = Array.from({ length: 10001 }, () => ({ op: "test", path: "/kind", value: "Pod" }));
    assertPatchError(
      () => patchWith(JSON_PATCH, ops),
      413,
      "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001",
    );
  });
});

describe("strategic merge patch: kubectl label/annotate/patch/scale", () => {
  test("kubectl label --overwrite and label removal", () => {
    const out = patchWith(STRATEGIC, { metadata: { labels: { tier: null, env: "prod" } } });
    assert.deepEqual(out.metadata?.labels, { app: "web", env: "prod" });
  });

  test("kubectl scale-like patch on a Deployment", () => {
    const deployment: KubeObject = {
      kind: "Deployment",
      metadata: { name: "d" },
      spec: { replicas: 1, selector: {} },
    };
    const out = patchWith(STRATEGIC, { spec: { replicas: 5 } }, deployment, {
      kind: "Deployment",
      group: "apps",
    });
    assert.deepEqual(out.spec, { replicas: 5, selector: {} });
  });

  test("containers merge by name, env by name, ports by containerPort (new items first, as upstream)", () => {
    const out = patchWith(STRATEGIC, {
      spec: {
        containers: [
          {
            name: "app",
            image: "nginx:1.27",
            env: [{ name: "B", value: "two" }],
            ports: [{ containerPort: 8080 }],
          },
        ],
      },
    });
    const [app, sidecar] = (out.spec as { containers: Record<string, unknown>[] }).containers;
    assert.equal(app.image, "nginx:1.27");
    assert.deepEqual(app.env, [
      { name: "A", value: "1" },
      { name: "B", value: "two" },
    ]);
    assert.deepEqual(app.ports, [{ containerPort: 8080 }, { containerPort: 80, protocol: "TCP" }]);
    assert.equal(sidecar.name, "sidecar");
  });

  test("atomic lists (tolerations) are replaced whole", () => {
    const out = patchWith(STRATEGIC, { spec: { tolerations: [{ key: "b", operator: "Exists" }] } });
    assert.deepEqual((out.spec as { tolerations: unknown }).tolerations, [{ key: "b", operator: "Exists" }]);
  });

  test("RBAC rules and subjects are atomic", () => {
    const role: KubeObject = {
      kind: "Role",
      metadata: { name: "r" },
      rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }],
    };
    const out = patchWith(
      STRATEGIC,
      { rules: [{ verbs: ["list"], apiGroups: [""], resources: ["secrets"] }] },
      role,
      {
        kind: "Role",
        group: "rbac.authorization.k8s.io",
      },
    );
    assert.deepEqual(out.rules, [{ verbs: ["list"], apiGroups: [""], resources: ["secrets"] }]);
  });

  test("Service ports merge by port; ServiceAccount secrets by name", () => {
    const svc: KubeObject = {
      kind: "Service",
      metadata: { name: "s" },
      spec: { ports: [{ port: 80, targetPort: 8080 }] },
    };
    const out = patchWith(STRATEGIC, { spec: { ports: [{ port: 443, targetPort: 8443 }] } }, svc, {
      kind: "Service",
      group: "",
    });
    assert.deepEqual((out.spec as { ports: unknown }).ports, [
      { port: 443, targetPort: 8443 },
      { port: 80, targetPort: 8080 },
    ]);
    const sa: KubeObject = { kind: "ServiceAccount", metadata: { name: "sa" }, secrets: [{ name: "a" }] };
    const out2 = patchWith(STRATEGIC, { secrets: [{ name: "b" }] }, sa, {
      kind: "ServiceAccount",
      group: "",
    });
    assert.deepEqual(out2.secrets, [{ name: "b" }, { name: "a" }]);
  });

  test("ownerReferences merge by uid; finalizers as a set", () => {
    const cm: KubeObject = {
      kind: "ConfigMap",
      metadata: {
        name: "c",
        ownerReferences: [{ apiVersion: "v1", kind: "Pod", uid: "1", name: "a" }],
        finalizers: ["x/a"],
      },
    };
    const out = patchWith(
      STRATEGIC,
      {
        metadata: {
          ownerReferences: [
            { uid: "1", name: "renamed" },
            { apiVersion: "v1", kind: "Pod", uid: "2", name: "b" },
          ],
          finalizers: ["x/b", "x/a"],
        },
      },
      cm,
      { kind: "ConfigMap", group: "" },
    );
    assert.deepEqual(out.metadata?.ownerReferences, [
      { apiVersion: "v1", kind: "Pod", uid: "1", name: "renamed" },
      { apiVersion: "v1", kind: "Pod", uid: "2", name: "b" },
    ]);
    assert.deepEqual(out.metadata?.finalizers, ["x/b", "x/a"]);
  });

  test("a missing merge key is upstream's 500 with the Go map in the message", () => {
    assertPatchError(
      () => patchWith(STRATEGIC, { spec: { containers: [{ image: "x" }] } }),
      500,
      "map: map[image:x] does not contain declared merge key: name",
    );
  });

  test("bad bodies: 400 without the 'error decoding patch' prefix; custom resources: 415", () => {
    assertPatchError(
      () => patchWith(STRATEGIC, "[]"),
      400,
      "json: cannot unmarshal array into Go value of type map[string]interface {}",
    );
    assertPatchError(() => patchWith(STRATEGIC, "{"), 400, "unexpected end of JSON input");
    assertPatchError(
      () => patchWith(STRATEGIC, {}, { kind: "Widget" }, { kind: "Widget", group: "example.com" }),
      415,
      "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    );
    assertPatchError(
      () => patchWith(STRATEGIC, { metadata: { $patch: "frobnicate" } }),
      500,
      /^unknown patch type: frobnicate in map: map\[\$patch:frobnicate\]$/,
    );
  });
});

describe("strategic merge patch: kubectl apply (3-way patches)", () => {
  test("apply reorders containers, edits env, deletes a container and a finalizer", () => {
    // What kubectl apply sends after the manifest moved "app" last, dropped "sidecar", added "log",
    // added env C before A, and removed finalizer b.
    const patch = {
      metadata: {
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" },
        "$setElementOrder/finalizers": ["example.com/a"],
        "$deleteFromPrimitiveList/finalizers": ["example.com/b"],
      },
      spec: {
        "$setElementOrder/containers": [{ name: "log" }, { name: "app" }],
        containers: [
          { name: "log", image: "fluentd" },
          {
            name: "app",
            "$setElementOrder/env": [{ name: "C" }, { name: "A" }, { name: "B" }],
            env: [{ name: "C", value: "3" }],
          },
          { name: "sidecar", $patch: "delete" },
        ],
      },
    };
    const out = patchWith(STRATEGIC, patch);
    assert.deepEqual(out.metadata?.finalizers, ["example.com/a"]);
    assert.equal(out.metadata?.annotations?.note, "x");
    assert.equal(out.metadata?.annotations?.["kubectl.kubernetes.io/last-applied-configuration"], "{}");
    const containers = (out.spec as { containers: { name: string; env?: { name: string }[] }[] }).containers;
    assert.deepEqual(
      containers.map((c) => c.name),
      ["log", "app"],
    );
    assert.deepEqual(
      containers[1].env?.map((e) => e.name),
      ["C", "A", "B"],
    );
  });

  test("$retainKeys clears the other volume source when a volume changes type", () => {
    const out = patchWith(STRATEGIC, {
      spec: {
        "$setElementOrder/volumes": [{ name: "data" }],
        volumes: [{ $retainKeys: ["configMap", "name"], name: "data", configMap: { name: "cm" } }],
      },
    });
    assert.deepEqual((out.spec as { volumes: unknown }).volumes, [
      { name: "data", configMap: { name: "cm" } },
    ]);
  });

  test("$patch: replace on a list and on a map", () => {
    const out = patchWith(STRATEGIC, {
      metadata: { labels: { $patch: "replace", only: "this" } },
      spec: { containers: [{ $patch: "replace" }, { name: "solo", image: "x" }] },
    });
    assert.deepEqual(out.metadata?.labels, { only: "this" });
    assert.deepEqual((out.spec as { containers: unknown }).containers, [{ name: "solo", image: "x" }]);
  });

  test("$retainKeys listing too few keys is the hidden 422", () => {
    assertPatchError(
      () => patchWith(STRATEGIC, { metadata: { $retainKeys: ["name"], labels: {} } }),
      422,
      /rejected our request/,
      /patch content doesn't match retainKeys list/,
    );
  });
});

describe("server-side apply (simplified)", () => {
  const config = (o: object) =>
    JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "web" }, ...o });

  test("merges the configuration onto the live object like a strategic merge", () => {
    const out = patchWith(APPLY, config({ spec: { containers: [{ name: "app", image: "nginx:1.27" }] } }));
    const containers = (out.spec as { containers: { name: string; image: string; env?: unknown }[] })
      .containers;
    assert.equal(containers[0].image, "nginx:1.27");
    assert.ok(containers[0].env, "fields the configuration omits are kept");
    assert.equal(containers[1].name, "sidecar");
  });

  test("YAML bodies and creation from nothing", () => {
    const yaml =
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: new\nspec:\n  containers:\n  - name: a\n    image: b\n";
    assert.deepEqual(patchWith(APPLY, yaml, {}), {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "new" },
      spec: { containers: [{ name: "a", image: "b" }] },
    });
  });

  test("version and managedFields checks are 400s", () => {
    assertPatchError(
      () => patchWith(APPLY, JSON.stringify({ apiVersion: "apps/v1", kind: "Pod" })),
      400,
      "Incorrect version specified in apply patch. Specified patch version: apps/v1, expected: v1",
    );
    assertPatchError(
      () => patchWith(APPLY, config({}), {}, { kind: "Role", group: "rbac.authorization.k8s.io" }),
      400,
      "Incorrect version specified in apply patch. Specified patch version: v1, expected: rbac.authorization.k8s.io/v1",
    );
    assertPatchError(
      () => patchWith(APPLY, config({ metadata: { name: "web", managedFields: [] } })),
      400,
      "metadata.managedFields must be nil",
    );
    assertPatchError(
      () => patchWith(APPLY, "- a\n"),
      400,
      /^error decoding patch: json: cannot unmarshal array/,
    );
  });
});

describe("patch types and Status bodies", () => {
  test("patchTypeOf accepts parameters and rejects unknown types with the upstream 415", () => {
    assert.equal(patchTypeOf("application/merge-patch+json; charset=utf-8", ""), MERGE);
    assertPatchError(
      () => patchTypeOf("application/json", ""),
      415,
      "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml",
    );
  });

  test("patchErrorStatus renders kube-apiserver's bodies", () => {
    const invalid = captured(() => patchWith(JSON_PATCH, [{ op: "test", path: "/kind", value: "X" }]));
    assert.deepEqual(patchErrorStatus(invalid), {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "the server rejected our request due to an error in our request",
      reason: "Invalid",
      details: {},
      code: 422,
    });
    const internal = patchErrorStatus(captured(() => patchWith(STRATEGIC, { spec: { containers: [{}] } })));
    assert.equal(internal.code, 500);
    assert.equal("reason" in internal, false, "a plain Go error has no reason");
    assert.equal(patchErrorStatus(captured(() => patchWith(MERGE, "null"))).reason, "BadRequest");
  });
});

function captured(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PatchError) return e;
    throw e;
  }
  throw new Error("expected a PatchError");
}
