// The captured kubectl request bodies (see capture.ts) and the JSON each stands for.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const FIXTURE_DIR = new URL("../../fixtures/protobuf/", import.meta.url).pathname;

export interface Fixture {
  /** "kubectl-1.32/role" */
  id: string;
  body: Buffer;
  /** The JSON object, as Go's encoding/json wrote it (nulls included). */
  expected: Record<string, unknown>;
}

export function fixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const version of readdirSync(FIXTURE_DIR).sort()) {
    for (const file of readdirSync(join(FIXTURE_DIR, version)).sort()) {
      if (!file.endsWith(".bin")) continue;
      const base = join(FIXTURE_DIR, version, file.slice(0, -4));
      out.push({
        id: `${version}/${file.slice(0, -4)}`,
        body: readFileSync(`${base}.bin`),
        expected: JSON.parse(readFileSync(`${base}.json`, "utf8")),
      });
    }
  }
  return out;
}

/**
 * Go writes zero metav1.Time and nil slices/pointers without omitempty as null; the decoder omits
 * them instead (null and absent mean the same in a create or update body).
 */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}
