// OpenAPI for the served resources: the /openapi/v3 root, one v3 document per group version, and
// the /openapi/v2 Swagger document (JSON and the protobuf kubectl asks for). See
// docs/openapi-notes.md for what each kubectl version fetches and why each detail matters.
import type { ResourceDef } from "../registry/types.ts";
import { hashOf, publish } from "./openapi/published.ts";
import { v3PathKey } from "./openapi/v3-document.ts";

export { type OpenAPIRequest, type OpenAPIResponse, respondOpenAPI } from "./openapi/respond.ts";

/** GET /openapi/v3: {"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=<HASH>"}, …}}. */
export function openapiV3Root(defs: ResourceDef[]): object {
  return publish(defs).root.doc;
}

/** GET /openapi/v3/api/v1 or /openapi/v3/apis/<group>/<version>; groupVersion is "v1" or "<group>/<version>". */
export function openapiV3GroupVersion(defs: ResourceDef[], groupVersion: string): object | undefined {
  return publish(defs).groupVersions.get(v3PathKey(groupVersion))?.doc;
}

/** GET /openapi/v2 as JSON (Swagger 2.0, the same content as the v3 documents). */
export function openapiV2(defs: ResourceDef[]): object {
  return publish(defs).v2.doc;
}

/** GET /openapi/v2 as the gnostic protobuf kubectl requests; served with the v2 JSON's ETag. */
export function openapiV2Protobuf(defs: ResourceDef[]): Uint8Array {
  return publish(defs).v2Protobuf();
}

/** Stable hash for ?hash= and ETag: upper-case hex SHA-512 of the document's JSON, as upstream. */
export function openapiHash(doc: object): string {
  return hashOf(JSON.stringify(doc));
}
