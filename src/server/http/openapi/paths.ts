// The `paths` of an OpenAPI v3 document for the resources of one group version, shaped like
// upstream's: every operation carries x-kubernetes-action and x-kubernetes-group-version-kind,
// and writes list dryRun/fieldManager/fieldValidation. kubectl depends on two details:
//   - a PATCH operation tagged with the kind's GVK that lists `fieldValidation` tells kubectl
//     the server validates fields, so it skips client-side schema validation
//     (cli-runtime resource/query_param_verifier_v3.go);
//   - that PATCH operation accepting application/strategic-merge-patch+json makes client-side
//     `kubectl apply` compute a strategic merge patch from the v3 schemas (kubectl apply/patcher.go).
// `kubectl explain` finds a resource's GVK on the operations of its collection or item path.
import type { ResourceDef, SubresourceDef } from "../../registry/types.ts";
import {
  OPERATION_PARAMETERS,
  type Parameter,
  pathParameter,
  prettyParameter,
  queryParameters,
} from "./parameters.ts";
import { type Gvk, type JsonSchema, type SchemaSet, schemaRef } from "./schemas.ts";

export type Operation = Record<string, unknown>;
export type Method = "get" | "put" | "post" | "delete" | "patch";
export type PathItem = Partial<Record<Method, Operation>> & { parameters: Parameter[] };

export const STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
const PATCH_CONTENT_TYPES = [
  "application/apply-patch+yaml",
  "application/json-patch+json",
  "application/merge-patch+json",
  STRATEGIC_MERGE_PATCH,
];

/** Subresources whose GET streams plain text rather than an object. */
const TEXT_SUBRESOURCES = new Set(["log"]);
const LIST_CONTENT_TYPES = ["application/json", "application/json;stream=watch"];

/** What every operation of one resource shares. */
interface Resource {
  def: ResourceDef;
  schemas: SchemaSet;
  gvk: Gvk;
  model: string;
  /** "CoreV1NamespacedPod", "RbacAuthorizationV1ClusterRole": the noun of upstream operation ids. */
  noun: string;
  /** "CoreV1": the group-version part of upstream operation ids. */
  gv: string;
  tag: string;
}

/** Adds the paths (and the schemas they reference) of one resource. */
export function addResourcePaths(
  paths: Record<string, PathItem>,
  def: ResourceDef,
  schemas: SchemaSet,
): void {
  const gvk = { group: def.group, version: def.version, kind: def.kind };
  const gv = `${upperFirst(groupIdentifier(def.group))}${upperFirst(def.version)}`;
  const r: Resource = {
    def,
    schemas,
    gvk,
    model: schemas.addKind(gvk),
    gv,
    noun: `${gv}${def.namespaced ? "Namespaced" : ""}${def.kind}`,
    tag: `${groupIdentifier(def.group)}_${def.version}`,
  };
  const can = (verb: string) => def.verbs.includes(verb);
  const base = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
  const scope = def.namespaced ? "/namespaces/{namespace}" : "";
  const collection = `${base}${scope}/${def.resource}`;
  const item = `${collection}/{name}`;
  const scopeParams = def.namespaced
    ? [pathParameter("namespace", "object name and auth scope, such as for teams and projects")]
    : [];
  const nameParam = pathParameter("name", `name of the ${def.kind}`);
  const listModel = can("list") || can("watch") ? schemas.addKind({ ...gvk, kind: def.listKind }) : "";

  put(paths, collection, [...scopeParams, prettyParameter()], {
    get: when(can("list"), () => listOperation(r, `list${r.noun}`, listModel)),
    post: when(can("create"), () =>
      writeOperation(r, { action: "post", id: `create${r.noun}`, description: `create a ${def.kind}` }),
    ),
    delete: when(can("deletecollection"), () => deleteCollectionOperation(r)),
  });
  if (def.virtual && !can("get")) return; // reviews and bindings are create-only; componentstatuses are read

  put(paths, item, [nameParam, ...scopeParams, prettyParameter()], {
    get: when(can("get"), () =>
      readOperation(r, { id: `read${r.noun}`, description: `read the specified ${def.kind}` }),
    ),
    put: when(can("update"), () =>
      writeOperation(r, {
        action: "put",
        id: `replace${r.noun}`,
        description: `replace the specified ${def.kind}`,
      }),
    ),
    patch: when(can("patch"), () =>
      patchOperation(r, { id: `patch${r.noun}`, description: `partially update the specified ${def.kind}` }),
    ),
    delete: when(can("delete"), () => deleteOperation(r)),
  });
  if (def.namespaced && can("list")) {
    put(paths, `${base}/${def.resource}`, [prettyParameter()], {
      get: listOperation(r, `list${gv}${def.kind}ForAllNamespaces`, listModel),
    });
  }
  if (can("watch")) addWatchPaths(paths, r, { base, scope, scopeParams, nameParam });
  for (const sub of def.subresources ?? [])
    addSubresourcePaths(paths, r, `${item}/${sub.name}`, sub, scopeParams);
}

