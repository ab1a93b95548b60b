// The OpenAPI documents of one resource table, built once and kept with their serialized bytes
// and hashes: the hash in a ?hash= URL and the ETag must be computed over exactly the bytes served.
import { createHash } from "node:crypto";
import type { ResourceDef } from "../../registry/types.ts";
import { buildV2Document, type V2Document } from "./v2-document.ts";
import { encodeV2Document } from "./v2-protobuf.ts";
import { buildV3Document, servedGroupVersions, sortKeys, type V3Document, v3PathKey } from "./v3-document.ts";

export interface Serialized<T> {
  doc: T;
  json: string;
  hash: string;
}

export interface Published {
  /** Keyed by the v3 root path key: "api/v1", "apis/rbac.authorization.k8s.io/v1". */
  groupVersions: Map<string, Serialized<V3Document>>;
  root: Serialized<{ paths: Record<string, { serverRelativeURL: string }> }>;
  v2: Serialized<V2Document>;
  v2Protobuf(): Uint8Array;
}

/** Upstream's ETag and ?hash= value: upper-case hex SHA-512 of the JSON bytes (kube-openapi handler3). */
export function hashOf(json: string): string {
  return createHash("sha512").update(json).digest("hex").toUpperCase();
}

/** Freezes the document: it is shared by every caller, and its hash must keep matching its bytes. */
export function serialize<T>(doc: T): Serialized<T> {
  const json = JSON.stringify(doc);
  return { doc: deepFreeze(doc), json, hash: hashOf(json) };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const published = new WeakMap<ResourceDef[], Published>();

/** The documents for a resource table; memoized per table (the table is fixed at server start). */
export function publish(defs: ResourceDef[]): Published {
  let p = published.get(defs);
  if (!p) {
    p = build(defs);
    published.set(defs, p);
  }
  return p;
}

function build(defs: ResourceDef[]): Published {
  const groupVersions = new Map<string, Serialized<V3Document>>();
  for (const gv of servedGroupVersions(defs)) {
    const doc = buildV3Document(defs, gv);
    if (doc) groupVersions.set(v3PathKey(gv), serialize(doc));
  }
  const paths = sortKeys(
    Object.fromEntries(
      [...groupVersions].map(([key, s]) => [key, { serverRelativeURL: `/openapi/v3/${key}?hash=${s.hash}` }]),
    ),
  );
  const v2 = serialize(buildV2Document([...groupVersions.values()].map((s) => s.doc)));
  let protobuf: Uint8Array | undefined;
  return {
    groupVersions,
    root: serialize({ paths }),
    v2,
    v2Protobuf: () => {
      protobuf ??= encodeV2Document(v2.doc);
      return protobuf;
    },
  };
}
