// The informer's cache: objects by namespace/name, indexed by namespace and by label so the common
// questions ("pods in ns X", "pods with app=web") are answered without scanning.
import type { ApiObject } from "./watch.ts";
import { objectKey } from "./watch.ts";

export class Store<T extends ApiObject> {
  readonly #objects = new Map<string, T>();
  readonly #byNamespace = new Map<string, Set<string>>();
  /** label key → label value → object keys */
  readonly #byLabel = new Map<string, Map<string, Set<string>>>();

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
    return this.#collect(this.#byNamespace.get(namespace));
  }

  byLabel(key: string, value: string): T[] {
    return this.#collect(this.#byLabel.get(key)?.get(value));
  }

  /** Inserts or replaces; returns the previous version. */
  set(object: T): T | undefined {
    const key = objectKey(object);
    const previous = this.#objects.get(key);
    if (previous) this.#unindex(key, previous);
    this.#objects.set(key, object);
    this.#index(key, object);
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
    this.#byNamespace.clear();
    this.#byLabel.clear();
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

  #index(key: string, object: T): void {
    const namespace = object.metadata?.namespace ?? "";
    addTo(this.#byNamespace, namespace, key);
    for (const [label, value] of Object.entries(object.metadata?.labels ?? {})) {
      let values = this.#byLabel.get(label);
      if (!values) {
        values = new Map();
        this.#byLabel.set(label, values);
      }
      addTo(values, value, key);
    }
  }

  #unindex(key: string, object: T): void {
    removeFrom(this.#byNamespace, object.metadata?.namespace ?? "", key);
    for (const [label, value] of Object.entries(object.metadata?.labels ?? {})) {
      const values = this.#byLabel.get(label);
      if (!values) continue;
      removeFrom(values, value, key);
      if (values.size === 0) this.#byLabel.delete(label);
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
