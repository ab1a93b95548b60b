// The doctor's output: one line per check (✔ ✖ ! -), details and fixes indented; or one JSON document.
import type { CheckResult, CheckStatus, DoctorFacts } from "./types.ts";

const MARKS: Record<CheckStatus, string> = { ok: "✔", fail: "✖", warn: "!", skip: "-" };

export function renderText(results: CheckResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${MARKS[r.status]} ${r.id}: ${r.summary}`);
    for (const detail of r.details ?? []) lines.push(`    ${detail}`);
    for (const fix of r.fix ?? []) lines.push(`    fix: ${fix}`);
  }
  const failed = results.filter((r) => r.status === "fail").length;
  const warned = results.filter((r) => r.status === "warn").length;
  lines.push(
    "",
    failed === 0
      ? `No problems found${warned ? ` (${warned} warning${warned > 1 ? "s" : ""})` : ""}.`
      : `${failed} problem${failed > 1 ? "s" : ""} found.`,
  );
  return `${lines.join("\n")}\n`;
}

/** The machine-readable report: the verdict, where it looked, and every check. */
export function reportObject(facts: DoctorFacts, results: CheckResult[]): Record<string, unknown> {
  const identity = facts.auth.outcome === "authenticated" ? facts.auth.user : undefined;
  return {
    ok: results.every((r) => r.status !== "fail"),
    mode: facts.mode,
    ...(facts.server ? { server: facts.server } : {}),
    ...(identity ? { user: identity } : {}),
    checks: results,
  };
}
