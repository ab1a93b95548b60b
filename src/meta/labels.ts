// Label selectors exactly like apimachinery pkg/labels (Parse, Requirement.Matches, String) and
// metav1.LabelSelectorAsSelector, with upstream error texts, plus label key/value validation (meta/names.ts).
import { goQuote } from "./go-quote.ts";
import { isQualifiedName, isValidLabelValue } from "./names.ts";
import type { LabelSelector } from "./types.ts";

/** selection.Operator values as upstream spells them. */
export type SelectorOperator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface Requirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

/** A parsed selector: requirements are ANDed; `nothing` is metav1's nil selector that matches nothing. */
export interface LabelSelectorExpr {
  requirements: Requirement[];
  nothing: boolean;
}

export class SelectorParseError extends Error {
  override name = "SelectorParseError";
}

/** apimachinery utilerrors.NewAggregate(...).Error(): one message alone, several as "[a, b]", duplicates removed. */
export function aggregateErrorMessages(messages: string[]): string {
  if (messages.length <= 1) return messages[0] ?? "";
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(", ")}]`;
}

// field.Invalid(path, value, detail).Error(); a nil *field.Path prints as "<nil>".
function invalidField(path: string, badValue: string, detail: string): string {
  return `${path}: Invalid value: ${badValue}: ${detail}`;
}

const BINARY_OPERATORS = ["in", "notin", "=", "==", "!=", "gt", "lt"];
const INT64 = /^[+-]?[0-9]+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function parseInt64(s: string): bigint | undefined {
  if (!INT64.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * labels.NewRequirement validation. `basePath` is the field path ("" for none, i.e. nil);
 * values may be undefined to mirror a nil Go slice (rendered "null" in errors).
 */
function newRequirement(
  key: string,
  operator: SelectorOperator,
  values: string[] | undefined,
  basePath: string,
): Requirement {
  const child = (name: string) => (basePath ? `${basePath}.${name}` : name);
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) errs.push(invalidField(child("key"), goQuote(key), keyErrs.join("; ")));
  const vals = values ?? [];
  const shown = values === undefined ? "null" : JSON.stringify(values);
  const valuesPath = child("values");
  switch (operator) {
    case "in":
    case "notin":
      if (vals.length === 0) {
        errs.push(invalidField(valuesPath, shown, "for 'in', 'notin' operators, values set can't be empty"));
      }
      break;
    case "=":
    case "==":
    case "!=":
      if (vals.length !== 1) {
        errs.push(invalidField(valuesPath, shown, "exact-match compatibility requires one single value"));
      }
      break;
    case "exists":
    case "!":
      if (vals.length !== 0) {
        errs.push(invalidField(valuesPath, shown, "values set must be empty for exists and does not exist"));
      }
      break;
    case "gt":
    case "lt":
      if (vals.length !== 1) {
        errs.push(invalidField(valuesPath, shown, "for 'Gt', 'Lt' operators, exactly one value is required"));
      }
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(
            invalidField(
              `${valuesPath}[${i}]`,
              goQuote(v),
              "for 'Gt', 'Lt' operators, the value must be an integer",
            ),
          );
        }
      });
      break;
  }
  vals.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length > 0) {
      errs.push(invalidField(`${valuesPath}[${i}][${key}]`, goQuote(v), valueErrs.join("; ")));
    }
  });
  if (errs.length > 0) throw new SelectorParseError(aggregateErrorMessages(errs));
  return { key, operator, values: vals };
}

const byKey = (a: Requirement, b: Requirement) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

// ---- lexer (labels.Lexer) ----

type Token = "error" | "eos" | ")" | "," | "!" | "==" | "=" | ">" | "id" | "in" | "<" | "!=" | "notin" | "(";

const LITERAL_TOKENS: Record<string, Token> = {
  ")": ")",
  ",": ",",
  "!": "!",
  "==": "==",
  "=": "=",
  ">": ">",
  in: "in",
  "<": "<",
  "!=": "!=",
  notin: "notin",
  "(": "(",
};

const isWhitespace = (ch: string) => ch === " " || ch === "\t" || ch === "\r" || ch === "\n";
const isSpecial = (ch: string) => ch.length === 1 && "=!(),><".includes(ch);

interface Scanned {
  tok: Token;
  lit: string;
}

function lex(input: string): Scanned[] {
  let pos = 0;
  // Go's lexer reads bytes and treats a NUL byte like the end of input.
  const read = () => {
    const ch = pos < input.length ? input[pos] : "\0";
    pos++;
    return ch;
  };
  const unread = () => {
    pos--;
  };
  const scanIdOrKeyword = (): Scanned => {
    let buf = "";
    for (;;) {
      const ch = read();
      if (ch === "\0") break;
      if (isSpecial(ch) || isWhitespace(ch)) {
        unread();
        break;
      }
      buf += ch;
    }
    const tok = Object.hasOwn(LITERAL_TOKENS, buf) ? LITERAL_TOKENS[buf] : "id";
    return { tok, lit: buf };
  };
  const scanSpecial = (): Scanned => {
    let buf = "";
    let last: Scanned | undefined;
    for (;;) {
      const ch = read();
      if (ch === "\0") break;
      if (!isSpecial(ch)) {
        unread();
        break;
      }
      buf += ch;
      if (Object.hasOwn(LITERAL_TOKENS, buf)) last = { tok: LITERAL_TOKENS[buf], lit: buf };
      else if (last) {
        unread();
        break;
      }
    }
    return last ?? { tok: "error", lit: `error expected: keyword found '${buf}'` };
  };
  const items: Scanned[] = [];
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    let item: Scanned;
    if (ch === "\0") item = { tok: "eos", lit: "" };
    else {
      unread();
      item = isSpecial(ch) ? scanSpecial() : scanIdOrKeyword();
    }
    items.push(item);
    if (item.tok === "eos") return items;
  }
}

// ---- parser (labels.Parser) ----

class Parser {
  private position = 0;
  private readonly items: Scanned[];

  constructor(input: string) {
    this.items = lex(input);
  }

  // In a values context the keywords "in"/"notin" are plain identifiers.
  private lookahead(values: boolean): Scanned {
    return this.asContext(this.items[this.position], values);
  }

  private consume(values: boolean): Scanned {
    return this.asContext(this.items[this.position++], values);
  }

  private asContext(item: Scanned, values: boolean): Scanned {
    return values && (item.tok === "in" || item.tok === "notin") ? { tok: "id", lit: item.lit } : item;
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      if (tok === "eos") return requirements;
      if (tok !== "id" && tok !== "!") {
        throw new SelectorParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
      try {
        requirements.push(this.parseRequirement());
      } catch (e) {
        throw new SelectorParseError(`unable to parse requirement: ${(e as Error).message}`);
      }
      const next = this.consume(true);
      if (next.tok === "eos") return requirements;
      if (next.tok !== ",") {
        throw new SelectorParseError(`found '${next.lit}', expected: ',' or 'end of string'`);
      }
      const after = this.lookahead(true);
      if (after.tok !== "id" && after.tok !== "!") {
        throw new SelectorParseError(`found '${after.lit}', expected: identifier after ','`);
      }
    }
  }

  private parseRequirement(): Requirement {
    const { key, operator } = this.parseKeyAndInferOperator();
    if (operator === "exists" || operator === "!") return newRequirement(key, operator, [], "");
    const op = this.parseOperator();
    const values = op === "in" || op === "notin" ? this.parseValues() : this.parseExactValue();
    // sets.String.List(): unique and sorted.
    return newRequirement(key, op, [...new Set(values)].sort(), "");
  }

  private parseKeyAndInferOperator(): { key: string; operator?: SelectorOperator } {
    let operator: SelectorOperator | undefined;
    let item = this.consume(true);
    if (item.tok === "!") {
      operator = "!";
      item = this.consume(true);
    }
    if (item.tok !== "id") throw new Error(`found '${item.lit}', expected: identifier`);
    const keyErrs = isQualifiedName(item.lit);
    if (keyErrs.length > 0) throw new Error(invalidField("<nil>", goQuote(item.lit), keyErrs.join("; ")));
    const next = this.lookahead(true).tok;
    if ((next === "eos" || next === ",") && operator !== "!") operator = "exists";
    return { key: item.lit, operator };
  }

  private parseOperator(): SelectorOperator {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case "in":
        return "in";
      case "=":
        return "=";
      case "==":
        return "==";
      case ">":
        return "gt";
      case "<":
        return "lt";
      case "notin":
        return "notin";
      case "!=":
        return "!=";
      default:
        throw new Error(`found '${lit}', expected: ${BINARY_OPERATORS.join(", ")}`);
    }
  }

  private parseValues(): string[] {
    const open = this.consume(true);
    if (open.tok !== "(") throw new Error(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead(true);
    if (tok === "id" || tok === ",") {
      const values = this.parseIdentifiersList();
      // Upstream reports the token that followed "(", not the offending one.
      if (this.consume(true).tok !== ")") throw new Error(`found '${lit}', expected: ')'`);
      return values;
    }
    if (tok === ")") {
      this.consume(true);
      return [""];
    }
    throw new Error(`found '${lit}', expected: ',', ')' or identifier`);
  }

  private parseIdentifiersList(): string[] {
    const values = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume(true);
      if (tok === "id") {
        values.add(lit);
        const next = this.lookahead(true);
        if (next.tok === ",") continue;
        if (next.tok === ")") return [...values];
        throw new Error(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (tok !== ",") throw new Error(`found '${lit}', expected: ',', or identifier`);
      // "(," ",," and ",)" all denote the empty value.
      if (values.size === 0) values.add("");
      const next = this.lookahead(true).tok;
      if (next === ")") {
        values.add("");
        return [...values];
      }
      if (next === ",") {
        this.consume(true);
        values.add("");
      }
    }
  }

  private parseExactValue(): string[] {
    const ahead = this.lookahead(true).tok;
    if (ahead === "eos" || ahead === ",") return [""];
    const { tok, lit } = this.consume(true);
    if (tok === "id") return [lit];
    throw new Error(`found '${lit}', expected: identifier`);
  }
}

/** labels.Parse: the string syntax of `?labelSelector=`. Throws SelectorParseError with upstream wording. */
export function parseLabelSelector(input: string): LabelSelectorExpr {
  const requirements = new Parser(input).parse();
  return { requirements: requirements.sort(byKey), nothing: false };
}

const OBJECT_OPERATORS: Record<string, SelectorOperator> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
};

/**
 * metav1.LabelSelectorAsSelector: undefined (a nil selector) matches nothing, an empty one
 * matches everything; matchLabels and matchExpressions are ANDed.
 */
export function labelSelectorFromObject(sel?: LabelSelector | null): LabelSelectorExpr {
  if (!sel) return { requirements: [], nothing: true };
  const labels = Object.entries(sel.matchLabels ?? {});
  const expressions = sel.matchExpressions ?? [];
  if (labels.length + expressions.length === 0) return { requirements: [], nothing: false };
  // A JSON null map value decodes as "" in Go (the zero value), not as an error.
  const requirements = labels.map(([k, v]) => newRequirement(k, "=", [v ?? ""], ""));
  for (const expr of expressions) {
    const op = Object.hasOwn(OBJECT_OPERATORS, expr.operator) ? OBJECT_OPERATORS[expr.operator] : undefined;
    if (!op) throw new SelectorParseError(`${goQuote(expr.operator)} is not a valid label selector operator`);
    const values = expr.values && expr.values.length > 0 ? [...expr.values] : undefined;
    requirements.push(newRequirement(expr.key, op, values, ""));
  }
  return { requirements: requirements.sort(byKey), nothing: false };
}

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : "";
  switch (r.operator) {
    case "in":
    case "=":
    case "==":
      return has && r.values.includes(value);
    case "notin":
    case "!=":
      return !has || !r.values.includes(value);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      const actual = has ? parseInt64(value) : undefined;
      const bound = r.values.length === 1 ? parseInt64(r.values[0]) : undefined;
      if (actual === undefined || bound === undefined) return false;
      return r.operator === "gt" ? actual > bound : actual < bound;
    }
  }
}

export function matchesLabels(sel: LabelSelectorExpr, labels?: Record<string, string> | null): boolean {
  if (sel.nothing) return false;
  const set = labels ?? {};
  return sel.requirements.every((r) => requirementMatches(r, set));
}

const OPERATOR_TEXT: Record<SelectorOperator, string> = {
  "=": "=",
  "==": "==",
  "!=": "!=",
  in: " in ",
  notin: " notin ",
  gt: ">",
  lt: "<",
  exists: "",
  "!": "",
};

function requirementToString(r: Requirement): string {
  if (r.operator === "exists") return r.key;
  if (r.operator === "!") return `!${r.key}`;
  const values = r.values.length === 1 ? r.values[0] : [...r.values].sort().join(",");
  const set = r.operator === "in" || r.operator === "notin";
  return `${r.key}${OPERATOR_TEXT[r.operator]}${set ? `(${values})` : values}`;
}

/** LabelSelectorExpr.String(): requirements (sorted by key) joined with ",". */
export function selectorToString(sel: LabelSelectorExpr): string {
  return sel.nothing ? "" : sel.requirements.map(requirementToString).join(",");
}

export function isEverything(sel: LabelSelectorExpr): boolean {
  return !sel.nothing && sel.requirements.length === 0;
}
