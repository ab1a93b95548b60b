// Reads the Kubernetes API types from the `kubernetes-types` package (.d.ts files generated from
// the upstream OpenAPI spec) so the served OpenAPI documents describe every field with its
// upstream description and required-ness, without vendoring the multi-megabyte upstream spec.
// The .d.ts files are machine-generated and regular: one interface or alias per type, one member
// per line (maps span three lines), each preceded by a /** doc comment */.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** A type module of kubernetes-types, e.g. "core/v1", "meta/v1", "api/resource", "runtime". */
export type ModuleId = string;

export type TypeExpr =
  | { kind: "string" }
  | { kind: "integer" }
  | { kind: "boolean" }
  | { kind: "int-or-string" }
  | { kind: "ref"; module: ModuleId; name: string }
  | { kind: "array"; items: TypeExpr }
  | { kind: "map"; values: TypeExpr }
  | { kind: "unknown" };

export interface MemberDecl {
  name: string;
  optional: boolean;
  description: string;
  type: TypeExpr;
}

export interface TypeDecl {
  module: ModuleId;
  name: string;
  description: string;
  /** Interfaces have members; `export type X = string` aliases have `alias`. */
  members: MemberDecl[];
  alias?: TypeExpr;
}

export interface TypeModule {
  id: ModuleId;
  types: Map<string, TypeDecl>;
}

const packageRoot = dirname(createRequire(import.meta.url).resolve("kubernetes-types/package.json"));
const cache = new Map<ModuleId, TypeModule | undefined>();

/** The parsed module, or undefined when kubernetes-types has no such file. Parsed once. */
export function loadModule(id: ModuleId): TypeModule | undefined {
  if (!cache.has(id)) {
    let source: string | undefined;
    try {
      source = readFileSync(join(packageRoot, `${id}.d.ts`), "utf8");
    } catch {
      source = undefined;
    }
    cache.set(id, source === undefined ? undefined : parseModule(id, source));
  }
  return cache.get(id);
}

export function findType(module: ModuleId, name: string): TypeDecl | undefined {
  return loadModule(module)?.types.get(name);
}

/** Parses one generated .d.ts file. Exported for tests. */
export function parseModule(id: ModuleId, source: string): TypeModule {
  const imports = parseImports(id, source);
  const types = new Map<string, TypeDecl>();
  const lines = source.split("\n");
  let doc = "";
  let current: TypeDecl | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.startsWith("/**")) {
      const end = findCommentEnd(lines, i);
      doc = commentText(lines.slice(i, end + 1));
      i = end;
      continue;
    }
    const iface = /^export interface (\w+) \{\s*\}?$/.exec(line);
    if (iface) {
      current = { module: id, name: iface[1], description: doc, members: [] };
      types.set(current.name, current);
      if (line.endsWith("}")) current = undefined;
      doc = "";
      continue;
    }
    const alias = /^export type (\w+) = (.+);$/.exec(line);
    if (alias) {
      const decl = {
        module: id,
        name: alias[1],
        description: doc,
        members: [],
        alias: parseType(alias[2], id, imports),
      };
      types.set(decl.name, decl);
      doc = "";
      continue;
    }
    if (line === "}") {
      current = undefined;
      continue;
    }
    const member = /^(?:readonly )?"?([\w$-]+)"?(\??): (.*?);?$/.exec(line);
    if (current && member) {
      let typeText = member[3];
      if (typeText === "{") {
        // Map members span three lines: `x?: {`, `[name: string]: T;`, `};`
        const value = /^\[\w+: string\]: (.+);$/.exec(lines[i + 1].trim());
        typeText = value ? `Record<${value[1]}>` : "unknown";
        i += 2;
      }
      current.members.push({
        name: member[1],
        optional: member[2] === "?",
        description: doc,
        type: parseType(typeText, id, imports),
      });
      doc = "";
    }
  }
  return { id, types };
}

function findCommentEnd(lines: string[], start: number): number {
  for (let i = start; i < lines.length; i++) if (lines[i].includes("*/")) return i;
  return lines.length - 1;
}

/** Strips comment delimiters and the leading " * " of each line, keeping paragraph breaks. */
function commentText(commentLines: string[]): string {
  return commentLines
    .map((l) =>
      l
        .trim()
        .replace(/^\/\*\*\s?/, "")
        .replace(/\s?\*\/$/, "")
        .replace(/^\*\s?/, ""),
    )
    .join("\n")
    .trim();
}

/** Maps imported names to the module they come from ("../meta/v1" seen from "core/v1" → "meta/v1"). */
function parseImports(id: ModuleId, source: string): Map<string, ModuleId> {
  const out = new Map<string, ModuleId>();
  const from = dirname(id);
  for (const m of source.matchAll(/^import \{ ([^}]+) \} from "([^"]+)";$/gm)) {
    const target = join(from, m[2]).replaceAll("\\", "/");
    for (const name of m[1].split(",")) out.set(name.trim(), target);
  }
  return out;
}

function parseType(text: string, module: ModuleId, imports: Map<string, ModuleId>): TypeExpr {
  const t = text.trim();
  if (t === "string" || /^"[^"]*"$/.test(t)) return { kind: "string" };
  if (t === "number") return { kind: "integer" };
  if (t === "boolean") return { kind: "boolean" };
  if (t === "number | string" || t === "string | number") return { kind: "int-or-string" };
  const generic = /^(Array|Record)<(.+)>$/.exec(t);
  if (generic) {
    const inner = parseType(generic[2], module, imports);
    return generic[1] === "Array" ? { kind: "array", items: inner } : { kind: "map", values: inner };
  }
  if (t.endsWith("[]")) return { kind: "array", items: parseType(t.slice(0, -2), module, imports) };
  if (/^\w+$/.test(t)) return { kind: "ref", module: imports.get(t) ?? module, name: t };
  return { kind: "unknown" };
}
