// meta.k8s.io Table output: kubectl's column sets and cell formats (kubernetes pkg/printers/internalversion
// printers.go). The server always generates the wide cells; kubectl hides priority-1 columns unless -o wide.
import type { KubeObject } from "../../meta/types.ts";
import { DEFAULT_PRINTER } from "./printers/default.ts";

/** metav1.TableColumnDefinition; every field is always serialized. */
export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** metav1.TableRowCondition (pods report Completed rows this way). */
export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface Printer {
  columns: TableColumn[];
  /** One row's cells; `now` is the current time in epoch milliseconds (ages are relative to it). */
  cells(obj: KubeObject, now: number): unknown[];
  /** Row conditions, when the printer reports any. */
  conditions?(obj: KubeObject): TableRowCondition[] | undefined;
  /** The order a list's rows print in, when the printer sorts them (printFlowSchemaList); else as listed. */
  order?(objects: KubeObject[]): KubeObject[];
}

/** The printer kubectl's server-side columns come from; rest.DefaultTableConvertor (Name, Created At) otherwise. */
export function printerFor(def: { printer?: Printer }): Printer {
  return def.printer ?? DEFAULT_PRINTER;
}
