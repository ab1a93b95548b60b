import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openapiV3GroupVersion } from "../../../src/server/http/openapi.ts";
import { allRefs, fixtureDefs, type Json, KIND_GVKS, resolvePointer } from "./fixtures.ts";

const defs = fixtureDefs();
const docOf = (gv: string) => openapiV3GroupVersion(defs, gv) as Json;
const GVS = ["v1", "rbac.authorization.k8s.io/v1", "discovery.k8s.io/v1", "example.incluster.dev/v1alpha1"];
const WRITE_PARAMS = ["dryRun", "fieldManager", "fieldValidation"];
type Gvk = { group: string; version: string; kind: string };

function schemasOf(doc: Json): Record<string, Json> {
  return (doc.components as Json).schemas as Record<string, Json>;
}

function operations(doc: Json): { path: string; method: string; op: Json }[] {
  return Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => method !== "parameters")
      .map(([method, op]) => ({ path, method, op: op as Json })),
  );
}

const sameGvk = (a: Gvk, b: Gvk) => a.group === b.group && a.version === b.version && a.kind === b.kind;

/** kubectl's probe for server-side field validation (cli-runtime query_param_verifier_v3.go). */
function supportsFieldValidation(doc: Json, gvk: Gvk): boolean {
  for (const { method, op } of operations(doc)) {
    if (method !== "patch" || !sameGvk(op["x-kubernetes-group-version-kind"] as Gvk, gvk)) continue;
    return ((op.parameters as Json[]) ?? []).some((p) => p.name === "fieldValidation");
  }
  return false;
}

/** Upstream PatchMetaFromOpenAPIV3: property lookup, then allOf[0], then $ref; slices step into items. */
function lookupPatchMeta(doc: Json, schema: Json, key: string, slice: boolean): { schema: Json; meta: Json } {
  const props = schema.properties as Record<string, Json> | undefined;
  assert.ok(props?.[key], `unable to find api field "${key}"`);
  const field = props[key];
  let next = slice && field.items ? (field.items as Json) : field;
  if (Array.isArray(next.allOf)) next = next.allOf[0] as Json;
  if (typeof next.$ref === "string") next = resolvePointer(doc, next.$ref) as Json;
  assert.ok(next, `unresolved reference under "${key}"`);
  return { schema: next, meta: field };
}

function walk(doc: Json, kindModel: string, path: string[]): Json {
  let schema = schemasOf(doc)[kindModel];
  let meta: Json = {};
  for (const step of path) {
    const slice = step.endsWith("[]");
    ({ schema, meta } = lookupPatchMeta(doc, schema, slice ? step.slice(0, -2) : step, slice));
  }
  return meta;
}

