// Counts the items of a JSON list answer as its bytes arrive, without building them: count() needs only how
// many items a page has and its list metadata (continue, resourceVersion, remainingItemCount). The bytes
// outside the top-level `items` array (the envelope) are kept and parsed; the array's content is scanned and
// dropped chunk by chunk, so a page costs no string, no parsed tree and no garbage beyond the socket's
// chunks. Scanning bytes is safe for UTF-8: bytes of multi-byte sequences are all ≥ 0x80, never `"` or `[`.
import type { BodyCollector } from "./transport.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const ITEMS = "items";

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export class ListItemCounter implements BodyCollector {
  /** Items seen so far (complete after end()). */
  count = 0;
  readonly #envelope: Buffer[] = [];
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** The string being read at depth 1 (a key of the list object), "" once it cannot be "items". */
  #string = "";
  #lastString = "";
  #key = "";
  /** Depth inside the items array (0: not in it). */
  #itemsDepth = 0;
  #expectItem = false;

  write(chunk: Buffer): void {
    let copyFrom = this.#itemsDepth === 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (c === BACKSLASH) this.#escaped = true;
        else if (c === QUOTE) {
          this.#inString = false;
          if (this.#depth === 1) this.#lastString = this.#string;
        } else if (this.#depth === 1 && this.#string.length <= ITEMS.length)
          this.#string += String.fromCharCode(c);
        continue;
      }
      if (isSpace(c)) continue;
      if (this.#itemsDepth > 0) {
        if (this.#depth === this.#itemsDepth) {
          if (c === CLOSE_ARRAY) {
            this.#depth--;
            this.#itemsDepth = 0;
            copyFrom = i;
            continue;
          }
          if (c === COMMA) {
            this.#expectItem = true;
            continue;
          }
          if (this.#expectItem) {
            this.count++;
            this.#expectItem = false;
          }
        }
        if (c === QUOTE) this.#inString = true;
        else if (c === OPEN_OBJECT || c === OPEN_ARRAY) this.#depth++;
        else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) this.#depth--;
        continue;
      }
      if (c === QUOTE) {
        this.#inString = true;
        this.#string = "";
      } else if (c === COLON && this.#depth === 1) {
        this.#key = this.#lastString;
      } else if (c === COMMA && this.#depth === 1) {
        this.#key = "";
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        this.#depth++;
        if (c === OPEN_ARRAY && this.#depth === 2 && this.#key === ITEMS) {
          this.#itemsDepth = 2;
          this.#expectItem = true;
          this.#envelope.push(Buffer.from(chunk.subarray(copyFrom, i + 1)));
          copyFrom = -1;
        }
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        this.#depth--;
      }
    }
    if (copyFrom >= 0) this.#envelope.push(Buffer.from(chunk.subarray(copyFrom)));
  }

  /** The answer without the items' content: `"items":[]` (or the whole body when it is not a list). */
  end(): string {
    return Buffer.concat(this.#envelope).toString("utf8");
  }
}
