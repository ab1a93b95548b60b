// Server `Warning:` headers (RFC 7234 format, `299 - "text"`), e.g. "v1 Endpoints is deprecated in v1.33+".
// kubectl prints each as `Warning: text`; like client-go's deduplicating handler we surface each text once.

const WARNING = /(\d{3}) (\S+) "((?:[^"\\]|\\.)*)"(?: "[^"]*")?/g;

/** The warn-texts of one or more Warning header values, unescaped. */
export function parseWarningHeader(values: string | string[] | undefined): string[] {
  if (values === undefined) return [];
  const texts: string[] = [];
  for (const value of Array.isArray(values) ? values : [values]) {
    for (const match of value.matchAll(WARNING)) texts.push(match[3].replace(/\\(.)/g, "$1"));
  }
  return texts;
}

/** Prints like kubectl. */
export function defaultWarningHandler(text: string): void {
  process.stderr.write(`Warning: ${text}\n`);
}

/** Delivers each distinct warning text once; remembers at most `limit` texts so memory stays bounded. */
export class WarningDeduper {
  readonly #seen = new Set<string>();
  readonly #handler: (text: string) => void;
  readonly #limit: number;

  constructor(handler: (text: string) => void = defaultWarningHandler, limit = 1000) {
    this.#handler = handler;
    this.#limit = limit;
  }

  report(headerValues: string | string[] | undefined): void {
    for (const text of parseWarningHeader(headerValues)) {
      if (this.#seen.has(text)) continue;
      if (this.#seen.size >= this.#limit) this.#seen.clear();
      this.#seen.add(text);
      try {
        this.#handler(text);
      } catch {
        // A failing warning handler must not fail the request that carried the warning.
      }
    }
  }
}
