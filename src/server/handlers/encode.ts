// Response bodies: lists spliced from stored JSON, Tables, and PartialObjectMetadata.
import type { KubeObject } from "../../meta/types.ts";
import { printerFor } from "../registry/tables.ts";
import { groupVersion, type ResourceDef } from "../registry/types.ts";
import { type Entry, metadataJson } from "../storage/index.ts";

/** What a write returns: a stored entry, or the would-be object of a dry run. */
export type Written = Entry | KubeObject;

export function isEntry(x: Written): x is Entry {
  return typeof (x as Entry).json === "string" && typeof (x as Entry).object === "function";
}

export function objectOf(x: Written): KubeObject {
  return isEntry(x) ? x.object() : x;
}

export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export function listJson(def: ResourceDef, items: Entry[], meta: ListMeta): string {
  let body = `{"kind":"${def.listKind}","apiVersion":"${groupVersion(def)}","metadata":${JSON.stringify(meta)},"items":[`;
  for (let i = 0; i < items.length; i++) body += i === 0 ? items[i].json : `,${items[i].json}`;
  return `${body}]}`;
}

export function partialMetadata(obj: KubeObject, version: string): KubeObject {
  return {
    kind: "PartialObjectMetadata",
    apiVersion: `meta.k8s.io/${version}`,
    metadata: obj.metadata ?? {},
  };
}

/** PartialObjectMetadata of a stored entry, its metadata spliced from the stored JSON when possible. */
export function partialMetadataJson(entry: Entry, version: string): string {
  const metadata = metadataJson(entry.json);
  if (metadata === undefined) return JSON.stringify(partialMetadata(entry.object(), version));
  return `{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/${version}","metadata":${metadata}}`;
}

export function metadataListJson(items: Entry[], meta: ListMeta, version: string): string {
  let body = `{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/${version}","metadata":${JSON.stringify(meta)},"items":[`;
  for (let i = 0; i < items.length; i++) {
    const item = partialMetadataJson(items[i], version);
    body += i === 0 ? item : `,${item}`;
  }
  return `${body}]}`;
}

export type IncludeObject = "None" | "Metadata" | "Object";

export function includeObjectParam(value: string | null): IncludeObject {
  return value === "None" || value === "Object" ? value : "Metadata";
}

/** A meta.k8s.io Table, as kubectl get asks for it. */
export function table(
  def: ResourceDef,
  objects: KubeObject[],
  meta: ListMeta | undefined,
  o: { version: string; include: IncludeObject; now: number; columns?: boolean },
): KubeObject {
  const printer = printerFor(def.group, def.resource);
  const rows = objects.map((obj) => {
    const row: Record<string, unknown> = { cells: printer.cells(obj, o.now) };
    const conditions = printer.conditions?.(obj);
    if (conditions?.length) row.conditions = conditions;
    if (o.include === "Object") row.object = obj;
    else if (o.include === "Metadata") row.object = partialMetadata(obj, o.version);
    return row;
  });
  const out: KubeObject = { kind: "Table", apiVersion: `meta.k8s.io/${o.version}`, metadata: meta ?? {} };
  if (o.columns !== false) out.columnDefinitions = printer.columns;
  out.rows = rows;
  return out;
}
