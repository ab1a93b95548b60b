// One copy of each repeated string in a list page. JSON.parse gives every string value its own copy, so a
// cache of 150,000 Pods holds 150,000 copies of "team-7", of each ReplicaSet's name and uid, of label values
// and timestamps. Objects of one page share them (a page lists neighbours by namespace/name: the Pods of one
// ReplicaSet are side by side). The table lives for one page only, so unique strings (names, uids) cost
// nothing once the page is done, and nothing accumulates over a long-running watch.
const MAX_SHARED_LENGTH = 128;

/** Replaces, in place, every string value under `values` by the first equal one met. */
export function shareRepeatedStrings(values: unknown[]): void {
  const table = new Map<string, string>();
  const share = (value: string): string => {
    if (value.length > MAX_SHARED_LENGTH) return value;
    const known = table.get(value);
    if (known !== undefined) return known;
    table.set(value, value);
    return value;
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item = node[i];
        if (typeof item === "string") node[i] = share(item);
        else if (item !== null && typeof item === "object") visit(item);
      }
      return;
    }
    const object = node as Record<string, unknown>;
    for (const key in object) {
      const item = object[key];
      if (typeof item === "string") object[key] = share(item);
      else if (item !== null && typeof item === "object") visit(item);
    }
  };
  visit(values);
}
