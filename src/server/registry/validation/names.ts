// Which name format (meta/names.ts; path segments from pkg/api/validate/content/path.go) each
// kind's metadata.name must follow (the ValidateXxxName functions of pkg/apis/*/validation).
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from "../../../meta/names.ts";
import { ipMessages } from "./ip.ts";

/** content.IsPathSegmentName / IsPathSegmentPrefix. */
export function isPathSegmentName(name: string, prefix: boolean): string[] {
  if (!prefix && (name === "." || name === "..")) return [`may not be '${name}'`];
  return ["/", "%"].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

export type NameValidator =
  | "dns1123Subdomain"
  | "dns1123Label"
  | "dns1035Label"
  | "path"
  | "qualifiedName"
  | "ip";

/** maskTrailingDash: a generateName prefix may end in "-" (a suffix follows). */
const maskTrailingDash = (name: string) =>
  name.length > 1 && name.endsWith("-") ? `${name.slice(0, -2)}a` : name;

/** ValidateNameFunc: error strings for `name` (a generateName prefix when `prefix`). */
export function validateName(validator: NameValidator, name: string, prefix: boolean): string[] {
  switch (validator) {
    case "dns1123Label":
      return isDNS1123Label(prefix ? maskTrailingDash(name) : name);
    case "dns1035Label":
      return isDNS1035Label(prefix ? maskTrailingDash(name) : name);
    case "path":
      return isPathSegmentName(name, prefix);
    case "qualifiedName":
      return isQualifiedName(name);
    case "ip":
      return ipMessages(name); // ValidateIPAddressName: IPAddress names are IPs in canonical form
    default:
      return isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
  }
}

// Kinds whose names are not DNS subdomains (everything else upstream uses NameIsDNSSubdomain).
const NAME_VALIDATORS: Record<string, NameValidator> = {
  Namespace: "dns1123Label",
  Service: "dns1035Label",
  StatefulSet: "dns1123Label", // ValidateStatefulSetName: Pod hostnames derive from it
  Role: "path",
  ClusterRole: "path",
  RoleBinding: "path",
  ClusterRoleBinding: "path",
  CertificateSigningRequest: "path", // certificates ValidateCertificateRequestName
  APIService: "path", // kube-aggregator checks version.group on top (kinds/apiregistration)
  IPAddress: "ip",
  Event: "path", // core/v1 events skip ObjectMeta validation; only the generic path check applies
};

export function nameValidatorFor(kind: string | undefined): NameValidator {
  return (kind && NAME_VALIDATORS[kind]) || "dns1123Subdomain";
}
