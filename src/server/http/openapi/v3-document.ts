// One OpenAPI v3 document per served group version, as kube-apiserver publishes under
// /openapi/v3/api/v1 and /openapi/v3/apis/<group>/<version>.
import { isCustomResourceDef } from "../../crd/resource-defs.ts";
import { groupVersion, type ResourceDef } from "../../registry/types.ts";
import { addResourcePaths, type PathItem } from "./paths.ts";
import { type JsonSchema, SchemaSet } from "./schemas.ts";

export interface V3Document {
  openapi: "3.0.0";
  info: { title: string; version: string };
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
  security: Record<string, string[]>[];
}

export const INFO = { title: "Kubernetes", version: "unversioned" };
export const BEARER_TOKEN_SCHEME = {
  BearerToken: {
    type: "apiKey",
    description: "Bearer Token authentication",
    name: "authorization",
    in: "header",
  },
};

/**
 * "v1" → "api/v1", "rbac.authorization.k8s.io/v1" → "apis/rbac.authorization.k8s.io/v1": the key of a
 * group version in the v3 root. Keys already in that form are returned unchanged.
 */
export function v3PathKey(gv: string): string {
  if (gv.startsWith("api/") || gv.startsWith("apis/")) return gv;
  return gv.includes("/") ? `apis/${gv}` : `api/${gv}`;
}

/** Served group versions ("v1", "rbac.authorization.k8s.io/v1"), sorted. */
export function servedGroupVersions(defs: ResourceDef[]): string[] {
  return [...new Set(defs.map(groupVersion))].sort();
}

export function buildV3Document(defs: ResourceDef[], gv: string): V3Document | undefined {
  const members = defs.filter((d) => groupVersion(d) === gv);
  if (members.length === 0) return undefined;
  const schemas = new SchemaSet(customSchemas(members));
  const paths: Record<string, PathItem> = {};
  for (const def of [...members].sort((a, b) => a.resource.localeCompare(b.resource)))
    addResourcePaths(paths, def, schemas);
  schemas.tagGvk(schemas.addMeta("Status"), { group: "", version: "v1", kind: "Status" });
  return {
    openapi: "3.0.0",
    info: INFO,
    paths: sortKeys(paths),
    components: { schemas: sortKeys(schemas.schemas), securitySchemes: BEARER_TOKEN_SCHEME },
    security: [{ BearerToken: [] }],
  };
}

/** The openAPIV3Schema of each custom resource kind served in the document. */
function customSchemas(defs: ResourceDef[]): Map<string, JsonSchema> {
  const out = new Map<string, JsonSchema>();
  for (const d of defs) {
    if (isCustomResourceDef(d)) out.set(`${d.group}/${d.version}/${d.kind}`, (d.schema ?? {}) as JsonSchema);
  }
  return out;
}

export function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
