// Storage keys are etcd's keys minus the "/registry/<resource>/" prefix: "<namespace>/<name>" for namespaced
// resources, "<name>" for cluster-scoped ones. Lists come out in plain string order of these keys, exactly as
// etcd orders them (so namespace "a-b" sorts before "a", because '-' < '/').

export function objectKey(namespaced: boolean, namespace: string, name: string): string {
  return namespaced ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0
    ? { namespace: "", name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Half-open key range [from, to) holding exactly one namespace's objects ('0' is the character after '/'). */
export function namespaceBounds(namespace: string): { from: string; to: string } {
  return { from: `${namespace}/`, to: `${namespace}0` };
}

/** First index whose key is >= key. */
export function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose key is > key. */
export function upperBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts a key known to be absent; appending in order (bulk loads) stays O(1). */
export function insertSorted(keys: string[], key: string): void {
  const n = keys.length;
  if (n === 0 || keys[n - 1] < key) keys.push(key);
  else keys.splice(lowerBound(keys, key), 0, key);
}

export function removeSorted(keys: string[], key: string): void {
  const i = lowerBound(keys, key);
  if (keys[i] === key) keys.splice(i, 1);
}
