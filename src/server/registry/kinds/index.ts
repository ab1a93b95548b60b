// Every kind served, one module each (registry/kinds/<group>/<kind>.ts). Order is discovery order
// within a group. Kinds not yet moved here are still listed in ../resources.ts (being migrated).
import type { ResourceDef } from "../types.ts";
import { horizontalPodAutoscaler } from "./autoscaling/horizontalpodautoscaler.ts";
import { horizontalPodAutoscalerV1 } from "./autoscaling/horizontalpodautoscaler-v1.ts";
import { lease } from "./coordination/lease.ts";
import { limitRange } from "./core/limitrange.ts";
import { persistentVolume } from "./core/persistentvolume.ts";
import { persistentVolumeClaim } from "./core/persistentvolumeclaim.ts";
import { podTemplate } from "./core/podtemplate.ts";
import { replicationController } from "./core/replicationcontroller.ts";
import { resourceQuota } from "./core/resourcequota.ts";
import { podDisruptionBudget } from "./policy/poddisruptionbudget.ts";

export const KINDS: readonly ResourceDef[] = [
  lease,
  ...[limitRange, persistentVolumeClaim, persistentVolume, podTemplate, replicationController, resourceQuota],
  ...[horizontalPodAutoscaler, horizontalPodAutoscalerV1],
  podDisruptionBudget,
];
