// A streaming JSON reader that cuts one member out of a document before it is parsed: the bytes arrive in
// chunks, the member's value (e.g. every list item's `metadata.managedFields`: 85 % of a metadata-only Pod's
// bytes) is skipped as it streams by, and only the rest is kept, as bytes, for JSON.parse. No string of the
// whole body, no parsed tree of the cut part, no garbage beyond the socket's own chunks.
//
// It validates the whole input as JSON.parse reads it (RFC 8259), so an input is rejected exactly when
// JSON.parse would reject it, whether the fault lies in the kept or in the cut part. Scanning bytes is safe
// for UTF-8: every byte of a multi-byte sequence is ≥ 0x80, never a quote, bracket or backslash.
//
// The member is named by its path from the root: keys, and "*" for every element of an array. Keys are
// matched byte for byte as sent; a key spelt with escapes ("\u006danagedFields") is not recognised and stays.
import type { BodyCollector } from "./transport.ts";

// Between tokens: what may come next.
const VALUE = 0; // after `:`, after `,` in an array, at the start
const VALUE_OR_CLOSE = 1; // after `[`
const KEY_OR_CLOSE = 2; // after `{`
const KEY = 3; // after `,` in an object
const COLON = 4;
const AFTER_VALUE = 5; // `,` or the container's closing bracket; at the root, only whitespace
// Inside tokens.
const STRING = 6;
const ESCAPE = 7; // after a backslash
const UNICODE = 8; // in the 4 hex digits of \uXXXX
const LITERAL = 9; // in true, false, null
const MINUS = 10; // after a leading `-`: a digit must follow
const ZERO = 11; // a leading 0: no more integer digits
const INTEGER = 12;
const DOT = 13; // a digit must follow
const FRACTION = 14;
const EXPONENT_MARK = 15; // after e/E: a sign or a digit
const EXPONENT_SIGN = 16; // a digit must follow
const EXPONENT = 17;
const FAILED = 18;
const ENDED = 19;

const OBJECT = 1;
const ARRAY = 2;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON_CHAR = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
/** What may follow a backslash: " \ / b f n r t u. */
const isEscapable = (c: number) =>
  c === QUOTE ||
  c === BACKSLASH ||
  c === 0x2f ||
  c === 0x62 ||
  c === 0x66 ||
  c === 0x6e ||
  c === 0x72 ||
  c === 0x74 ||
  c === 0x75;

/** A finished document's output buffer, reused by the next (list pages arrive one after another). */
let spare: Buffer | undefined;
const INITIAL_OUTPUT = 64 * 1024;
const MAX_SPARE = 16 * 1024 * 1024;

export class JsonCutter implements BodyCollector {
  readonly #path: readonly string[];
  /** Set when the input is not JSON; end() then returns what was kept up to the fault. */
  error: SyntaxError | undefined;
  #out: Buffer;
  #length = 0;
  /** Bytes of earlier chunks. */
  #offset = 0;
  #state = VALUE;
  /** Open containers (OBJECT/ARRAY) at depths 1..#depth. */
  #stack = new Uint8Array(64);
  #depth = 0;
  /** The containers at depths 1..#onPath lie on the path. */
  #onPath = 0;
  /** Bytes of the current key that match the path's element at its depth; -1: no match, or off the path. */
  #keyMatched = -1;
  /** The current member's key is the path's element at its depth. */
  #memberOnPath = false;
  #inKey = false;
  #hexLeft = 0;
  #literal = "";
  #literalAt = 0;
  /** Output position of the `{` or `,` before the current key, in an object that holds the member. */
  #separatorAt = 0;
  #separatorIsComma = false;
  /** Depth of the object whose member is being cut; -1: not cutting. */
  #cutDepth = -1;
  /** The cut value just ended: copying resumes at the next token. */
  #resume = false;
  /** The cut member came first in its object: the comma after it goes too. */
  #dropComma = false;
  #sawToken = false;
  /** During write(): where the current chunk's kept bytes start (-1: not copying). */
  #copyFrom = -1;

