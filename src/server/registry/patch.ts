// PATCH bodies as kube-apiserver applies them (apiserver pkg/endpoints/handlers/patch.go): decoding
// errors, status codes and messages follow upstream with fieldValidation=Warn/Strict, the server
// default and what kubectl sends.

import type { KubeObject } from "../../meta/types.ts";
import { yaml } from "../yaml.ts";
import { jsonKind, parseJsonGo } from "./go-format.ts";
import { applyJsonPatch, JsonPatchApplyError, type JsonPatchOperation } from "./json-patch.ts";
import { mergePatch } from "./merge-patch.ts";
import { patchError } from "./patch-error.ts";
import { patchSchemaFor } from "./patch-schema.ts";
import { serverSideApply } from "./server-side-apply.ts";
import { strategicMerge } from "./strategic-merge.ts";

export { PatchError, patchErrorStatus } from "./patch-error.ts";

export type PatchType =
  | "application/merge-patch+json"
  | "application/json-patch+json"
  | "application/strategic-merge-patch+json"
  | "application/apply-patch+yaml";

export interface PatchTarget {
  kind: string;
  group: string;
  /** Served version, checked against an apply configuration's apiVersion; defaults to "v1". */
  version?: string;
}

const MAX_JSON_PATCH_OPERATIONS = 10000;

/** Upstream's accepted list, in its order; custom resources do not take strategic merge patches. */
export function acceptedPatchTypes(group: string): PatchType[] {
  const types: PatchType[] = ["application/json-patch+json", "application/merge-patch+json"];
  if (isBuiltinGroup(group)) types.push("application/strategic-merge-patch+json");
  types.push("application/apply-patch+yaml");
  return types;
}

/** Built-in API groups: the core group, single-word groups (apps, batch…) and *.k8s.io. */
function isBuiltinGroup(group: string): boolean {
  return group === "" || !group.includes(".") || group.endsWith(".k8s.io");
}

/** The PatchType for a request Content-Type (parameters ignored); throws the upstream 415 otherwise. */
export function patchTypeOf(contentType: string, group: string): PatchType {
  const mediaType = contentType.split(";")[0].trim().toLowerCase();
  const accepted = acceptedPatchTypes(group);
  const found = accepted.find((t) => t === mediaType);
  if (!found) throw patchError.unsupportedMediaType(accepted);
  return found;
}

/** encoding/json's scanner refuses deeper nesting (maxNestingDepth), so json.Valid does too. */
const MAX_JSON_NESTING = 10000;

/**
 * No built-in kind has fields nested anywhere near this deep, so upstream's typed decoding of the
 * patched object rejects such a patch (422 on the field "patch"). Refusing it up front also keeps
 * pathological nesting away from the recursive merge code and the serializer.
 */
export const MAX_PATCH_NESTING = 1000;

/**
 * patch.go validateAndTranscodePatch, before any object is read: a JSON patch body must be valid JSON
 * (json.Valid, nesting included) and an apply body valid YAML (400). Then the depth bound above (422).
 */
export function checkPatchBody(body: string, type: PatchType): void {
  let depth: number;
  if (type === "application/apply-patch+yaml") {
    try {
      depth = valueDepth(yaml().parse(body, { maxAliasCount: 100 }));
    } catch (e) {
      throw patchError.badRequest(`error encoding patch: ${(e as Error).message}`);
    }
  } else {
    depth = nestingDepth(body);
    if (depth > MAX_JSON_NESTING || "error" in parseJsonGo(body))
      throw patchError.badRequest("invalid JSON patch");
  }
  if (depth > MAX_PATCH_NESTING) {
    throw patchError.invalidPatch(
      `the patch nests objects or arrays ${depth} levels deep; no field of a built-in kind nests more than ${MAX_PATCH_NESTING}`,
    );
  }
}

/** Nesting depth of a decoded value, walked iteratively. */
function valueDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== "object") continue;
    deepest = Math.max(deepest, d + 1);
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return deepest;
}

/** The deepest bracket nesting outside strings (an iterative scan: no recursion, no stack limit). */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) deepest = Math.max(deepest, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return deepest;
}

