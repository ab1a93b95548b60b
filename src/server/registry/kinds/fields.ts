// Selectable fields (field selectors beyond metadata.name/namespace) as extractors over the stored object.
import type { KubeObject } from "../../../meta/types.ts";

/** Reads a dotted path ("spec.nodeName") from an object as a string ("" when absent). */
export function fieldPath(path: string): (obj: KubeObject) => string {
  const parts = path.split(".");
  return (obj) => {
    let cur: unknown = obj;
    for (const p of parts) {
      if (cur === null || typeof cur !== "object") return "";
      cur = (cur as Record<string, unknown>)[p];
    }
    return cur === undefined || cur === null ? "" : String(cur);
  };
}

/** selectableFields for the given dotted paths. */
export function fields(...paths: string[]): Record<string, (obj: KubeObject) => string> {
  return Object.fromEntries(paths.map((p) => [p, fieldPath(p)]));
}