describe("OpenAPI v3 group-version documents", () => {
  it("is an OpenAPI 3.0 document per served group version and undefined for others", () => {
    for (const gv of GVS) assert.equal(docOf(gv).openapi, "3.0.0", gv);
    assert.equal(openapiV3GroupVersion(defs, "apps/v1"), undefined);
    assert.equal(openapiV3GroupVersion(defs, "api/v1"), openapiV3GroupVersion(defs, "v1"));
  });

  it("tags a schema with the GVK of every kind and list kind, as kubectl looks them up", () => {
    for (const gvk of KIND_GVKS) {
      const doc = docOf(gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version);
      const tagged = Object.values(schemasOf(doc)).filter((s) =>
        ((s["x-kubernetes-group-version-kind"] as Gvk[] | undefined) ?? []).some((t) => sameGvk(t, gvk)),
      );
      assert.equal(tagged.length, 1, `${gvk.kind}: ${tagged.length} schemas`);
    }
  });

  it("names schemas like upstream models", () => {
    const schemas = schemasOf(docOf("v1"));
    for (const name of [
      "io.k8s.api.core.v1.Pod",
      "io.k8s.api.core.v1.PodList",
      "io.k8s.api.core.v1.Binding",
      "io.k8s.api.authentication.v1.TokenRequest",
      "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
      "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
      "io.k8s.apimachinery.pkg.api.resource.Quantity",
      "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    ]) {
      assert.ok(schemas[name], name);
    }
    assert.ok(schemasOf(docOf("rbac.authorization.k8s.io/v1"))["io.k8s.api.rbac.v1.ClusterRole"]);
  });

  it("resolves every $ref inside the same document", () => {
    for (const gv of GVS) {
      const doc = docOf(gv);
      for (const ref of allRefs(doc)) {
        assert.match(ref, /^#\/components\/schemas\//);
        assert.ok(resolvePointer(doc, ref), `${gv}: dangling ${ref}`);
      }
    }
  });

  it("lists dryRun, fieldManager and fieldValidation inline on every POST, PUT and PATCH", () => {
    for (const gv of GVS) {
      for (const { path, method, op } of operations(docOf(gv))) {
        if (!["post", "put", "patch"].includes(method)) continue;
        const names = (op.parameters as Json[]).map((p) => p.name);
        for (const param of WRITE_PARAMS)
          assert.ok(names.includes(param), `${method} ${path} lacks ${param}`);
      }
    }
  });

  it("lets kubectl detect server-side field validation for every patchable kind", () => {
    for (const def of defs.filter((d) => d.verbs.includes("patch"))) {
      const gvk = { group: def.group, version: def.version, kind: def.kind };
      const doc = docOf(def.group ? `${def.group}/${def.version}` : def.version);
      assert.ok(supportsFieldValidation(doc, gvk), def.kind);
    }
  });

  it("accepts strategic merge patches on built-in kinds so client-side apply merges lists", () => {
    const patch = (docOf("v1").paths as Json)["/api/v1/namespaces/{namespace}/pods/{name}"] as Json;
    const content = ((patch.patch as Json).requestBody as Json).content as Json;
    assert.ok(content["application/strategic-merge-patch+json"]);
    assert.ok(content["application/apply-patch+yaml"]);
  });

  it("carries the patch metadata kubectl apply uses, reachable the way kubectl walks schemas", () => {
    const doc = docOf("v1");
    const pod = "io.k8s.api.core.v1.Pod";
    const expectations: [string, string[], string, string][] = [
      [pod, ["spec", "containers[]"], "name", "merge"],
      [pod, ["spec", "initContainers[]"], "name", "merge"],
      [pod, ["spec", "containers[]", "ports[]"], "containerPort", "merge"],
      [pod, ["spec", "containers[]", "env[]"], "name", "merge"],
      [pod, ["spec", "containers[]", "volumeMounts[]"], "mountPath", "merge"],
      [pod, ["spec", "volumes[]"], "name", "merge,retainKeys"],
      [pod, ["metadata", "ownerReferences[]"], "uid", "merge"],
      ["io.k8s.api.core.v1.Service", ["spec", "ports[]"], "port", "merge"],
    ];
    for (const [model, path, key, strategy] of expectations) {
      const meta = walk(doc, model, path);
      assert.equal(meta["x-kubernetes-patch-merge-key"], key, path.join("."));
      assert.equal(meta["x-kubernetes-patch-strategy"], strategy, path.join("."));
    }
    const finalizers = walk(doc, pod, ["metadata", "finalizers[]"]);
    assert.equal(finalizers["x-kubernetes-patch-strategy"], "merge");
    assert.equal(finalizers["x-kubernetes-list-type"], "set");
    assert.deepEqual(walk(doc, pod, ["spec", "containers[]", "ports[]"])["x-kubernetes-list-map-keys"], [
      "containerPort",
      "protocol",
    ]);
  });

  it("describes nested fields completely so strategic-merge lookups never hit a missing field", () => {
    const doc = docOf("v1");
    const pod = "io.k8s.api.core.v1.Pod";
    walk(doc, pod, ["spec", "containers[]", "securityContext", "capabilities", "add[]"]);
    walk(doc, pod, ["spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"]);
    walk(doc, pod, ["spec", "volumes[]", "configMap", "items[]"]);
    walk(doc, pod, ["spec", "containers[]", "resources", "limits"]);
    assert.throws(() => walk(doc, pod, ["spec", "noSuchField"]), /unable to find api field/);
  });

  it("publishes each resource's GVK on its collection path, where kubectl explain looks", () => {
    for (const def of defs) {
      const doc = docOf(def.group ? `${def.group}/${def.version}` : def.version);
      const base = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
      const path = `${base}${def.namespaced ? "/namespaces/{namespace}" : ""}/${def.resource}`;
      const item = (doc.paths as Record<string, Json>)[path];
      assert.ok(item, path);
      const op = (item.get ?? item.post) as Json;
      assert.deepEqual(op["x-kubernetes-group-version-kind"], {
        group: def.group,
        kind: def.kind,
        version: def.version,
      });
    }
  });

  it("gives subresources their own kind, possibly from another group", () => {
    const paths = docOf("v1").paths as Record<string, Json>;
    const token = paths["/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token"].post as Json;
    assert.deepEqual(token["x-kubernetes-group-version-kind"], {
      group: "authentication.k8s.io",
      kind: "TokenRequest",
      version: "v1",
    });
    assert.equal(token.operationId, "createCoreV1NamespacedServiceAccountToken");
    const log = paths["/api/v1/namespaces/{namespace}/pods/{name}/log"].get as Json;
    assert.ok((((log.responses as Json)["200"] as Json).content as Json)["text/plain"]);
    assert.ok(paths["/api/v1/namespaces/{name}/finalize"].put);
  });

  it("exposes create-only reviews as a POST on the collection and nothing else", () => {
    const paths = Object.keys(docOf("authorization.k8s.io/v1").paths as Json);
    assert.deepEqual(paths, [
      "/apis/authorization.k8s.io/v1/namespaces/{namespace}/localsubjectaccessreviews",
    ]);
    const item = (docOf("authorization.k8s.io/v1").paths as Record<string, Json>)[paths[0]];
    assert.deepEqual(Object.keys(item).sort(), ["parameters", "post"]);
  });

  it("names operations like upstream", () => {
    const ids = operations(docOf("rbac.authorization.k8s.io/v1")).map((o) => o.op.operationId);
    for (const id of [
      "listRbacAuthorizationV1ClusterRole",
      "deleteRbacAuthorizationV1CollectionNamespacedRoleBinding",
      "patchRbacAuthorizationV1NamespacedRoleBinding",
      "listRbacAuthorizationV1RoleBindingForAllNamespaces",
      "watchRbacAuthorizationV1ClusterRoleList",
    ]) {
      assert.ok(ids.includes(id), id);
    }
  });

  it("gives kinds unknown to kubernetes-types a typed envelope that accepts any content", () => {
    const schemas = schemasOf(docOf("example.incluster.dev/v1alpha1"));
    const widget = schemas["dev.incluster.example.v1alpha1.Widget"];
    assert.equal(widget["x-kubernetes-preserve-unknown-fields"], true);
    assert.deepEqual(Object.keys(widget.properties as Json), ["apiVersion", "kind", "metadata"]);
    const list = schemas["dev.incluster.example.v1alpha1.WidgetList"];
    assert.deepEqual(list.required, ["items"]);
  });

  it("offers no strategic merge patch for schemaless kinds, so kubectl sends a JSON merge patch", () => {
    const paths = docOf("example.incluster.dev/v1alpha1").paths as Record<string, Json>;
    const patch = paths["/apis/example.incluster.dev/v1alpha1/namespaces/{namespace}/widgets/{name}"]
      .patch as Json;
    const content = (patch.requestBody as Json).content as Json;
    assert.equal(content["application/strategic-merge-patch+json"], undefined);
    assert.ok(content["application/merge-patch+json"]);
  });

  it("renders IntOrString, Quantity and Time as upstream v3 does", () => {
    const schemas = schemasOf(docOf("v1"));
    assert.deepEqual(schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"].oneOf, [
      { type: "integer" },
      { type: "string" },
    ]);
    assert.deepEqual(schemas["io.k8s.apimachinery.pkg.api.resource.Quantity"].oneOf, [
      { type: "string" },
      { type: "number" },
    ]);
    assert.equal(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Time"].format, "date-time");
    const port = (schemas["io.k8s.api.core.v1.ServicePort"].properties as Record<string, Json>).targetPort;
    assert.deepEqual(port.allOf, [
      { $ref: "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString" },
    ]);
  });
});
