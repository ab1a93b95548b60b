// admissionregistration.k8s.io/v1 MutatingWebhookConfiguration: defaults (SetDefaults_MutatingWebhook,
// kubernetes pkg/apis/admissionregistration/v1/defaults.go), validation (ValidateMutatingWebhookConfiguration,
// pkg/apis/admissionregistration/validation/validation.go) and Table columns (printMutatingWebhook,
// pkg/printers/internalversion/printers.go). Dispatch is src/server/admission/webhook/.
import { asMaps, type Json } from "../../json-access.ts";
import type { ResourceDef } from "../../types.ts";
import { CRUD } from "../verbs.ts";
import { defaultWebhook, validateWebhookConfiguration, WEBHOOKS_PRINTER } from "./common.ts";

export const mutatingWebhookConfiguration: ResourceDef = {
  group: "admissionregistration.k8s.io",
  version: "v1",
  resource: "mutatingwebhookconfigurations",
  singular: "mutatingwebhookconfiguration",
  kind: "MutatingWebhookConfiguration",
  listKind: "MutatingWebhookConfigurationList",
  namespaced: false,
  categories: ["api-extensions"],
  verbs: CRUD,
  defaults: (obj) => {
    for (const hook of asMaps(obj.webhooks)) defaultWebhook(hook, true);
  },
  validate: (obj) => validateWebhookConfiguration(obj as Json, true),
  printer: WEBHOOKS_PRINTER,
};
