// The served resources, as data: the kind modules (kinds/index.ts). Discovery, routing, storage key
// spaces, field selectors, defaulting, validation, Table output and OpenAPI all derive from it.
import { KINDS } from "./kinds/index.ts";
import type { ResourceDef } from "./types.ts";

export const RESOURCES: ResourceDef[] = [...KINDS];
