// `application/apply-patch+yaml` (kubectl apply --server-side): the apply configuration is merged onto
// the live object with strategic-merge semantics (lists with a merge key merge by key, sets union,
// atomic lists and scalars are replaced, null deletes). serverSideApplyOwned then settles field
// ownership (managed-fields.ts): fields the applier set earlier but now omits are removed unless another
// manager owns them, and changing fields other managers own is a 409 conflict unless forced. Creating the
// object when absent is the caller's job: merging onto {} yields the configuration itself.

import type { KubeObject } from "../../meta/types.ts";
import { yaml } from "../yaml.ts";
import { jsonKind } from "./go-format.ts";
import { applyManagedFields, type Writer } from "./managed-fields.ts";
import { patchError } from "./patch-error.ts";
import { type PatchSchema, patchSchemaFor } from "./patch-schema.ts";
import { strategicMerge } from "./strategic-merge.ts";

export interface ApplyTarget {
  kind: string;
  group: string;
  /** Served version; defaults to "v1". */
  version?: string;
  /** Merge metadata; the kind's built-in patch schema when absent (custom resources bring theirs). */
  schema?: PatchSchema;
}

export function serverSideApply(live: KubeObject, body: string, o: ApplyTarget): KubeObject {
  return mergeApplyConfiguration(live, body, o).merged;
}

/** Apply with field ownership: the object to store, with metadata.managedFields. Throws ApplyConflictError. */
export function serverSideApplyOwned(
  live: KubeObject,
  body: string,
  o: ApplyTarget & Omit<Writer, "schema" | "apiVersion">,
  force: boolean,
): KubeObject {
  const { config, merged, apiVersion } = mergeApplyConfiguration(live, body, o);
  const schema = o.schema ?? patchSchemaFor(o.group, o.kind);
  return applyManagedFields(live, config, merged, { ...o, schema, apiVersion }, force);
}

function mergeApplyConfiguration(
  live: KubeObject,
  body: string,
  o: ApplyTarget,
): { config: Record<string, unknown>; merged: KubeObject; apiVersion: string } {
  const config = decodeApplyConfiguration(body);
  const expected = o.group ? `${o.group}/${o.version ?? "v1"}` : (o.version ?? "v1");
  const specified = typeof config.apiVersion === "string" ? config.apiVersion : "";
  if (specified !== expected) {
    throw patchError.badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${specified}, expected: ${expected}`,
    );
  }
  const meta = config.metadata as Record<string, unknown> | undefined;
  if (meta && meta.managedFields !== undefined && meta.managedFields !== null) {
    throw patchError.badRequest("metadata.managedFields must be nil");
  }
  const merged = strategicMerge(live, config, o.schema ?? patchSchemaFor(o.group, o.kind)) as KubeObject;
  return { config, merged, apiVersion: expected };
}

function decodeApplyConfiguration(body: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = yaml().parse(body);
  } catch (e) {
    throw patchError.badRequest(
      `error decoding patch: error converting YAML to JSON: ${(e as Error).message}`,
    );
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw patchError.badRequest(
      `error decoding patch: json: cannot unmarshal ${jsonKind(value)} into Go value of type map[string]interface {}`,
    );
  }
  return value as Record<string, unknown>;
}
