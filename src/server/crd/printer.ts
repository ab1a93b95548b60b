// Table output of custom resources: the CRD version's additionalPrinterColumns as apiextensions-apiserver's
// table convertor renders them (pkg/registry/customresource/tableconvertor/tableconvertor.go; Name first,
// Age from creationTimestamp when the CRD declares no column, pkg/apiserver/helpers.go).
import { NAME_COLUMN, OBJECT_META_DOCS } from "../registry/printers/columns.ts";
import { since } from "../registry/printers/format.ts";
import type { Printer, TableColumn } from "../registry/tables.ts";
import { findResults } from "./jsonpath.ts";

/** Table cells for one column type (tableconvertor.go cellForJSONValue). */
function cellFor(type: string, value: unknown, now: number): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case "integer":
      return typeof value === "number" ? Math.trunc(value) : null;
    case "number":
      return typeof value === "number" ? value : null;
    case "boolean":
      return typeof value === "boolean" ? value : null;
    case "date":
      if (typeof value !== "string") return null;
      return Number.isNaN(Date.parse(value)) ? "<invalid>" : since(value, now);
    default:
      return null;
  }
}

export interface Column {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

const DEFAULT_COLUMNS: Column[] = [
  {
    name: "Age",
    type: "date",
    description: OBJECT_META_DOCS.creationTimestamp,
    jsonPath: ".metadata.creationTimestamp",
  },
];

/** The Table of a version's additionalPrinterColumns (Name first; Age when the CRD declares none). */
export function printerFor(columns: Column[]): Printer {
  const cols = columns.length ? columns : DEFAULT_COLUMNS;
  const defs: TableColumn[] = [
    NAME_COLUMN,
    ...cols.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? "",
      description: c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
      priority: c.priority ?? 0,
    })),
  ];
  return {
    columns: defs,
    cells: (obj, now) => [
      obj.metadata?.name ?? "",
      ...cols.map((c) => {
        const found = findResults(obj, c.jsonPath);
        if (found.length === 0) return null;
        const v = found[0];
        if (c.type !== "string") return cellFor(c.type, v, now);
        // jsonpath's PrintResults: strings raw, other values as JSON.
        return typeof v === "string" ? v : JSON.stringify(v);
      }),
    ],
  };
}
