// Go-style durations for flags (`--every 10s`, `1m30s`, `500ms`), as kubectl's --request-timeout takes them.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds; throws a message fit for a usage error. A bare number means seconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== trimmed) {
    throw new Error(`invalid duration ${JSON.stringify(text)}: use e.g. 10s, 1m30s, 500ms`);
  }
  return Math.round(parts.reduce((sum, [, value, unit]) => sum + Number(value) * UNIT_MS[unit], 0));
}
