export type { DecodedToken, TokenHeader } from "./decode.ts";
export { decodeToken, LEGACY_ISSUER, TokenDecodeError } from "./decode.ts";
export { describeToken, expiresIn, formatDuration } from "./describe.ts";
export { redactToken, tokenFingerprint } from "./redact.ts";
