// Pure: the API server's version against the range this client is built and tested for.
import type { CheckResult, DoctorFacts } from "./types.ts";

/**
 * Minor versions of Kubernetes 1.x the client supports: SelfSubjectReview is v1beta1 from 1.27 (v1 from
 * 1.28), bound tokens and EndpointSlice v1 are older; newer servers work but are untested.
 */
export const SUPPORTED_MINOR = { min: 27, max: 35 } as const;

/** "33", "33+", "v1.33.0-gke.1" → 33. */
export function minorOf(facts: { minor?: string; gitVersion?: string }): number | undefined {
  const fromField = Number.parseInt(facts.minor ?? "", 10);
  if (Number.isFinite(fromField)) return fromField;
  const m = /^v?1\.(\d+)/.exec(facts.gitVersion ?? "");
  return m ? Number(m[1]) : undefined;
}

export function checkVersion(f: DoctorFacts): CheckResult {
  const v = f.version;
  const range = `1.${SUPPORTED_MINOR.min}–1.${SUPPORTED_MINOR.max}`;
  if (!v) return { id: "version", status: "skip", summary: "not asked (no connection)" };
  if (v.error) return { id: "version", status: "warn", summary: `cannot read /version (${v.error})` };
  const minor = minorOf(v);
  const shown = v.gitVersion ?? `${v.major}.${v.minor}`;
  if (v.major !== "1" || minor === undefined)
    return { id: "version", status: "warn", summary: `unrecognised server version ${shown}` };
  if (minor < SUPPORTED_MINOR.min) {
    return {
      id: "version",
      status: "warn",
      summary: `server ${shown} is older than the tested range ${range}`,
      details: [
        "The client falls back where older servers differ: identity from the token's claims without SelfSubjectReview, count() with a full-object probe where metadata-only lists lack remainingItemCount (before 1.24).",
      ],
      fix: ["Upgrade the cluster: Kubernetes releases before 1.27 no longer get upstream fixes."],
    };
  }
  if (minor > SUPPORTED_MINOR.max)
    return {
      id: "version",
      status: "warn",
      summary: `server ${shown} is newer than the tested range ${range}`,
    };
  return { id: "version", status: "ok", summary: `server ${shown} (client supports ${range})` };
}
