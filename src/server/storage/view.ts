// A resource stored as another, as kube-apiserver's storage codec serves one stored kind in several group
// versions (ResourceDef.storage: events.k8s.io/v1 Events are core/v1 Events, autoscaling/v1 HPAs are stored
// autoscaling/v2). Reads convert each stored entry into the view's form; writes convert into the stored
// form. Keys, resourceVersions and watch order are the stored resource's own.
import type { KubeObject, StoredObject } from "../../meta/types.ts";
import type { Entry, ResourceIndexer, StoreEvent } from "./entry.ts";
import { makeEntry, serialize } from "./entry.ts";

export interface ViewDefinition {
  /** The storage key the objects really live under ("events"). */
  target: string;
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: StoredObject): KubeObject;
  /** Field selector values, computed on the view's form. */
  indexer: ResourceIndexer;
}

export class StorageView {
  readonly resource: string;
  readonly def: ViewDefinition;

  constructor(resource: string, def: ViewDefinition) {
    this.resource = resource;
    this.def = def;
  }

  get target(): string {
    return this.def.target;
  }

  /** The stored entry as the view shows it (same rv and uid; the view's own fields for selectors). */
  entry(stored: Entry): Entry {
    const obj = this.def.fromStorage(stored.object());
    const s = serialize(obj, stored.rv, stored.uid);
    return makeEntry(
      this.resource,
      stored.namespace,
      s.object,
      stored.rv,
      s.json,
      s.rvAt,
      this.def.indexer.fields(s.object),
    );
  }

  event(ev: StoreEvent): StoreEvent {
    return { ...ev, entry: this.entry(ev.entry), ...(ev.prev ? { prev: this.entry(ev.prev) } : {}) };
  }

  toStorage(obj: KubeObject): KubeObject {
    return this.def.toStorage(obj);
  }
}
