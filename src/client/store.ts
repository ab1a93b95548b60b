// The informer's cache: objects by namespace, then name, so "pods in ns X" needs no index and no object
// costs a "namespace/name" key string (at 150,000 Pods, ~5 MB). The label index ("pods with app=web") is
// built on its first question and kept up to date from then on: most apps never ask, and at 150,000 Pods
// it is ~15 MB of sets.
import type { ApiObject } from "./watch.ts";

export class Store<T extends ApiObject> {
  /** namespace ("" when cluster-scoped) → name → object */
  readonly #objects = new Map<string, Map<string, T>>();
  #size = 0;
  /** label key → label value → objects */
  #byLabel: Map<string, Map<string, Set<T>>> | undefined;

  get size(): number {
    return this.#size;
  }

  /** A namespaced object; for cluster-scoped objects pass "" or undefined as the namespace. */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.#objects.get(namespace ?? "")?.get(name);
  }

  /** By "namespace/name" (or "name" when cluster-scoped). */
  getByKey(key: string): T | undefined {
    const slash = key.indexOf("/");
    return slash < 0 ? this.get("", key) : this.get(key.slice(0, slash), key.slice(slash + 1));
  }

  list(): T[] {
    const out: T[] = [];
    for (const names of this.#objects.values()) for (const object of names.values()) out.push(object);
    return out;
  }

  keys(): string[] {
    const out: string[] = [];
    for (const [namespace, names] of this.#objects)
      for (const name of names.keys()) out.push(namespace ? `${namespace}/${name}` : name);
    return out;
  }

  byNamespace(namespace: string): T[] {
    return [...(this.#objects.get(namespace)?.values() ?? [])];
  }

  byLabel(key: string, value: string): T[] {
    if (!this.#byLabel) {
      this.#byLabel = new Map();
      for (const names of this.#objects.values()) for (const object of names.values()) this.#index(object);
    }
    return [...(this.#byLabel.get(key)?.get(value) ?? [])];
  }

  /** Inserts or replaces (by the object's namespace and name); returns the previous version. */
  set(object: T): T | undefined {
    const meta = object.metadata ?? {};
    const namespace = meta.namespace ?? "";
    let names = this.#objects.get(namespace);
    if (!names) {
      names = new Map();
      this.#objects.set(namespace, names);
    }
    const name = meta.name ?? "";
    const previous = names.get(name);
    if (previous) this.#unindex(previous);
    else this.#size++;
    names.set(name, object);
    this.#index(object);
    return previous;
  }

  /** Removes by the object's namespace and name; returns what was stored. */
  delete(object: ApiObject): T | undefined {
    const meta = object.metadata ?? {};
    const namespace = meta.namespace ?? "";
    const names = this.#objects.get(namespace);
    const previous = names?.get(meta.name ?? "");
    if (!names || !previous) return undefined;
    this.#unindex(previous);
    names.delete(meta.name ?? "");
    if (names.size === 0) this.#objects.delete(namespace);
    this.#size--;
    return previous;
  }

  clear(): void {
    this.#objects.clear();
    this.#size = 0;
    this.#byLabel = undefined;
  }

  #index(object: T): void {
    const byLabel = this.#byLabel;
    if (!byLabel) return;
    for (const [label, value] of Object.entries(object.metadata?.labels ?? {})) {
      let values = byLabel.get(label);
      if (!values) {
        values = new Map();
        byLabel.set(label, values);
      }
      let objects = values.get(value);
      if (!objects) {
        objects = new Set();
        values.set(value, objects);
      }
      objects.add(object);
    }
  }

  #unindex(object: T): void {
    const byLabel = this.#byLabel;
    if (!byLabel) return;
    for (const [label, value] of Object.entries(object.metadata?.labels ?? {})) {
      const values = byLabel.get(label);
      const objects = values?.get(value);
      if (!values || !objects) continue;
      objects.delete(object);
      if (objects.size === 0) values.delete(value);
      if (values.size === 0) byLabel.delete(label);
    }
  }
}
