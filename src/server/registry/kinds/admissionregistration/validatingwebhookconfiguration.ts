// admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration: defaults (SetDefaults_ValidatingWebhook,
// kubernetes pkg/apis/admissionregistration/v1/defaults.go), validation (ValidateValidatingWebhookConfiguration,
// pkg/apis/admissionregistration/validation/validation.go) and Table columns (printValidatingWebhook,
// pkg/printers/internalversion/printers.go). Dispatch is src/server/admission/webhook/.
import { asMaps, type Json } from "../../json-access.ts";
import type { ResourceDef } from "../../types.ts";
import { CRUD } from "../verbs.ts";
import { defaultWebhook, validateWebhookConfiguration, WEBHOOKS_PRINTER } from "./common.ts";

export const validatingWebhookConfiguration: ResourceDef = {
  group: "admissionregistration.k8s.io",
  version: "v1",
  resource: "validatingwebhookconfigurations",
  singular: "validatingwebhookconfiguration",
  kind: "ValidatingWebhookConfiguration",
  listKind: "ValidatingWebhookConfigurationList",
  namespaced: false,
  categories: ["api-extensions"],
  verbs: CRUD,
  defaults: (obj) => {
    for (const hook of asMaps(obj.webhooks)) defaultWebhook(hook, false);
  },
  validate: (obj) => validateWebhookConfiguration(obj as Json, false),
  printer: WEBHOOKS_PRINTER,
};
