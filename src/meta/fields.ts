// Field selectors as apimachinery pkg/fields parses them (ParseSelector): `a=b`, `a==b`, `a!=b`, terms joined
// by commas, values escaped with `\,` `\=` `\\`. Error texts are upstream's, so the HTTP layer can return them
// verbatim in a 400.

export interface FieldRequirement {
  field: string;
  /** "==" parses to "=", as upstream's hasTerm does. */
  operator: "=" | "!=";
  value: string;
}

/** AND of requirements, sorted by their source text like upstream; empty matches everything. */
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
}

export class FieldSelectorError extends Error {
  override name = "FieldSelectorError";
}

export const everything: FieldSelector = Object.freeze({ requirements: Object.freeze([]) });

// "!=" and "==" are tried before "=" at each position so "a==b" does not leave "=b" as the value.
const OPERATORS = ["!=", "==", "="] as const;

export function parseFieldSelector(selector: string): FieldSelector {
  const terms = splitTerms(selector).sort();
  const requirements: FieldRequirement[] = [];
  for (const term of terms) {
    if (term === "") continue;
    const split = splitTerm(term);
    if (!split) throw new FieldSelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
    requirements.push({
      field: split.field,
      operator: split.operator === "!=" ? "!=" : "=",
      value: unescapeValue(split.rawValue),
    });
  }
  return { requirements };
}

/** Upstream semantics: a missing field reads as "", so `f=` matches it and `f!=x` matches it too. */
export function matchesFields(selector: FieldSelector, fields: Readonly<Record<string, string>>): boolean {
  for (const r of selector.requirements) {
    const actual = fields[r.field] ?? "";
    if ((actual === r.value) !== (r.operator === "=")) return false;
  }
  return true;
}

/** Distinct field labels used, for the caller's `field label not supported: X` check. */
export function selectorFields(selector: FieldSelector): string[] {
  return [...new Set(selector.requirements.map((r) => r.field))];
}

/** The value an `=` term pins `field` to (RequiresExactMatch), e.g. metadata.name for single-object watches. */
export function requiredValue(selector: FieldSelector, field: string): string | undefined {
  return selector.requirements.find((r) => r.operator === "=" && r.field === field)?.value;
}

export function isEmptySelector(selector: FieldSelector): boolean {
  return selector.requirements.length === 0;
}

export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Canonical text, as upstream's String(): `a=b,c!=d`. */
export function formatFieldSelector(selector: FieldSelector): string {
  return selector.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(",");
}

/** Splits on commas not preceded by a backslash; escapes stay in the terms for unescapeValue. */
function splitTerms(selector: string): string[] {
  if (selector === "") return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (escaped) escaped = false;
    else if (c === "\\") escaped = true;
    else if (c === ",") {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** The first operator occurrence splits the term; the field part supports no escaping (as upstream). */
function splitTerm(term: string): { field: string; operator: string; rawValue: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) {
      if (term.startsWith(op, i))
        return { field: term.slice(0, i), operator: op, rawValue: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeValue(raw: string): string {
  if (!/[\\,=]/.test(raw)) return raw;
  let out = "";
  let escaped = false;
  for (const c of raw) {
    if (escaped) {
      if (c !== "\\" && c !== "," && c !== "=") {
        throw new FieldSelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      escaped = false;
    } else if (c === "\\") {
      escaped = true;
    } else if (c === "," || c === "=") {
      // Go formats the rune with %v, i.e. as its code point number.
      throw new FieldSelectorError(
        `invalid field selector: unescaped character in value: ${c.codePointAt(0)}`,
      );
    } else {
      out += c;
    }
  }
  if (escaped) throw new FieldSelectorError("invalid field selector: invalid escape sequence: \\");
  return out;
}
