// Memoised pure parses of short strings: the same quantities and timestamps recur within an object and across
// writes (every container's requests, a Pod's conditions), and each write decodes, defaults and validates them.

/** `fn` (pure) memoised per string: short strings only (≤ 64 characters), at most `max`, cleared when full. */
export function memoised<T>(fn: (s: string) => T, max = 4096): (s: string) => T {
  const cache = new Map<string, T>();
  return (s) => {
    if (s.length > 64) return fn(s);
    const hit = cache.get(s);
    if (hit !== undefined || cache.has(s)) return hit as T;
    const result = fn(s);
    if (cache.size >= max) cache.clear();
    cache.set(s, result);
    return result;
  };
}
