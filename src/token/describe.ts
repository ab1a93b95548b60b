import type { DecodedToken } from "./decode.ts";

/** Milliseconds until the token expires (negative once expired); undefined when it has no `exp`. */
export function expiresIn(decoded: DecodedToken, now: Date = new Date()): number | undefined {
  return decoded.expiresAt ? decoded.expiresAt.getTime() - now.getTime() : undefined;
}

const FORMAT_LABEL: Record<DecodedToken["format"], string> = {
  bound: "bound (TokenRequest / projected volume)",
  legacy: "legacy (Secret-based, never expires)",
  other: "not a Kubernetes ServiceAccount token",
};

/** A multi-line human summary. It holds claims only: never the token or its signature. */
export function describeToken(decoded: DecodedToken, now: Date = new Date()): string {
  const rows: [string, string | undefined][] = [
    ["Format", FORMAT_LABEL[decoded.format]],
    ["Username", decoded.username],
    [
      "ServiceAccount",
      decoded.serviceAccount &&
        withUid(
          `${decoded.serviceAccount.namespace}/${decoded.serviceAccount.name}`,
          decoded.serviceAccount.uid,
        ),
    ],
    ["Subject", decoded.username === decoded.subject ? undefined : decoded.subject],
    ["Issuer", decoded.issuer],
    ["Audiences", decoded.audiences.length > 0 ? decoded.audiences.join(", ") : undefined],
    ["Issued at", decoded.issuedAt && dateAndDistance(decoded.issuedAt, now)],
    ["Not before", notBeforeLine(decoded, now)],
    ["Expires at", expiryLine(decoded, now)],
    ["Warn after", decoded.warnAfter && dateAndDistance(decoded.warnAfter, now)],
    ["Bound to Pod", decoded.pod && withUid(decoded.pod.name, decoded.pod.uid)],
    ["Node", decoded.node && withUid(decoded.node.name, decoded.node.uid)],
    [
      decoded.format === "legacy" ? "Secret" : "Bound to Secret",
      decoded.secret && withUid(decoded.secret.name, decoded.secret.uid),
    ],
    ["Key ID", `${decoded.header.kid ?? "(none)"} (alg ${decoded.header.alg})`],
    ["Token ID (jti)", decoded.jti],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const lines = rows
    .filter((row): row is [string, string] => row[1] !== undefined)
    .map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`);
  return [...lines, ...notes(decoded, now)].join("\n");
}

function expiryLine(decoded: DecodedToken, now: Date): string {
  if (!decoded.expiresAt) return "never (no exp claim)";
  const left = decoded.expiresAt.getTime() - now.getTime();
  return left <= 0
    ? `${decoded.expiresAt.toISOString()} (EXPIRED ${formatDuration(-left)} ago)`
    : dateAndDistance(decoded.expiresAt, now);
}

// iat and nbf are equal for tokens the API server issues; only show nbf when it tells something.
function notBeforeLine(decoded: DecodedToken, now: Date): string | undefined {
  if (!decoded.notBefore || decoded.notBefore.getTime() === decoded.issuedAt?.getTime()) return undefined;
  return dateAndDistance(decoded.notBefore, now);
}

function notes(decoded: DecodedToken, now: Date): string[] {
  const out: string[] = [];
  if (decoded.format === "legacy") {
    out.push(
      "Note: legacy Secret-based tokens never expire and are being phased out; prefer a projected token.",
    );
  }
  if (decoded.notBefore && decoded.notBefore.getTime() > now.getTime()) {
    out.push("Note: the token is not valid yet (nbf is in the future); check the clock.");
  }
  if (decoded.warnAfter && decoded.warnAfter.getTime() <= now.getTime()) {
    out.push(
      "Note: past warnafter: the API server records this token as stale; the client should re-read it.",
    );
  }
  return out;
}

function withUid(name: string, uid: string | undefined): string {
  return uid ? `${name} (uid ${uid})` : name;
}

function dateAndDistance(date: Date, now: Date): string {
  const delta = date.getTime() - now.getTime();
  const distance = delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
  return `${date.toISOString()} (${distance})`;
}

/** "2d 3h", "55m 10s", "42s": the largest unit, plus the next one when it is non-zero. */
export function formatDuration(ms: number): string {
  let seconds = Math.floor(Math.abs(ms) / 1000);
  const units: [string, number][] = [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ];
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const count = Math.floor(seconds / size);
    seconds -= count * size;
    if (count > 0 && parts.length < 2) parts.push(`${count}${unit}`);
    else if (parts.length > 0) break;
  }
  return parts.length > 0 ? parts.join(" ") : "0s";
}
