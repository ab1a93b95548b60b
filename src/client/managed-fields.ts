// Parses a JSON document without materialising `"managedFields"` members. Server-side apply bookkeeping is
// ~85 % of a Pod's metadata; an informer that drops it anyway gets a list page parsed ~2× faster, and no
// garbage to collect, by cutting it from the text before JSON.parse. Only members at a key position are cut
// (after `{` or `,`, the quote not escaped), so string content can never match.
const KEY = '"managedFields":';
const QUOTE = 34;
const BACKSLASH = 92;

/** JSON.parse(text) with every `managedFields` member removed. Throws SyntaxError on malformed JSON. */
export function parseWithoutManagedFields(text: string): unknown {
  let stripped: string;
  try {
    stripped = stripManagedFields(text);
  } catch {
    stripped = text; // not the shape we cut safely: parse it all and let the caller's transform drop it
  }
  return JSON.parse(stripped);
}

/** The text with each `"managedFields": <value>` member (and one adjoining comma) removed. */
export function stripManagedFields(text: string): string {
  let out = "";
  let copiedUpTo = 0;
  let searchFrom = 0;
  for (;;) {
    const at = text.indexOf(KEY, searchFrom);
    if (at < 0) break;
    searchFrom = at + KEY.length;
    const before = previousNonSpace(text, at - 1);
    if (before < 0 || (text[before] !== "{" && text[before] !== ",")) continue; // not a member key
    const valueEnd = skipValue(text, skipSpace(text, at + KEY.length));
    let start = at;
    let end = valueEnd;
    const after = skipSpace(text, valueEnd);
    if (text[after] === ",") end = after + 1;
    else if (text[before] === ",") start = before; // last member: drop the comma before it
    out += text.slice(copiedUpTo, start);
    copiedUpTo = end;
    searchFrom = end;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

/** The index just past the JSON value starting at i. */
function skipValue(text: string, i: number): number {
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = skipString(text, i);
      if (depth === 0) return i + 1;
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      depth++;
    } else if (depth === 0 && (c === 44 /* , */ || c === 93 || c === 125)) {
      return i; // a bare literal (null, a number) ends here
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  throw new SyntaxError("unterminated JSON value");
}

/** Index of the closing quote of the string whose opening quote is at i. */
function skipString(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  throw new SyntaxError("unterminated JSON string");
}

const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

function previousNonSpace(text: string, i: number): number {
  while (i >= 0 && isSpace(text.charCodeAt(i))) i--;
  return i;
}
