// `application/apply-patch+yaml` (kubectl apply --server-side), simplified: there are no managedFields,
// so the apply configuration is merged onto the live object with strategic-merge semantics (lists
// with a merge key merge by key, sets union, atomic lists and scalars are replaced, null deletes).
// Unlike real server-side apply, fields the applier set earlier but now omits are kept, and no
// field-ownership conflicts (409) are ever reported. Creating the object when absent is the caller's job:
// merging onto {} yields the configuration itself.
import { parse as parseYaml } from "yaml";
import type { KubeObject } from "../../meta/types.ts";
import { jsonKind } from "./go-format.ts";
import { patchError } from "./patch-error.ts";
import { patchSchemaFor } from "./patch-schema.ts";
import { strategicMerge } from "./strategic-merge.ts";

export interface ApplyTarget {
  kind: string;
  group: string;
  /** Served version; defaults to "v1". */
  version?: string;
}

export function serverSideApply(live: KubeObject, body: string, o: ApplyTarget): KubeObject {
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
  return strategicMerge(live, config, patchSchemaFor(o.group, o.kind)) as KubeObject;
}

function decodeApplyConfiguration(body: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseYaml(body);
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
