// admission.Attributes as webhooks and policies see them (k8s.io/apiserver pkg/admission/attributes.go),
// derived from an AdmissionRequest of the object write path.
import type { KubeObject, UserInfo } from "../../../meta/types.ts";
import type { Json } from "../../registry/json-access.ts";
import type { AdmissionRequest } from "../types.ts";

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface Attributes {
  operation: "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
  resource: GroupVersionResource;
  subresource: string;
  kind: GroupVersionKind;
  /** For a namespace itself, its own name except on create (the request info's namespace), as upstream. */
  namespace: string;
  name: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  user: UserInfo;
  dryRun: boolean;
  options?: Json;
}

const isNamespaces = (r: GroupVersionResource) => r.group === "" && r.resource === "namespaces";

/** The request's kind: a CONNECT carries its options' kind (ExecREST.New() is a PodExecOptions). */
function kindOf(req: AdmissionRequest): GroupVersionKind {
  const { def } = req;
  const sub =
    req.operation === "CONNECT" ? def.subresources?.find((s) => s.name === req.subresource) : undefined;
  if (sub) return { group: sub.group ?? def.group, version: sub.version ?? def.version, kind: sub.kind };
  return { group: def.group, version: def.version, kind: def.kind };
}

export function attributesOf(req: AdmissionRequest): Attributes {
  const { def } = req;
  const resource = { group: def.group, version: def.version, resource: def.resource };
  return {
    operation: req.operation,
    resource,
    subresource: req.subresource,
    kind: kindOf(req),
    // The request info's namespace: a namespace's own name on its item paths, none on create (POST).
    namespace: isNamespaces(resource) ? (req.operation === "CREATE" ? "" : req.name) : req.namespace,
    name: req.name,
    object: req.object,
    oldObject: req.oldObject,
    user: req.user,
    dryRun: req.dryRun ?? false,
    options: req.options,
  };
}

/** Namespaced in the sense of rules' scope: not a namespace itself and inside one. */
export function isNamespacedRequest(a: Attributes): boolean {
  return !isNamespaces(a.resource) && a.namespace !== "";
}

export { isNamespaces };

const CONFIGURATION_KINDS = new Set([
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "MutatingAdmissionPolicy",
  "MutatingAdmissionPolicyBinding",
]);

/** rules.IsExemptAdmissionConfigurationResource: webhooks and policies never see their own configuration. */
export function isExemptConfigurationResource(a: Attributes): boolean {
  return a.kind.group === "admissionregistration.k8s.io" && CONFIGURATION_KINDS.has(a.kind.kind);
}
