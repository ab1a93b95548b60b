import { randomInt } from "node:crypto";

// apimachinery's SimpleNameGenerator alphabet: no vowels (no accidental words) and no look-alikes.
const ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function randomSuffix(length = 5): string {
  let s = "";
  for (let i = 0; i < length; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** generateName + 5 random chars, truncating the base so the result fits 63 characters. */
export function generateName(base: string): string {
  const max = 63 - 5;
  return (base.length > max ? base.slice(0, max) : base) + randomSuffix();
}
