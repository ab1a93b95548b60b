// The ResourceDefs of a CustomResourceDefinition: one per served version, under the CRD's accepted
// names (k8s.io/apiextensions-apiserver pkg/apiserver/customresource_handler.go and
// customresource_discovery_controller.go). Each carries the write path of its version's structural
// schema — decode (drop non-nullable nulls, default, prune; unknown fields reported per
// fieldValidation), validate (validate.ts), the Table of additionalPrinterColumns (printer.ts), the merge
// metadata of server-side apply (patch-schema.ts) — and the status/scale subresources.
import { Status } from "../../meta/status.ts";
import type { KubeObject } from "../../meta/types.ts";
import { ApiStatusError } from "../http/errors.ts";
import { asMap, asMaps, asString, asStrings, isMap } from "../registry/json-access.ts";
import type { PatchSchema } from "../registry/patch-schema.ts";
import { compareVersions, storageVersionOf } from "../registry/served-versions.ts";
import type { ResourceDef, SubresourceDef } from "../registry/types.ts";
import { patchSchemaOf } from "./patch-schema.ts";
import { type Column, printerFor } from "./printer.ts";
import { applyDefaults, prune, pruneNulls, type Schema } from "./schema.ts";
import { prepareCustomResource, validateCustomResource } from "./validate.ts";

/** The verbs (in the CRD discovery controller's order) every custom resource serves. */
export const CR_VERBS = ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"];
const SUBRESOURCE_VERBS = ["get", "patch", "update"];

export interface ScalePaths {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** A CRD version's served def, with what the CR handlers need beyond the kind contract. */
export interface CustomResourceDef extends ResourceDef {
  crd: string;
  /** The CRD's storage version: objects are stored with its apiVersion whichever version wrote them. */
  storageVersion: string;
  schema?: Schema;
  scale?: ScalePaths;
  /** Merge metadata for server-side apply: list-type map keys, sets, atomic maps (from the schema). */
  patchSchema: PatchSchema;
  /** Whether the CRD is being deleted (crdHandler then refuses creates); set by the CRD controller. */
  terminating?: () => boolean;
  /** Decoding as crdHandler's codec does: returns the object to store and the unknown field paths. */
  decode(obj: KubeObject): { object: KubeObject; unknownFields: string[] };
}

export function isCustomResourceDef(
  def: Pick<ResourceDef, "group" | "version" | "kind">,
): def is CustomResourceDef {
  return typeof (def as CustomResourceDef).crd === "string";
}

/** crdHandler.serveResource: no creates while the CRD is terminating (405, upstream's message). */
export function checkNotTerminating(def: ResourceDef): void {
  if (!isCustomResourceDef(def) || !def.terminating?.()) return;
  const status = Status.methodNotSupported(def.resource, def.group, "create");
  status.message = "create not allowed while custom resource definition is terminating";
  throw new ApiStatusError(status);
}

/** The value at a simple JSON path (".spec.replicas") of an object, or undefined. */
export function valueAt(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.replace(/^\./, "").split(".")) {
    if (!isMap(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Sets a simple JSON path, creating maps on the way. */
export function setAt(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.replace(/^\./, "").split(".");
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    if (!isMap(cur[part])) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

/** metav1.ObjectMeta's JSON fields: the rest of a custom resource's metadata is not kept. */
const OBJECT_META_FIELDS = new Set([
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
]);

/** objectmeta.Coerce with DropInvalidFields: unknown metadata fields are dropped and reported. */
function pruneObjectMeta(obj: Record<string, unknown>): string[] {
  const meta = obj.metadata;
  if (!isMap(meta)) return [];
  const unknown = Object.keys(meta).filter((k) => !OBJECT_META_FIELDS.has(k));
  for (const k of unknown) delete meta[k];
  return unknown.map((k) => `metadata.${k}`);
}

/** The served defs of a CRD (its accepted names; one per served version). */
export function customResourceDefs(crd: KubeObject): CustomResourceDef[] {
  const spec = asMap(crd.spec);
  const names = asMap(asMap(crd.status).acceptedNames);
  const plural = asString(names.plural);
  if (!plural) return [];
  const group = asString(spec.group);
  const kind = asString(names.kind);
  const versions = asMaps(spec.versions)
    .filter((v) => v.served === true)
    .sort((a, b) => compareVersions(asString(a.name), asString(b.name)));
  return versions.map((v) => {
    const schema = asMap(v.schema).openAPIV3Schema as Schema | undefined;
    const sub = asMap(v.subresources);
    const subresources: SubresourceDef[] = [];
    if (isMap(sub.status)) subresources.push({ name: "status", kind, verbs: SUBRESOURCE_VERBS });
    const scale = isMap(sub.scale) ? (sub.scale as unknown as ScalePaths) : undefined;
    if (scale)
      subresources.push({
        name: "scale",
        kind: "Scale",
        group: "autoscaling",
        version: "v1",
        verbs: SUBRESOURCE_VERBS,
      });
    const selectable = asMaps(v.selectableFields).map((f) => asString(f.jsonPath));
    const shortNames = asStrings(names.shortNames);
    const categories = asStrings(names.categories);
    const def: CustomResourceDef = {
      crd: crd.metadata?.name ?? "",
      storageVersion: storageVersionOf(crd),
      group,
      version: asString(v.name),
      resource: plural,
      singular: asString(names.singular) || kind.toLowerCase(),
      kind,
      listKind: asString(names.listKind) || `${kind}List`,
      namespaced: spec.scope === "Namespaced",
      ...(shortNames.length ? { shortNames } : {}),
      ...(categories.length ? { categories } : {}),
      verbs: CR_VERBS,
      ...(subresources.length ? { subresources } : {}),
      // customresource statusStrategy.GetResetFields names spec only (PrepareForUpdate keeps the stored
      // metadata too).
      resetFields: { status: { exclude: [["spec"]] } },
      ...(selectable.length
        ? {
            selectableFields: Object.fromEntries(
              selectable.map((p) => [
                p.replace(/^\./, ""),
                (o: KubeObject) => {
                  const x = valueAt(o, p);
                  return x === undefined || x === null ? "" : String(x);
                },
              ]),
            ),
          }
        : {}),
      schema,
      scale,
      patchSchema: patchSchemaOf(schema),
      printer: printerFor(asMaps(v.additionalPrinterColumns) as unknown as Column[]),
      prepare: (obj, old) => prepareCustomResource(obj, old, isMap(sub.status)),
      validate: (obj, old) => validateCustomResource(obj, old, schema),
      decode: (obj) => {
        const object = structuredClone(obj) as Record<string, unknown>;
        pruneNulls(object, schema);
        applyDefaults(object, schema);
        const unknownFields = [...pruneObjectMeta(object), ...prune(object, schema)].sort();
        return { object: object as KubeObject, unknownFields };
      },
    };
    return def;
  });
}
