// Small helpers shared by the benchmarks: statistics, formatting, a plain-text table and the machine summary.
import { execFileSync } from "node:child_process";
import os from "node:os";

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
export const ms = (value: number): string =>
  value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
export const int = (value: number): string => Math.round(value).toLocaleString("en-US");
export const ratio = (value: number): string => `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}×`;

/** Prints rows as an aligned table (first row = header), also valid Markdown. */
export function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => (cell ?? "").padEnd(widths[c])).join(" | ")} |`;
  console.log(line(rows[0]));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows.slice(1)) console.log(line(r));
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");
}

/** CPU, cores, memory, Node and the load average before the run (other work on a shared box skews results). */
export function printMachine(): void {
  const cpus = os.cpus();
  console.log(
    `machine: ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${cpus.length} cores, ${mb(os.totalmem())} RAM, ` +
      `Node ${process.version}, ${os.platform()} ${os.release()}`,
  );
  console.log(`load average (1/5/15 min) at start: ${loadAverage()}`);
}

/** Whether an executable is on PATH. */
export function hasCommand(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
