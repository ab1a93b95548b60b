// The JSONPath subset CRD printer columns use (k8s.io/client-go/util/jsonpath, as the CR table
// convertor evaluates `{<jsonPath>}` with missing keys allowed): fields (.a, ['a']), indices ([0], [-1]),
// wildcards ([*], .*) and filters ([?(@.type == "Ready")], with ==, !=, <, <=, >, >= and bare existence).
import { isMap } from "../registry/json-access.ts";

type Step =
  | { kind: "field"; name: string }
  | { kind: "index"; index: number }
  | { kind: "wildcard" }
  | { kind: "filter"; path: Step[]; op?: string; value?: unknown };

const cache = new Map<string, Step[] | Error>();

/** Every value the path selects, in document order (empty when nothing matches). */
export function findResults(obj: unknown, path: string): unknown[] {
  let steps = cache.get(path);
  if (!steps) {
    try {
      steps = parse(path.trim().replace(/^\{(.*)\}$/s, "$1"));
    } catch (e) {
      steps = e as Error;
    }
    cache.set(path, steps);
  }
  if (steps instanceof Error) return [];
  return walk([obj], steps);
}

function walk(values: unknown[], steps: Step[]): unknown[] {
  let cur = values;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (step.kind) {
        case "field":
          if (isMap(v) && Object.hasOwn(v, step.name)) next.push(v[step.name]);
          break;
        case "index":
          if (Array.isArray(v)) {
            const i = step.index < 0 ? v.length + step.index : step.index;
            if (i >= 0 && i < v.length) next.push(v[i]);
          }
          break;
        case "wildcard":
          if (Array.isArray(v)) next.push(...v);
          else if (isMap(v))
            next.push(
              ...Object.keys(v)
                .sort()
                .map((k) => v[k]),
            );
          break;
        case "filter":
          if (Array.isArray(v)) next.push(...v.filter((item) => matches(item, step)));
          break;
      }
    }
    cur = next;
  }
  return cur;
}

function matches(item: unknown, f: Extract<Step, { kind: "filter" }>): boolean {
  const found = walk([item], f.path);
  if (f.op === undefined) return found.length > 0;
  if (found.length === 0) return false;
  const left = found[0];
  const right = f.value;
  switch (f.op) {
    case "==":
      return left === right;
    case "!=":
      return left !== right;
    default: {
      if (typeof left !== "number" || typeof right !== "number") return false;
      if (f.op === "<") return left < right;
      if (f.op === "<=") return left <= right;
      if (f.op === ">") return left > right;
      return left >= right;
    }
  }
}

function parse(src: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === ".") {
      i++;
      if (src[i] === "*") {
        steps.push({ kind: "wildcard" });
        i++;
        continue;
      }
      const m = /^[A-Za-z0-9_$\-/]+/.exec(src.slice(i));
      if (!m) {
        if (i >= src.length) break; // a lone "." is the object itself
        throw new Error(`unrecognized identifier at ${i}`);
      }
      steps.push({ kind: "field", name: m[0] });
      i += m[0].length;
    } else if (ch === "[") {
      const end = closing(src, i);
      const inner = src.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === "*") steps.push({ kind: "wildcard" });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: "index", index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ kind: "field", name: inner.slice(1, -1) });
      else if (inner.startsWith("?(") && inner.endsWith(")")) steps.push(filter(inner.slice(2, -1).trim()));
      else throw new Error(`unsupported subscript [${inner}]`);
    } else throw new Error(`unexpected ${ch} at ${i}`);
  }
  return steps;
}

function closing(src: string, open: number): number {
  let depth = 0;
  let quote = "";
  for (let i = open; i < src.length; i++) {
    const ch = src[i];
    if (quote) {
      if (ch === quote) quote = "";
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "[") depth++;
    else if (ch === "]" && --depth === 0) return i;
  }
  throw new Error("unclosed [");
}

function filter(expr: string): Step {
  const m = /^@((?:\.[A-Za-z0-9_$\-/]+|\[[^\]]+\])*)\s*(==|!=|<=|>=|<|>)?\s*(.*)$/.exec(expr);
  if (!m) throw new Error(`unsupported filter ${expr}`);
  const path = m[1] ? parse(m[1]) : [];
  if (!m[2]) return { kind: "filter", path };
  const raw = m[3].trim();
  let value: unknown;
  if (/^'.*'$|^".*"$/.test(raw)) value = raw.slice(1, -1);
  else if (raw === "true" || raw === "false") value = raw === "true";
  else if (raw !== "" && !Number.isNaN(Number(raw))) value = Number(raw);
  else throw new Error(`unsupported filter value ${raw}`);
  return { kind: "filter", path, op: m[2], value };
}
