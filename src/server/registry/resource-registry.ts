// The served resources, indexed for routing and discovery.
import { discoveryOrder } from "./kinds/apiregistration/priorities.ts";
import { RESOURCES } from "./resources.ts";
import type { ResourceDef } from "./types.ts";

/** Lookup tables built once. */
export class ResourceRegistry {
  readonly defs: ResourceDef[];
  private readonly byPath = new Map<string, ResourceDef>();

  constructor(defs: ResourceDef[] = RESOURCES) {
    this.defs = defs;
    for (const d of defs) this.byPath.set(`${d.group}/${d.version}/${d.resource}`, d);
  }

  find(group: string, version: string, resource: string): ResourceDef | undefined {
    return this.byPath.get(`${group}/${version}/${resource}`);
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