  constructor(path: readonly string[]) {
    if (path.length === 0 || path[path.length - 1] === "*")
      throw new TypeError("the path to cut must end with a member name");
    this.#path = path;
    this.#out = spare ?? Buffer.allocUnsafe(INITIAL_OUTPUT);
    spare = undefined;
  }

  /** Whether the input held anything but whitespace so far. */
  get empty(): boolean {
    return !this.#sawToken;
  }

  write(chunk: Buffer): void {
    if (this.#state >= FAILED) return;
    const n = chunk.length;
    this.#copyFrom = this.#cutDepth < 0 && !this.#resume ? 0 : -1;
    // The hot state lives in locals; the rest (the path, cutting) in fields, touched on the path only.
    let state = this.#state;
    let depth = this.#depth;
    let stack = this.#stack;
    let i = 0;
    for (; i < n; i++) {
      let c = chunk[i];
      if (state === STRING) {
        // The bulk of a document: run to the next quote, backslash or control character.
        if (this.#inKey && this.#keyMatched >= 0) {
          while (c !== QUOTE && c !== BACKSLASH && c >= 0x20) {
            this.#matchKeyByte(c, depth);
            if (++i === n) break;
            c = chunk[i];
          }
        } else {
          while (c !== QUOTE && c !== BACKSLASH && c >= 0x20) {
            if (++i === n) break;
            c = chunk[i];
          }
        }
        if (i === n) break;
        if (c === QUOTE) {
          if (this.#inKey) {
            state = COLON;
            if (this.#onPath === depth) this.#keyEnded(chunk, i, depth);
          } else {
            state = AFTER_VALUE;
            if (depth === this.#cutDepth) this.#cutEnded();
          }
        } else if (c === BACKSLASH) {
          state = ESCAPE;
          this.#keyMatched = -1;
        } else break; // a control character
        continue;
      }
      if (state <= AFTER_VALUE) {
        // Between tokens.
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
        if (this.#resume && this.#resumeAt(c, i, state)) {
          state = KEY; // the comma after a cut first member went with it
          continue;
        }
        switch (state) {
          case AFTER_VALUE: {
            if (depth === 0) break; // after the document
            const container = stack[depth - 1];
            if (c === COMMA) {
              if (container === OBJECT) {
                state = KEY;
                if (this.#onPath === depth && depth === this.#path.length) this.#markSeparator(i, true);
              } else state = VALUE;
              continue;
            }
            if (c !== (container === OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) break;
            depth--;
            if (this.#onPath > depth) this.#onPath = depth;
            if (depth === this.#cutDepth) this.#cutEnded();
            continue;
          }
          case COLON:
            if (c !== COLON_CHAR) break;
            state = VALUE;
            continue;
          case KEY_OR_CLOSE:
          case KEY:
            if (c === QUOTE) {
              state = STRING;
              this.#inKey = true;
              this.#keyMatched = this.#onPath === depth ? 0 : -1;
              continue;
            }
            if (c !== CLOSE_OBJECT || state !== KEY_OR_CLOSE) break;
            depth--;
            state = AFTER_VALUE;
            if (this.#onPath > depth) this.#onPath = depth;
            if (depth === this.#cutDepth) this.#cutEnded();
            continue;
          default: {
            // VALUE, VALUE_OR_CLOSE
            if (c === CLOSE_ARRAY && state === VALUE_OR_CLOSE) {
              depth--;
              state = AFTER_VALUE;
              if (this.#onPath > depth) this.#onPath = depth;
              if (depth === this.#cutDepth) this.#cutEnded();
              continue;
            }
            this.#sawToken = true;
            if (c === QUOTE) {
              state = STRING;
              this.#inKey = false;
              continue;
            }
            if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
              const container = c === OPEN_OBJECT ? OBJECT : ARRAY;
              if (this.#onPath === depth) this.#opened(container, i, depth);
              if (depth === stack.length) {
                const grown = new Uint8Array(stack.length * 2);
                grown.set(stack);
                stack = grown;
                this.#stack = grown;
              }
              stack[depth++] = container;
              state = container === OBJECT ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
              continue;
            }
            const scalar = this.#startScalar(c);
            if (scalar === FAILED) break;
            state = scalar;
            continue;
          }
        }
        break; // not allowed here
      }
      // Inside escapes, literals and numbers.
      const next = this.#scalarStep(c, state);
      if (next === FAILED) break;
      if (next === AFTER_VALUE) {
        if (depth === this.#cutDepth) this.#cutEnded();
        if (state !== LITERAL) i--; // the byte after a number is read again as what follows it
      }
      state = next;
    }
    this.#state = state;
    this.#depth = depth;
    if (i < n) {
      this.#fail(chunk, i);
      return;
    }
    if (this.#copyFrom >= 0 && this.#copyFrom < n) this.#copy(chunk, this.#copyFrom, n);
    this.#offset += n;
  }

  /** The kept text. Check `error` (or use parse()): after a fault it is what was kept up to it. */
  end(): string {
    if (!this.error && this.#state !== ENDED) {
      const state = this.#state;
      const complete =
        this.#depth === 0 &&
        this.#sawToken &&
        (state === AFTER_VALUE ||
          state === ZERO ||
          state === INTEGER ||
          state === FRACTION ||
          state === EXPONENT);
      if (!complete)
        this.error = new SyntaxError(`invalid JSON: the input ends early (${this.#offset} bytes)`);
    }
    const text = this.#out.toString("utf8", 0, this.#length);
    if (this.#out.length <= MAX_SPARE && this.#out.length > 0) spare = this.#out;
    this.#out = Buffer.alloc(0);
    this.#length = 0;
    if (!this.error) this.#state = ENDED;
    return text;
  }

  /** end(), then JSON.parse of the kept text; throws the SyntaxError of an invalid input. */
  parse(): unknown {
    const text = this.end();
    if (this.error) throw this.error;
    return JSON.parse(text);
  }

  /** The state after a scalar's first byte (FAILED: no value starts so). */
  #startScalar(c: number): number {
    switch (c) {
      case 0x74 /* t */:
        this.#literal = "rue";
        break;
      case 0x66 /* f */:
        this.#literal = "alse";
        break;
      case 0x6e /* n */:
        this.#literal = "ull";
        break;
      case 0x2d /* - */:
        return MINUS;
      case 0x30:
        return ZERO;
      default:
        return isDigit(c) ? INTEGER : FAILED;
    }
    this.#literalAt = 0;
    return LITERAL;
  }

  /** One byte of an escape, literal or number: the next state (AFTER_VALUE: the value ended; FAILED). */
  #scalarStep(c: number, state: number): number {
    switch (state) {
      case ESCAPE:
        if (!isEscapable(c)) return FAILED;
        if (c !== 0x75 /* u */) return STRING;
        this.#hexLeft = 4;
        return UNICODE;
      case UNICODE:
        if (!isHex(c)) return FAILED;
        return --this.#hexLeft === 0 ? STRING : UNICODE;
      case LITERAL:
        if (c !== this.#literal.charCodeAt(this.#literalAt)) return FAILED;
        return ++this.#literalAt === this.#literal.length ? AFTER_VALUE : LITERAL;
      case MINUS:
        if (!isDigit(c)) return FAILED;
        return c === 0x30 ? ZERO : INTEGER;
      case INTEGER:
        if (isDigit(c)) return INTEGER;
        return c === 0x2e ? DOT : c === 0x65 || c === 0x45 ? EXPONENT_MARK : AFTER_VALUE;
      case ZERO:
        return c === 0x2e ? DOT : c === 0x65 || c === 0x45 ? EXPONENT_MARK : AFTER_VALUE;
      case DOT:
        return isDigit(c) ? FRACTION : FAILED;
      case FRACTION:
        if (isDigit(c)) return FRACTION;
        return c === 0x65 || c === 0x45 ? EXPONENT_MARK : AFTER_VALUE;
      case EXPONENT_MARK:
        if (c === 0x2b || c === 0x2d) return EXPONENT_SIGN;
        return isDigit(c) ? EXPONENT : FAILED;
      case EXPONENT_SIGN:
        return isDigit(c) ? EXPONENT : FAILED;
      case EXPONENT:
        return isDigit(c) ? EXPONENT : AFTER_VALUE;
      default:
        return FAILED;
    }
  }

  /** A container opens at `depth` (its parent on the path): whether it lies on the path too. */
  #opened(container: number, i: number, depth: number): void {
    const onPath =
      depth === 0 || (this.#stack[depth - 1] === OBJECT ? this.#memberOnPath : this.#path[depth - 1] === "*");
    if (!onPath) return;
    this.#onPath = depth + 1;
    if (container === OBJECT && depth + 1 === this.#path.length) this.#markSeparator(i, false);
  }

  /** A key ended (its closing quote at i) in an object on the path. */
  #keyEnded(chunk: Buffer, i: number, depth: number): void {
    const name = this.#path[depth - 1];
    this.#memberOnPath = name !== undefined && name !== "*" && this.#keyMatched === name.length;
    if (!this.#memberOnPath || depth !== this.#path.length) return;
    // The member to cut: keep what came before it; drop its key, one separator, and its value as it streams by.
    if (this.#copyFrom >= 0) this.#copy(chunk, this.#copyFrom, i + 1);
    this.#copyFrom = -1;
    this.#length = this.#separatorIsComma ? this.#separatorAt : this.#separatorAt + 1;
    this.#dropComma = !this.#separatorIsComma;
    this.#cutDepth = depth;
    this.#memberOnPath = false;
  }

  #cutEnded(): void {
    this.#cutDepth = -1;
    this.#resume = true;
  }

  /** The first token after a cut value, at i: copying resumes. True: the token (a comma) goes with the cut. */
  #resumeAt(c: number, i: number, state: number): boolean {
    this.#resume = false;
    const dropComma = this.#dropComma;
    this.#dropComma = false;
    if (c === COMMA && dropComma && state === AFTER_VALUE) {
      // `{"managedFields":…,"next":…}`: the comma goes with the member; the `{` stays the separator.
      this.#copyFrom = i + 1;
      this.#separatorAt = this.#length - 1;
      this.#separatorIsComma = false;
      return true;
    }
    this.#copyFrom = i;
    return false;
  }

  /** Records where the `{` or `,` at chunk index i lands in the output. */
  #markSeparator(i: number, comma: boolean): void {
    if (this.#copyFrom < 0) return;
    this.#separatorAt = this.#length + (i - this.#copyFrom);
    this.#separatorIsComma = comma;
  }

  #matchKeyByte(c: number, depth: number): void {
    const at = this.#keyMatched;
    const name = this.#path[depth - 1];
    this.#keyMatched = name !== undefined && at < name.length && name.charCodeAt(at) === c ? at + 1 : -1;
  }

  #fail(chunk: Buffer, i: number): void {
    const c = chunk[i];
    const shown = c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16)}`;
    this.error = new SyntaxError(`invalid JSON: unexpected ${shown} at byte ${this.#offset + i}`);
    this.#state = FAILED;
    if (this.#copyFrom >= 0 && this.#copyFrom < i) this.#copy(chunk, this.#copyFrom, i);
  }

  #copy(chunk: Buffer, from: number, to: number): void {
    const needed = this.#length + (to - from);
    if (needed > this.#out.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.#out.length * 2, INITIAL_OUTPUT));
      this.#out.copy(grown, 0, 0, this.#length);
      this.#out = grown;
    }
    chunk.copy(this.#out, this.#length, from, to);
    this.#length = needed;
  }
}

/** JSON.parse of `input` with the member at `path` cut out; throws SyntaxError when it is not JSON. */
export function parseWithout(path: readonly string[], input: Buffer | string): unknown {
  const cutter = new JsonCutter(path);
  cutter.write(typeof input === "string" ? Buffer.from(input) : input);
  return cutter.parse();
}
