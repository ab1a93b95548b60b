// Name formats (apimachinery pkg/util/validation and pkg/api/validate/content/path.go) and which one each
// kind's metadata.name must follow (the ValidateXxxName functions of pkg/apis/*/validation).
import { validateQualifiedName } from "../../../meta/labels.ts";

const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
const anchored = (fmt: string) => new RegExp(`^${fmt}$`);
const DNS1123_LABEL = anchored(DNS1123_LABEL_FMT);
const DNS1123_SUBDOMAIN = anchored(DNS1123_SUBDOMAIN_FMT);
const DNS1035_LABEL = anchored(DNS1035_LABEL_FMT);

export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(" or ")}regex used for validation is '${fmt}')`;
}

/** util/validation.MaxLenError (object names say characters; label keys/values use content's "bytes"). */
const maxLenError = (n: number) => `must be no more than ${n} characters`;
/** Go's len(): bytes. */
const size = (s: string) => Buffer.byteLength(s);

export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (size(value) > 63) errs.push(maxLenError(63));
  if (!DNS1123_LABEL.test(value)) {
    // A valid subdomain that is not a label (length already reported) must contain dots.
    if (DNS1123_SUBDOMAIN.test(value)) errs.push("must not contain dots");
    else
      errs.push(
        regexError(
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
          DNS1123_LABEL_FMT,
          "my-name",
          "123-abc",
        ),
      );
  }
  return errs;
}

export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (size(value) > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        "example.com",
      ),
    );
  }
  return errs;
}

export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (size(value) > 63) errs.push(maxLenError(63));
  if (!DNS1035_LABEL.test(value)) {
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL_FMT,
        "my-name",
        "abc-123",
      ),
    );
  }
  return errs;
}

/** content.IsPathSegmentName / IsPathSegmentPrefix. */
export function isPathSegmentName(name: string, prefix: boolean): string[] {
  if (!prefix && (name === "." || name === "..")) return [`may not be '${name}'`];
  return ["/", "%"].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

export type NameValidator = "dns1123Subdomain" | "dns1123Label" | "dns1035Label" | "path" | "qualifiedName";

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
      return validateQualifiedName(name);
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
  Event: "path", // core/v1 events skip ObjectMeta validation; only the generic path check applies
};

export function nameValidatorFor(kind: string | undefined): NameValidator {
  return (kind && NAME_VALIDATORS[kind]) || "dns1123Subdomain";
}