/** The deprecated /watch/ paths upstream still publishes. */
function addWatchPaths(
  paths: Record<string, PathItem>,
  r: Resource,
  at: { base: string; scope: string; scopeParams: Parameter[]; nameParam: Parameter },
): void {
  const watchEvent = r.schemas.addMeta("WatchEvent");
  const { def } = r;
  const watch = (id: string, action: string, description: string): Operation =>
    operation(r, {
      description,
      id,
      parameters: queryParameters(OPERATION_PARAMETERS.list),
      responses: okResponses(["200"], watchEvent, LIST_CONTENT_TYPES),
      action,
      gvk: r.gvk,
    });
  const listDescription = `watch individual changes to a list of ${def.kind}. deprecated: use the 'watch' parameter with a list operation instead.`;
  const collection = `${at.base}/watch${at.scope}/${def.resource}`;
  put(paths, collection, [...at.scopeParams, prettyParameter()], {
    get: watch(`watch${r.noun}List`, "watchlist", listDescription),
  });
  put(paths, `${collection}/{name}`, [at.nameParam, ...at.scopeParams, prettyParameter()], {
    get: watch(
      `watch${r.noun}`,
      "watch",
      `watch changes to an object of kind ${def.kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`,
    ),
  });
  if (def.namespaced) {
    put(paths, `${at.base}/watch/${def.resource}`, [prettyParameter()], {
      get: watch(`watch${r.gv}${def.kind}ListForAllNamespaces`, "watchlist", listDescription),
    });
  }
}

function addSubresourcePaths(
  paths: Record<string, PathItem>,
  parent: Resource,
  path: string,
  sub: SubresourceDef,
  scopeParams: Parameter[],
): void {
  const gvk = {
    group: sub.group ?? parent.def.group,
    version: sub.version ?? parent.def.version,
    kind: sub.kind,
  };
  // Operations on a subresource describe the subresource's kind (TokenRequest for serviceaccounts/token).
  const r: Resource = { ...parent, gvk, model: parent.schemas.addKind(gvk) };
  const can = (verb: string) => sub.verbs.includes(verb);
  const id = (verb: string) => `${verb}${parent.noun}${upperFirst(sub.name)}`;
  const of = `${sub.name} of the specified ${parent.def.kind}`;
  const text = TEXT_SUBRESOURCES.has(sub.name);
  const nameParam = pathParameter("name", `name of the ${text ? parent.def.kind : sub.kind}`);
  put(paths, path, [nameParam, ...scopeParams, prettyParameter()], {
    get: when(can("get"), () =>
      text
        ? textOperation(r, id("read"), `read ${of}`)
        : readOperation(r, { id: id("read"), description: `read ${of}` }),
    ),
    put: when(can("update"), () =>
      writeOperation(r, { action: "put", id: id("replace"), description: `replace ${of}` }),
    ),
    patch: when(can("patch"), () =>
      patchOperation(r, { id: id("patch"), description: `partially update ${of}` }),
    ),
    post: when(can("create"), () =>
      writeOperation(r, {
        action: "post",
        id: id("create"),
        description: `create ${sub.name} of a ${parent.def.kind}`,
      }),
    ),
  });
}

function listOperation(r: Resource, id: string, listModel: string): Operation {
  return operation(r, {
    // installer.go: "list or watch" only when the resource is also a watcher (componentstatuses is not).
    description: `${r.def.verbs.includes("watch") ? "list or watch" : "list"} objects of kind ${r.def.kind}`,
    id,
    parameters: queryParameters(OPERATION_PARAMETERS.list),
    responses: okResponses(["200"], listModel, LIST_CONTENT_TYPES),
    action: "list",
    gvk: r.gvk,
  });
}

function readOperation(r: Resource, o: { id: string; description: string }): Operation {
  return operation(r, {
    ...o,
    parameters: [],
    responses: okResponses(["200"], r.model),
    action: "get",
    gvk: r.gvk,
  });
}

function textOperation(r: Resource, id: string, description: string): Operation {
  return operation(r, {
    description,
    id,
    parameters: queryParameters(OPERATION_PARAMETERS.log),
    responses: {
      "200": { description: "OK", content: { "text/plain": { schema: { type: "string" } } } },
      "401": { description: "Unauthorized" },
    },
    action: "get",
    gvk: r.gvk,
  });
}

