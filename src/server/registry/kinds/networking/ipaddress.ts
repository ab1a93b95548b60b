// networking.k8s.io/v1 IPAddress: the name is the IP (canonical form; validation/names.ts), spec.parentRef
// names what holds it. Validation: ValidateIPAddress/Update (kubernetes pkg/apis/networking/validation/
// validation.go: parentRef required and immutable); Table: printIPAddress (pkg/printers/internalversion/
// printers.go). Nothing here allocates: Services' ClusterIPs are tracked by registry/service-allocators.ts.
import { isDNS1123Subdomain } from "../../../../meta/names.ts";
import { goQuote } from "../../../../meta/status.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asString, deepEqual, isMap } from "../../json-access.ts";
import { column, NAME_COLUMN } from "../../printers/columns.ts";
import { nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { child, goSyntax, immutable, invalid, required } from "../../validation/field.ts";
import { isPathSegmentName } from "../../validation/names.ts";
import { CRUD } from "../verbs.ts";

// networkingv1.IPAddressSpec{}.SwaggerDoc()["parentRef"] as of Kubernetes 1.33.
const PARENT_REF_DOC =
  "ParentRef references the resource that an IPAddress is attached to. An IPAddress must reference a parent object.";

const PARENT_REF = "spec.parentRef";

export function validateIPAddress(obj: KubeObject, old?: KubeObject): FieldCause[] {
  const spec = asMap(obj.spec);
  if (old) {
    const before = asMap(old.spec).parentRef ?? null;
    if (!deepEqual(spec.parentRef ?? null, before))
      return [immutable(PARENT_REF, parentRefSyntax(spec.parentRef))];
    return [];
  }
  if (!isMap(spec.parentRef)) return [required(PARENT_REF)];
  const ref = spec.parentRef;
  const errs: FieldCause[] = [];
  const group = asString(ref.group);
  // The core group (Services) is "", so group cannot be required.
  if (group)
    for (const msg of isDNS1123Subdomain(group)) errs.push(invalid(child(PARENT_REF, "group"), group, msg));
  for (const f of ["resource", "name", "namespace"]) {
    const value = asString(ref[f]);
    if (!value) {
      if (f !== "namespace") errs.push(required(child(PARENT_REF, f)));
      continue;
    }
    for (const msg of isPathSegmentName(value, false)) errs.push(invalid(child(PARENT_REF, f), value, msg));
  }
  return errs;
}

/** The %#v of the dereferenced *networking.ParentReference field.Invalid prints. */
function parentRefSyntax(ref: unknown) {
  if (!isMap(ref)) return null;
  const f = (k: string) => goQuote(asString(ref[k]));
  return goSyntax(
    `networking.ParentReference{Group:${f("group")}, Resource:${f("resource")}, Namespace:${f("namespace")}, Name:${f("name")}}`,
  );
}

/** "services/default/kubernetes": the lowercased group-resource, then namespace (when set) and name. */
function parentRefText(ref: unknown): string {
  if (!isMap(ref)) return "<none>";
  const group = asString(ref.group);
  const resource = asString(ref.resource);
  let text = (group ? `${resource}.${group}` : resource).toLowerCase();
  if (asString(ref.namespace)) text += `/${asString(ref.namespace)}`;
  return `${text}/${asString(ref.name)}`;
}

export const ipAddress: ResourceDef = {
  group: "networking.k8s.io",
  version: "v1",
  resource: "ipaddresses",
  singular: "ipaddress",
  kind: "IPAddress",
  listKind: "IPAddressList",
  namespaced: false,
  shortNames: ["ip"],
  verbs: CRUD,
  validate: validateIPAddress,
  printer: {
    // Upstream declares two columns (no Age) yet appends an age cell too; the cells follow the columns.
    columns: [NAME_COLUMN, column("ParentRef", "string", PARENT_REF_DOC)],
    cells: (obj) => [nameOf(obj), parentRefText(asMap(obj.spec).parentRef)],
  },
};
