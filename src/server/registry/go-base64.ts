// encoding/base64 StdEncoding.Decode's validation (src/encoding/base64/base64.go decodeQuantum): where
// Go's decoder stops on bad input, so "illegal base64 data at input byte N" names the same byte.
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const PAD = "=";

const isNewline = (c: string) => c === "\n" || c === "\r";

/** The CorruptInputError offset of `src` under StdEncoding, or undefined when it decodes. */
export function base64ErrorOffset(src: string): number | undefined {
  let si = 0;
  while (si < src.length) {
    const r = decodeQuantum(src, si);
    if (r.error !== undefined) return r.error;
    if (r.next === si) break;
    si = r.next;
  }
  return undefined;
}

/** Go's CorruptInputError.Error(). */
export function base64ErrorMessage(offset: number): string {
  return `illegal base64 data at input byte ${offset}`;
}

function decodeQuantum(src: string, start: number): { next: number; error?: number } {
  let si = start;
  for (let j = 0; j < 4; j++) {
    if (si === src.length) {
      if (j === 0) return { next: si };
      return { next: si, error: si - j }; // padding is required: a short final quantum is corrupt
    }
    const c = src[si++];
    if (ALPHABET.includes(c)) continue;
    if (isNewline(c)) {
      j--;
      continue;
    }
    if (c !== PAD) return { next: si, error: si - 1 };
    // Padding: only after 2 or 3 symbols.
    if (j === 0 || j === 1) return { next: si, error: si - 1 };
    if (j === 2) {
      while (si < src.length && isNewline(src[si])) si++;
      if (si === src.length) return { next: si, error: src.length };
      if (src[si] !== PAD) return { next: si, error: si - 1 };
      si++;
    }
    while (si < src.length && isNewline(src[si])) si++;
    if (si < src.length) return { next: si, error: si }; // trailing garbage after padding
    return { next: si };
  }
  return { next: si };
}

/** Decodes a string Go has accepted (Buffer's decoder agrees on valid input). */
export function decodeBase64(src: string): Buffer {
  return Buffer.from(src.replace(/[\r\n]/g, ""), "base64");
}
