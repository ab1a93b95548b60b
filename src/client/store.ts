// The informer's cache: objects by namespace/name, indexed by namespace and by label so the common
// questions ("pods in ns X", "pods with app=web") are answered without scanning. Each index is built on its
// first question and kept up to date from then on: most apps never ask, and at 150,000 Pods the label index
// alone is ~15 MB of sets.
import type { ApiObject } from "./watch.ts";
import { objectKey } from "./watch.ts";

export class Store<T extends ApiObject> {
  readonly #objects = new Map<string, T>();
  #byNamespace: Map<string, Set<string>> | undefined;
  /** label key → label value → object keys */
  #byLabel: Map<string, Map<string, Set<string>>> | undefined;

  get size(): number {
    return this.#objects.size;
  }

  /** A namespaced object; for cluster-scoped objects pass "" or undefined as the namespace. */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.#objects.get(namespace ? `${namespace}/${name}` : name);
  }

  /** By "namespace/name" (or "name" when cluster-scoped). */
  getByKey(key: string): T | undefined {
    return this.#objects.get(key);
  }

  list(): T[] {
    return [...this.#objects.values()];
  }

  keys(): string[] {
    return [...this.#objects.keys()];
  }

  byNamespace(namespace: string): T[] {
    if (!this.#byNamespace) {
      this.#byNamespace = new Map();
      for (const [key, object] of this.#objects) this.#indexNamespace(key, object);
    }
    return this.#collect(this.#byNamespace.get(namespace));
  }

  byLabel(key: string, value: string): T[] {
    if (!this.#byLabel) {
      this.#byLabel = new Map();
      for (const [objectKey, object] of this.#objects) this.#indexLabels(objectKey, object);
    }
    return this.#collect(this.#byLabel.get(key)?.get(value));
  }

  /** Inserts or replaces; returns the previous version. `key`: objectKey(object), when the caller has it. */
  set(object: T, key = objectKey(object)): T | undefined {
    const previous = this.#objects.get(key);
    if (previous) this.#unindex(key, previous);
    this.#objects.set(key, object);
    this.#indexNamespace(key, object);
    this.#indexLabels(key, object);
    return previous;
  }

  /** Removes by the object's key; returns what was stored. */
  delete(object: ApiObject): T | undefined {
    const key = objectKey(object);
    const previous = this.#objects.get(key);
    if (!previous) return undefined;
    this.#unindex(key, previous);
    this.#objects.delete(key);
    return previous;
  }

  clear(): void {
    this.#objects.clear();
    this.#byNamespace = undefined;
    this.#byLabel = undefined;
  }

  #collect(keys: Set<string> | undefined): T[] {
    if (!keys) return [];
    const out: T[] = [];
    for (const key of keys) {
      const object = this.#objects.get(key);
      if (object) out.push(object);
    }
    return out;
  }

  #indexNamespace(key: string, object: T): void {
    if (this.#byNamespace) addTo(this.#byNamespace, object.metadata?.namespace ?? "", key);
  }

  #indexLabels(key: string, object: T): void {
    const byLabel = this.#byLabel;
    if (!byLabel) return;
    for (const [label, value] of Object.entries(object.metadata?.labels ?? {})) {
      let values = byLabel.get(label);
      if (!values) {
        values = new Map();
        byLabel.set(label, values);
      }
      addTo(values, value, key);
    }
  }

  #unindex(key: string, object: T): void {
    if (this.#byNamespace) removeFrom(this.#byNamespace, object.metadata?.namespace ?? "", key);
    const byLabel = this.#byLabel;
    if (!byLabel) return;
    for (const [label, value] of Object.entries(object.metadata?.labels ?? {})) {
      const values = byLabel.get(label);
      if (!values) continue;
      removeFrom(values, value, key);
      if (values.size === 0) byLabel.delete(label);
    }
  }
}

function addTo(index: Map<string, Set<string>>, bucket: string, key: string): void {
  let keys = index.get(bucket);
  if (!keys) {
    keys = new Set();
    index.set(bucket, keys);
  }
  keys.add(key);
}

function removeFrom(index: Map<string, Set<string>>, bucket: string, key: string): void {
  const keys = index.get(bucket);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(bucket);
}