/**
 * Applies a PATCH body to `original` and returns the patched object. `original` is not modified unless
 * `consume` (the caller's own copy, not used afterwards: a merge patch then builds on it, not on a copy).
 * Throws PatchError carrying the upstream code (400/413/415/422/500), reason and message.
 */
export function applyPatch(
  original: KubeObject,
  patch: string,
  type: PatchType,
  o: PatchTarget,
  consume = false,
): KubeObject {
  switch (type) {
    case "application/merge-patch+json":
      return applyMergePatch(consume ? original : structuredClone(original), patch);
    case "application/json-patch+json":
      return applyJsonPatchBody(original, patch);
    case "application/strategic-merge-patch+json":
      return applyStrategicMergePatch(original, patch, o, consume);
    case "application/apply-patch+yaml":
      return serverSideApply(original, patch, o);
    default:
      throw patchError.unsupportedMediaType(acceptedPatchTypes(o.group));
  }
}

function decodeJson(body: string, prefix: string): unknown {
  const parsed = parseJsonGo(body);
  if ("error" in parsed) throw patchError.badRequest(`${prefix}${parsed.error}`);
  return parsed.value;
}

const cannotUnmarshal = (value: unknown, goType: string) =>
  `json: cannot unmarshal ${jsonKind(value)} into Go value of type ${goType}`;

/** A merge patch onto `original`, modified in place. */
function applyMergePatch(original: KubeObject, body: string): KubeObject {
  const patch = decodeJson(body, "error decoding patch: ");
  if (patch === null) throw patchError.badRequest("Invalid JSON Patch");
  if (typeof patch !== "object" || Array.isArray(patch)) {
    throw patchError.badRequest(`error decoding patch: ${cannotUnmarshal(patch, "map[string]interface {}")}`);
  }
  return mergePatch(original, patch) as KubeObject;
}

function applyJsonPatchBody(original: KubeObject, body: string): KubeObject {
  const ops = decodeJsonPatchOperations(body);
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw patchError.tooLarge(
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`,
    );
  }
  try {
    return applyJsonPatch(original, ops) as KubeObject;
  } catch (e) {
    if (e instanceof JsonPatchApplyError) throw patchError.invalid(e.message);
    throw e;
  }
}

/** Strict decoding into []handlers.jsonPatchOp{Op, Path, From string; Value interface{}}. */
function decodeJsonPatchOperations(body: string): JsonPatchOperation[] {
  const value = decodeJson(body, "error decoding patch: ");
  if (value === null) return [];
  const bad = (message: string) => patchError.badRequest(`error decoding patch: ${message}`);
  if (!Array.isArray(value)) throw bad(cannotUnmarshal(value, "[]handlers.jsonPatchOp"));
  return value.map((op): JsonPatchOperation => {
    if (op === null) return {};
    if (typeof op !== "object" || Array.isArray(op)) throw bad(cannotUnmarshal(op, "handlers.jsonPatchOp"));
    for (const field of ["op", "path", "from"]) {
      const v = (op as Record<string, unknown>)[field];
      if (v !== undefined && v !== null && typeof v !== "string") {
        throw bad(
          `json: cannot unmarshal ${jsonKind(v)} into Go struct field jsonPatchOp.${field} of type string`,
        );
      }
    }
    return op as JsonPatchOperation;
  });
}

function applyStrategicMergePatch(
  original: KubeObject,
  body: string,
  o: PatchTarget,
  consume: boolean,
): KubeObject {
  if (!isBuiltinGroup(o.group)) throw patchError.unsupportedMediaType(acceptedPatchTypes(o.group));
  const patch = decodeJson(body, "");
  if (patch === null) return consume ? original : structuredClone(original);
  if (typeof patch !== "object" || Array.isArray(patch)) {
    throw patchError.badRequest(cannotUnmarshal(patch, "map[string]interface {}"));
  }
  return strategicMerge(
    original,
    patch as Record<string, unknown>,
    patchSchemaFor(o.group, o.kind),
    consume,
  ) as KubeObject;
}
