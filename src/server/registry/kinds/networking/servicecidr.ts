// networking.k8s.io/v1 ServiceCIDR: the ranges Service ClusterIPs come from. Validation: ValidateServiceCIDR/
// Update (kubernetes pkg/apis/networking/validation/validation.go: one or two CIDRs, one per IP family,
// canonical, immutable); Table: printServiceCIDR (pkg/printers/internalversion/printers.go). Status is its own
// subresource. The default `kubernetes` ServiceCIDR (the server's service range) is created at bootstrap.
import { goQuote } from "../../../../meta/go-quote.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asStrings, deepEqual } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import { SERVICE_CLUSTER_IP_RANGE } from "../../service-allocators.ts";
import type { FieldCause, ResourceDef } from "../../types.ts";
import { goSyntax, immutable, index, invalid, required } from "../../validation/field.ts";
import { cidrErrors, ipFamilyOf } from "../../validation/ip.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";

// networkingv1.ServiceCIDRSpec{}.SwaggerDoc()["cidrs"] as of Kubernetes 1.33.
const CIDRS_DOC =
  'CIDRs defines the IP blocks in CIDR notation (e.g. "192.168.0.0/24" or "2001:db8::/64") from which to assign service cluster IPs. Max of two CIDRs is allowed, one of each IP family. This field is immutable.';

const CIDRS = "spec.cidrs";

/** The %#v of networking.ServiceCIDRSpec field.Invalid prints for the whole list. */
const specSyntax = (cidrs: string[]) =>
  goSyntax(`networking.ServiceCIDRSpec{CIDRs:[]string{${cidrs.map(goQuote).join(", ")}}}`);

export function validateServiceCIDR(obj: KubeObject, old?: KubeObject): FieldCause[] {
  const cidrs = asStrings(asMap(obj.spec).cidrs);
  if (old) {
    const before = asStrings(asMap(old.spec).cidrs);
    if (!deepEqual(cidrs, before))
      return [immutable(CIDRS, goSyntax(`[]string{${cidrs.map(goQuote).join(", ")}}`))];
    return [];
  }
  if (cidrs.length === 0) return [required(CIDRS, "at least one CIDR required")];
  if (cidrs.length > 2) return [invalid(CIDRS, specSyntax(cidrs), "may only hold up to 2 values")];
  if (cidrs.length === 2) {
    const families = cidrs.map(ipFamilyOf);
    if (!families[0] || !families[1] || families[0] === families[1])
      return [
        invalid(
          CIDRS,
          specSyntax(cidrs),
          "may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64",
        ),
      ];
  }
  return cidrs.flatMap((cidr, i) => cidrErrors(index(CIDRS, i), cidr));
}

/** What kube-apiserver's default-servicecidr controller creates for --service-cluster-ip-range. */
export const DEFAULT_SERVICE_CIDR: KubeObject = {
  metadata: { name: "kubernetes" },
  spec: { cidrs: [SERVICE_CLUSTER_IP_RANGE] },
};

/** The Ready condition that controller then sets on it. */
export function defaultServiceCIDRStatus(now: string) {
  return {
    conditions: [
      {
        type: "Ready",
        status: "True",
        lastTransitionTime: now,
        reason: "",
        message: "Kubernetes default Service CIDR is ready",
      },
    ],
  };
}

export const serviceCIDR: ResourceDef = {
  group: "networking.k8s.io",
  version: "v1",
  resource: "servicecidrs",
  singular: "servicecidr",
  kind: "ServiceCIDR",
  listKind: "ServiceCIDRList",
  namespaced: false,
  verbs: CRUD,
  subresources: [{ name: "status", kind: "ServiceCIDR", verbs: GET_PATCH_UPDATE }],
  generation: false, // servicecidr strategy.go never sets it
  // serviceCIDRStatusStrategy.GetResetFields names spec only (its PrepareForUpdate also resets metadata).
  resetFields: { status: { exclude: [["spec"]] } },
  // ValidateServiceCIDRStatusUpdate checks metadata only.
  validate: (o, old, subresource) => (subresource === "status" ? [] : validateServiceCIDR(o, old)),
  printer: {
    columns: [NAME_COLUMN, column("CIDRs", "string", CIDRS_DOC), AGE_COLUMN],
    cells: (obj, now) => [nameOf(obj), asStrings(asMap(obj.spec).cidrs).join(","), age(obj, now)],
  },
};
