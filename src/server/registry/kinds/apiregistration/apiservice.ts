// apiregistration.k8s.io/v1 APIService: defaults (SetDefaults_ServiceReference, port 443), validation
// (kube-aggregator pkg/apis/apiregistration/validation/validation.go ValidateAPIService) and Table columns
// (kube-aggregator pkg/registry/apiservice/etcd/etcd.go ConvertToTable). The local server answers every
// group itself, so its APIServices are the "Local" ones kube-apiserver's autoregister controller creates.
import { isDNS1035Label, isDNS1123Subdomain } from "../../../../meta/names.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asMaps, asString, isMap } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { invalid, notSupported, required } from "../../validation/field.ts";
import { isValidPortNum } from "../../validation/ports.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";

export function defaultAPIService(svc: KubeObject): void {
  const ref = asMap(svc.spec).service;
  if (isMap(ref)) ref.port ??= 443;
}

const CONDITION_STATUSES = ["True", "False", "Unknown"];

/** ValidateAPIServiceStatus: each condition's status is True, False or Unknown. */
function validateAPIServiceStatus(svc: KubeObject): FieldCause[] {
  return asMaps(asMap(svc.status).conditions).flatMap((c, i) =>
    CONDITION_STATUSES.includes(asString(c.status))
      ? []
      : [notSupported(`status.conditions[${i}].status`, asString(c.status), CONDITION_STATUSES)],
  );
}

export function validateAPIService(svc: KubeObject): FieldCause[] {
  const spec = asMap(svc.spec);
  const group = asString(spec.group);
  const version = asString(spec.version);
  const errs: FieldCause[] = [];
  const name = svc.metadata?.name ?? "";
  const requiredName = `${version}.${group}`;
  if (name && !name.includes("/") && !name.includes("%") && name !== requiredName)
    errs.push(invalid("metadata.name", name, `must be \`spec.version+"."+spec.group\`: "${requiredName}"`));
  if (!group && version !== "v1")
    errs.push(required("spec.group", "only v1 may have an empty group and it better be legacy kube"));
  if (group) for (const msg of isDNS1123Subdomain(group)) errs.push(invalid("spec.group", group, msg));
  for (const msg of isDNS1035Label(version)) errs.push(invalid("spec.version", version, msg));
  const gpm = typeof spec.groupPriorityMinimum === "number" ? spec.groupPriorityMinimum : 0;
  if (gpm <= 0 || gpm > 20000)
    errs.push(invalid("spec.groupPriorityMinimum", gpm, "must be positive and less than 20000"));
  const vp = typeof spec.versionPriority === "number" ? spec.versionPriority : 0;
  if (vp <= 0 || vp > 1000)
    errs.push(invalid("spec.versionPriority", vp, "must be positive and less than 1000"));
  const caBundle = asString(spec.caBundle);
  const skipVerify = spec.insecureSkipTLSVerify === true;
  if (!isMap(spec.service)) {
    if (caBundle)
      errs.push(
        invalid(
          "spec.caBundle",
          `${Buffer.from(caBundle, "base64").length} bytes`,
          "local APIServices may not have a caBundle",
        ),
      );
    if (skipVerify)
      errs.push(
        invalid("spec.insecureSkipTLSVerify", true, "local APIServices may not have insecureSkipTLSVerify"),
      );
    return errs;
  }
  const ref = spec.service;
  if (!asString(ref.namespace)) errs.push(required("spec.service.namespace"));
  if (!asString(ref.name)) errs.push(required("spec.service.name"));
  const port = typeof ref.port === "number" ? ref.port : 0;
  const portErrs = isValidPortNum(port);
  if (portErrs.length)
    errs.push(invalid("spec.service.port", port, `port is not valid: ${portErrs.join(", ")}`));
  if (skipVerify && caBundle)
    errs.push(invalid("spec.insecureSkipTLSVerify", true, "may not be true if caBundle is present"));
  return errs;
}

/** The Available column: True, or the status with its reason in parentheses. */
export function availability(svc: KubeObject): string {
  const conditions = Array.isArray(asMap(svc.status).conditions)
    ? (asMap(svc.status).conditions as unknown[])
    : [];
  const available = conditions.map(asMap).find((c) => c.type === "Available");
  if (!available) return "Unknown";
  const status = asString(available.status);
  const reason = asString(available.reason);
  return status !== "True" && reason ? `${status} (${reason})` : status;
}

export const apiService: ResourceDef = {
  group: "apiregistration.k8s.io",
  version: "v1",
  resource: "apiservices",
  singular: "apiservice",
  kind: "APIService",
  listKind: "APIServiceList",
  namespaced: false,
  categories: ["api-extensions"],
  verbs: CRUD,
  subresources: [{ name: "status", kind: "APIService", verbs: GET_PATCH_UPDATE }],
  defaults: defaultAPIService,
  generation: false, // kube-aggregator apiservice strategy.go never sets it
  validate: (o, _old, subresource) =>
    subresource === "status" ? validateAPIServiceStatus(o) : validateAPIService(o),
  printer: {
    columns: [
      NAME_COLUMN,
      column("Service", "string", "The reference to the service that hosts this API endpoint."),
      column("Available", "string", "Whether this service is available."),
      AGE_COLUMN,
    ],
    cells: (obj, now) => {
      const ref = asMap(obj.spec).service;
      const service = isMap(ref) ? `${asString(ref.namespace)}/${asString(ref.name)}` : "Local";
      return [nameOf(obj), service, availability(obj), age(obj, now)];
    },
  },
};