function writeOperation(
  r: Resource,
  o: { action: "post" | "put"; id: string; description: string },
): Operation {
  return operation(r, {
    ...o,
    parameters: queryParameters(OPERATION_PARAMETERS.write),
    requestBody: { content: { "*/*": { schema: schemaRef(r.model) } }, required: true },
    responses: okResponses(o.action === "post" ? ["200", "201", "202"] : ["200", "201"], r.model),
    gvk: r.gvk,
  });
}

function patchOperation(r: Resource, o: { id: string; description: string }): Operation {
  const patchModel = r.schemas.addMeta("Patch");
  // Without field schemas there is no patch metadata: like CRDs, such kinds take JSON merge
  // patches, and kubectl then computes one instead of a strategic merge patch.
  const types = r.schemas.describesFields(r.model)
    ? PATCH_CONTENT_TYPES
    : PATCH_CONTENT_TYPES.filter((t) => t !== STRATEGIC_MERGE_PATCH);
  return operation(r, {
    ...o,
    parameters: queryParameters(OPERATION_PARAMETERS.patch),
    requestBody: {
      content: Object.fromEntries(types.map((t) => [t, { schema: schemaRef(patchModel) }])),
      required: true,
    },
    responses: okResponses(["200", "201"], r.model),
    action: "patch",
    gvk: r.gvk,
  });
}

function deleteOperation(r: Resource): Operation {
  return operation(r, {
    description: `delete a ${r.def.kind}`,
    id: `delete${r.noun}`,
    parameters: queryParameters(OPERATION_PARAMETERS.delete),
    requestBody: deleteOptionsBody(r),
    responses: okResponses(["200", "202"], r.schemas.addMeta("Status")),
    action: "delete",
    gvk: r.gvk,
  });
}

function deleteCollectionOperation(r: Resource): Operation {
  return operation(r, {
    description: `delete collection of ${r.def.kind}`,
    id: `delete${r.gv}Collection${r.noun.slice(r.gv.length)}`,
    parameters: queryParameters(OPERATION_PARAMETERS.deleteCollection),
    requestBody: deleteOptionsBody(r),
    responses: okResponses(["200"], r.schemas.addMeta("Status")),
    action: "deletecollection",
    gvk: r.gvk,
  });
}

function deleteOptionsBody(r: Resource): JsonSchema {
  const model = r.schemas.addMeta("DeleteOptions");
  // DeleteOptions is registered in every group version, and upstream tags it so.
  r.schemas.tagGvk(model, { group: r.def.group, version: r.def.version, kind: "DeleteOptions" });
  return { content: { "*/*": { schema: schemaRef(model) } } };
}

function operation(
  r: Resource,
  o: {
    description: string;
    id: string;
    parameters: Parameter[];
    requestBody?: JsonSchema;
    responses: JsonSchema;
    action: string;
    gvk: Gvk;
  },
): Operation {
  return {
    tags: [r.tag],
    description: o.description,
    operationId: o.id,
    ...(o.parameters.length > 0 ? { parameters: o.parameters } : {}),
    ...(o.requestBody ? { requestBody: o.requestBody } : {}),
    responses: o.responses,
    "x-kubernetes-action": o.action,
    "x-kubernetes-group-version-kind": { group: o.gvk.group, kind: o.gvk.kind, version: o.gvk.version },
  };
}

function okResponses(codes: string[], model: string, contentTypes = ["application/json"]): JsonSchema {
  const content = Object.fromEntries(contentTypes.map((t) => [t, { schema: schemaRef(model) }]));
  const descriptions: Record<string, string> = { "200": "OK", "201": "Created", "202": "Accepted" };
  return {
    ...Object.fromEntries(codes.map((c) => [c, { description: descriptions[c], content }])),
    "401": { description: "Unauthorized" },
  };
}

function when<T>(condition: boolean, build: () => T): T | undefined {
  return condition ? build() : undefined;
}

/** Merges operations into a path item (a subresource path may gather several verbs). */
function put(
  paths: Record<string, PathItem>,
  path: string,
  parameters: Parameter[],
  ops: Partial<Record<Method, Operation | undefined>>,
): void {
  const defined = Object.entries(ops).filter(([, op]) => op !== undefined);
  if (defined.length === 0) return;
  paths[path] = { ...paths[path], ...Object.fromEntries(defined), parameters };
}

/** "rbac.authorization.k8s.io" → "rbacAuthorization", "" → "core", as in upstream operation ids and tags. */
export function groupIdentifier(group: string): string {
  if (!group) return "core";
  const parts = group.replace(/\.k8s\.io$/, "").split(/[.-]/);
  return parts.map((p, i) => (i === 0 ? p : upperFirst(p))).join("");
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
