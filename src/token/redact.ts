import { createHash } from "node:crypto";

/**
 * A printable stand-in for a token: `eyJ…(redacted, sha256:1a2b3c4d)`.
 * The hash prefix lets two log lines be compared without revealing the token; only the
 * well-known JWT prefix "eyJ" (base64 of `{"`) is ever shown.
 */
export function redactToken(token: string): string {
  const trimmed = token.trim();
  if (trimmed === "") return "(empty token)";
  const prefix = trimmed.startsWith("eyJ") ? "eyJ" : "";
  return `${prefix}…(redacted, sha256:${tokenFingerprint(trimmed)})`;
}

/** First 8 hex digits of the SHA-256 of the trimmed token. */
export function tokenFingerprint(token: string): string {
  return createHash("sha256").update(token.trim()).digest("hex").slice(0, 8);
}
