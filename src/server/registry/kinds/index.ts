// Every kind served, one module each (registry/kinds/<group>/<kind>.ts). Order is discovery order
// within a group. Kinds not yet moved here are still listed in ../resources.ts (being migrated).
import type { ResourceDef } from "../types.ts";
import { customResourceDefinition } from "./apiextensions/customresourcedefinition.ts";
import { lease } from "./coordination/lease.ts";

export const KINDS: readonly ResourceDef[] = [lease, customResourceDefinition];
