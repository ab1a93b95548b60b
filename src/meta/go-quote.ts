// Go fmt/strconv behaviour that RBAC and 403 texts depend on: %q of strings and []string, and unquoting.

const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const NAMED_ESCAPES: Record<number, string> = {
  7: "\\a",
  8: "\\b",
  9: "\\t",
  10: "\\n",
  11: "\\v",
  12: "\\f",
  13: "\\r",
};

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/** strconv.Quote / fmt %q of a string, byte-exact for valid UTF-8 input. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (cp >= 0xd800 && cp <= 0xdfff)
      out += "\ufffd"; // a lone surrogate reaches Go as U+FFFD
    else if (cp === 0x20 || GO_PRINTABLE.test(ch)) out += ch;
    else if (NAMED_ESCAPES[cp]) out += NAMED_ESCAPES[cp];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return `${out}"`;
}

/** fmt %q of a []string: ["a" "b"]. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(" ")}]`;
}

const SIMPLE_UNESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
  "'": "'",
  "/": "/", // JSON only; accepted so JSON string literals unquote too
};

/**
 * Decodes the body of a Go (or JSON) double-quoted literal, without the surrounding quotes.
 * Lenient: an unknown escape keeps its character.
 */
export function goUnescape(body: string): string {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== "\\" || i + 1 >= body.length) {
      out += ch;
      continue;
    }
    const next = body[++i];
    const width = next === "x" ? 2 : next === "u" ? 4 : next === "U" ? 8 : 0;
    if (width > 0 && /^[0-9a-fA-F]+$/.test(body.slice(i + 1, i + 1 + width)) && i + width < body.length) {
      const cp = Number.parseInt(body.slice(i + 1, i + 1 + width), 16);
      out += cp > 0x10ffff ? "\ufffd" : String.fromCodePoint(cp);
      i += width;
    } else if (/^[0-7]{3}$/.test(body.slice(i, i + 3))) {
      out += String.fromCodePoint(Number.parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else {
      out += SIMPLE_UNESCAPES[next] ?? next;
    }
  }
  return out;
}
