// The served resources, indexed for routing and discovery. Built-in kinds are fixed at start; custom
// resources (src/server/crd) are added and removed while serving, and listeners (storage key spaces,
// the CRD controller's discovery refresh) hear of each change.
import { discoveryOrder } from "./kinds/apiregistration/priorities.ts";
import { RESOURCES } from "./resources.ts";
import type { ResourceDef } from "./types.ts";

export type RegistryListener = (change: { added: ResourceDef[]; removed: ResourceDef[] }) => void;

const pathOf = (d: Pick<ResourceDef, "group" | "version" | "resource">) =>
  `${d.group}/${d.version}/${d.resource}`;

export class ResourceRegistry {
  /** The served defs; replaced (never mutated) on each change, so memoized derivations (OpenAPI) rebuild. */
  defs: ResourceDef[];
  private readonly byPath = new Map<string, ResourceDef>();
  private readonly listeners = new Set<RegistryListener>();

  constructor(defs: ResourceDef[] = RESOURCES) {
    this.defs = [...defs];
    for (const d of defs) this.byPath.set(pathOf(d), d);
  }

  find(group: string, version: string, resource: string): ResourceDef | undefined {
    return this.byPath.get(`${group}/${version}/${resource}`);
  }

  /**
   * Serves `defs` (replacing any def at the same group/version/resource) and stops serving `removed`
   * (group/version/resource triples): one change, one notification.
   */
  update(defs: ResourceDef[], removed: Pick<ResourceDef, "group" | "version" | "resource">[] = []): void {
    const gone: ResourceDef[] = [];
    for (const r of removed) {
      const old = this.byPath.get(pathOf(r));
      if (old && !defs.some((d) => pathOf(d) === pathOf(r))) {
        this.byPath.delete(pathOf(r));
        gone.push(old);
      }
    }
    for (const d of defs) this.byPath.set(pathOf(d), d);
    const next = this.defs.filter((d) => this.byPath.get(pathOf(d)) === d);
    for (const d of defs) if (!next.includes(d)) next.push(d);
    this.defs = next;
    if (defs.length || gone.length) for (const l of this.listeners) l({ added: defs, removed: gone });
  }

  add(...defs: ResourceDef[]): void {
    this.update(defs);
  }

  remove(...defs: Pick<ResourceDef, "group" | "version" | "resource">[]): void {
    this.update([], defs);
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  onChange(listener: RegistryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Group → versions served, in kube-apiserver's discovery order (core first; kinds/apiregistration/priorities.ts). */
  groups(): { group: string; versions: string[] }[] {
    const out = new Map<string, Set<string>>();
    for (const d of this.defs) {
      if (!out.has(d.group)) out.set(d.group, new Set());
      out.get(d.group)!.add(d.version);
    }
    return discoveryOrder([...out].map(([group, versions]) => ({ group, versions: [...versions] })));
  }

  inGroupVersion(group: string, version: string): ResourceDef[] {
    return this.defs.filter((d) => d.group === group && d.version === version);
  }
}
