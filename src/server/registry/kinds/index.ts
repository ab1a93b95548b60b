// Every kind served, one module each (registry/kinds/<group>/<kind>.ts). Order is discovery order
// within a group. Kinds not yet moved here are still listed in ../resources.ts (being migrated).
import type { ResourceDef } from "../types.ts";
import { apiService } from "./apiregistration/apiservice.ts";
import { certificateSigningRequest } from "./certificates/certificatesigningrequest.ts";
import { lease } from "./coordination/lease.ts";
import { eventsV1Event } from "./events/event.ts";
import { ingress } from "./networking/ingress.ts";
import { ingressClass } from "./networking/ingressclass.ts";
import { networkPolicy } from "./networking/networkpolicy.ts";
import { runtimeClass } from "./node/runtimeclass.ts";
import { priorityClass } from "./scheduling/priorityclass.ts";
import { csiDriver } from "./storage/csidriver.ts";
import { csiNode } from "./storage/csinode.ts";
import { storageClass } from "./storage/storageclass.ts";
import { volumeAttachment } from "./storage/volumeattachment.ts";

export const KINDS: readonly ResourceDef[] = [
  lease,
  apiService,
  certificateSigningRequest,
  eventsV1Event,
  ingressClass,
  ingress,
  networkPolicy,
  runtimeClass,
  priorityClass,
  csiDriver,
  csiNode,
  storageClass,
  volumeAttachment,
];
