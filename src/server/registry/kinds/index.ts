// Every kind served, one module each (registry/kinds/<group>/<kind>.ts). Order is discovery order
// within a group. Kinds not yet moved here are still listed in ../resources.ts (being migrated).
import type { ResourceDef } from "../types.ts";
import { controllerRevision } from "./apps/controllerrevision.ts";
import { daemonSet } from "./apps/daemonset.ts";
import { statefulSet } from "./apps/statefulset.ts";
import { lease } from "./coordination/lease.ts";

export const KINDS: readonly ResourceDef[] = [controllerRevision, daemonSet, statefulSet, lease];
