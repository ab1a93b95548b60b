// rest.DefaultTableConvertor: Name and Created At (RFC3339), used for every kind without a printer
// (roles and clusterroles upstream, too).
import type { Printer } from "../tables.ts";
import { column, NAME_COLUMN, OBJECT_META_DOCS } from "./columns.ts";
import { nameOf, timeOf } from "./format.ts";

const ZERO_TIME = "0001-01-01T00:00:00Z";

/** time.Time.UTC().Format(time.RFC3339): second precision, "Z". */
export function rfc3339(timestamp: unknown): string {
  const t = timeOf(timestamp);
  return t === undefined ? ZERO_TIME : `${new Date(t).toISOString().slice(0, 19)}Z`;
}

export const DEFAULT_PRINTER: Printer = {
  columns: [NAME_COLUMN, column("Created At", "date", OBJECT_META_DOCS.creationTimestamp)],
  cells: (obj) => [nameOf(obj), rfc3339(obj.metadata?.creationTimestamp)],
};
