// Response bodies: lists spliced from stored JSON, Tables, and PartialObjectMetadata.
import type { ServerResponse } from "node:http";
import type { Writable } from "node:stream";
import type { KubeObject } from "../../meta/types.ts";
import { startEncodedStream } from "../http/compress.ts";
import { BASE_HEADERS } from "../http/respond.ts";
import { servedJson } from "../registry/served-versions.ts";
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

function listHead(def: ResourceDef, meta: ListMeta): string {
  return `{"kind":"${def.listKind}","apiVersion":"${groupVersion(def)}","metadata":${JSON.stringify(meta)},"items":[`;
}

export function listJson(def: ResourceDef, items: Entry[], meta: ListMeta): string {
  let body = listHead(def, meta);
  for (let i = 0; i < items.length; i++) {
    const json = servedJson(def, items[i].json);
    body += i === 0 ? json : `,${json}`;
  }
  return `${body}]}`;
}

/**
 * listJson's UTF-8 bytes, written item by item into one buffer. Sending the string instead costs far more for a
 * page of 500 Pods (2+ MB): the 500-piece string is flattened, scanned for Content-Length and encoded again on
 * write. The buffer is sized for ASCII (one byte per UTF-16 unit, the usual case); a write that leaves fewer
 * than 4 bytes (one UTF-8 character at most) free may have been cut short, so the buffer grows and the item is
 * written again.
 */
export function listJsonBuffer(def: ResourceDef, items: Entry[], meta: ListMeta): Buffer {
  const head = listHead(def, meta);
  let size = head.length * 3 + items.length + 8;
  for (let i = 0; i < items.length; i++) size += items[i].json.length;
  let body = Buffer.allocUnsafe(size);
  let at = 0;
  const put = (text: string) => {
    for (;;) {
      const written = body.write(text, at, "utf8");
      if (body.length - at - written >= 4) {
        at += written;
        return;
      }
      const bigger = Buffer.allocUnsafe(body.length * 2 + text.length * 3);
      body.copy(bigger, 0, 0, at);
      body = bigger;
    }
  };
  put(head);
  for (let i = 0; i < items.length; i++) {
    if (i > 0) body[at++] = 0x2c; // ,
    put(servedJson(def, items[i].json));
  }
  body[at++] = 0x5d; // ]
  body[at++] = 0x7d; // }
  return body.subarray(0, at);
}

/** Lists bigger than this are streamed (chunked) instead of assembled in one buffer. */
export const STREAMED_LIST_BYTES = 16 << 20;
const STREAM_HIGH_WATER_BYTES = 1 << 20;

/** The stored JSON size of a list's items (UTF-16 units: bytes for the usual ASCII). */
export function itemsSize(items: Entry[]): number {
  let size = 0;
  for (let i = 0; i < items.length; i++) size += items[i].json.length;
  return size;
}

/**
 * listJson streamed as the client reads it: a list of 150,000 Pods is over a gigabyte, which one buffer per
 * request would hold in memory (and, for several clients at once, exhaust it). What kube-apiserver's
 * streaming collection encoder does; the body is sent chunked.
 */
export async function streamListJson(
  res: ServerResponse,
  def: ResourceDef,
  items: Entry[],
  meta: ListMeta,
): Promise<void> {
  // Always above the gzip threshold: compressed whenever the client accepts it.
  const out = startEncodedStream(res, 200, { ...BASE_HEADERS, "Content-Type": "application/json" });
  let pending = listHead(def, meta);
  for (let i = 0; i < items.length; i++) {
    pending += i === 0 ? items[i].json : `,${items[i].json}`;
    if (pending.length < STREAM_HIGH_WATER_BYTES) continue;
    if (!out.write(pending)) await drained(out);
    pending = "";
    if (res.destroyed || out.destroyed) return;
  }
  out.end(`${pending}]}`);
}

function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off("drain", done);
      out.off("close", done);
      resolve();
    };
    out.on("drain", done);
    out.on("close", done);
  });
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
  const printer = printerFor(def);
  const rows = (printer.order?.(objects) ?? objects).map((obj) => {
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
