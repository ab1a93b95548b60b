// Every kind served, one module each (registry/kinds/<group>/<kind>.ts). Order is discovery order
// within a group. Kinds not yet moved here are still listed in ../resources.ts (being migrated).
import type { ResourceDef } from "../types.ts";
import { mutatingWebhookConfiguration } from "./admissionregistration/mutatingwebhookconfiguration.ts";
import { validatingAdmissionPolicy } from "./admissionregistration/validatingadmissionpolicy.ts";
import { validatingAdmissionPolicyBinding } from "./admissionregistration/validatingadmissionpolicybinding.ts";
import { validatingWebhookConfiguration } from "./admissionregistration/validatingwebhookconfiguration.ts";
import { lease } from "./coordination/lease.ts";

export const KINDS: readonly ResourceDef[] = [
  lease,
  mutatingWebhookConfiguration,
  validatingAdmissionPolicy,
  validatingAdmissionPolicyBinding,
  validatingWebhookConfiguration,
];
