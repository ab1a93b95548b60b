// certificates.k8s.io/v1 CertificateSigningRequest: strategies (pkg/registry/certificates/certificates/
// strategy.go: the requester is recorded on create, spec and status never change through the main resource,
// /status keeps Approved/Denied, /approval changes only the conditions), validation (pkg/apis/certificates/
// validation/validation.go, v1 options) and Table columns (printCertificateSigningRequest, pkg/printers/
// internalversion/printers.go).

import { X509Certificate } from "node:crypto";
import { isDNS1123Label } from "../../../../meta/names.ts";
import type { KubeObject, StoredObject } from "../../../../meta/types.ts";
import { humanDuration } from "../../duration.ts";
import { asList, asMap, asMaps, asString, isMap, type Json } from "../../json-access.ts";
import { rfc3339 } from "../../objects.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { FieldCause, ResourceDef, StrategyContext } from "../../types.ts";
import {
  child,
  duplicate,
  goSyntax,
  index,
  invalid,
  notSupported,
  required,
  tooLong,
} from "../../validation/field.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";

export const KUBE_APISERVER_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client";
const LEGACY_UNKNOWN_SIGNER = "kubernetes.io/legacy-unknown";

/** certificates.KeyUsage values, sorted as sets.List prints them. */
const KEY_USAGES = [
  "any",
  "cert sign",
  "client auth",
  "code signing",
  "content commitment",
  "crl sign",
  "data encipherment",
  "decipher only",
  "digital signature",
  "email protection",
  "encipher only",
  "ipsec end system",
  "ipsec tunnel",
  "ipsec user",
  "key agreement",
  "key encipherment",
  "microsoft sgc",
  "netscape sgc",
  "ocsp signing",
  "s/mime",
  "server auth",
  "signing",
  "timestamping",
];
const TRUE_ONLY_CONDITIONS = ["Approved", "Denied", "Failed"];
const APPROVAL_CONDITIONS = ["Approved", "Denied"];

const DOCS = {
  signerName:
    'Requested signer for the request. It is a qualified name in the form: `scope-hostname.io/name`. If empty, it will be defaulted:\n 1. If it\'s a kubelet client certificate, it is assigned\n    "kubernetes.io/kube-apiserver-client-kubelet".\n 2. If it\'s a kubelet serving certificate, it is assigned\n    "kubernetes.io/kubelet-serving".\n 3. Otherwise, it is assigned "kubernetes.io/legacy-unknown".\nDistribution of trust for signers happens out of band. You can select on this field using `spec.signerName`.',
  request: "Base64-encoded PKCS#10 CSR data",
  expirationSeconds:
    "expirationSeconds is the requested duration of validity of the issued certificate. The certificate signer may issue a certificate with a different validity duration so a client must check the delta between the notBefore and and notAfter fields in the issued certificate to determine the actual duration.\n\nThe v1.22+ in-tree implementations of the well-known Kubernetes signers will honor this field as long as the requested duration is not greater than the maximum duration they will honor per the --cluster-signing-duration CLI flag to the Kubernetes controller manager.\n\nCertificate signers may not honor this field for various reasons:\n\n  1. Old signer that is unaware of the field (such as the in-tree\n     implementations prior to v1.22)\n  2. Signer whose configured maximum is shorter than the requested duration\n  3. Signer whose configured minimum is longer than the requested duration\n\nThe minimum valid value for expirationSeconds is 600, i.e. 10 minutes.",
  conditions: "Conditions applied to the request, such as approval or denial.",
};

// ---- strategy ----

/** PrepareForCreate: the requester comes from the request, never from the body; status starts empty. */
function prepareCSR(csr: KubeObject, old: StoredObject | undefined, ctx: StrategyContext): void {
  if (!isMap(csr.spec)) csr.spec = {};
  const spec = csr.spec as Json;
  if (old) {
    csr.spec = old.spec;
    csr.status = old.status;
    return;
  }
  delete spec.username;
  delete spec.uid;
  delete spec.groups;
  delete spec.extra;
  const user = ctx.user;
  if (user) {
    spec.username = user.username;
    if (user.uid) spec.uid = user.uid;
    if (user.groups?.length) spec.groups = [...user.groups];
    if (user.extra && Object.keys(user.extra).length) spec.extra = structuredClone(user.extra);
  }
  csr.status = {};
}

/** populateConditionTimestamps: lastUpdateTime defaults to now, lastTransitionTime to the old one or now. */
function stampConditions(csr: KubeObject, old: KubeObject, now: Date): void {
  const before = asMaps(asMap(old.status).conditions);
  for (const c of asMaps(asMap(csr.status).conditions)) {
    if (!c.lastUpdateTime) c.lastUpdateTime = rfc3339(now);
    if (!c.lastTransitionTime) {
      const prev = before.find((b) => b.type === c.type && b.status === c.status);
      c.lastTransitionTime = asString(prev?.lastTransitionTime) || rfc3339(now);
    }
  }
}

function prepareSubresource(sub: string, csr: KubeObject, old: StoredObject, ctx: StrategyContext): void {
  csr.spec = old.spec;
  const now = ctx.now ?? new Date();
  const incoming = asMap(csr.status);
  if (sub === "approval") {
    // csrApprovalStrategy: only the conditions change.
    csr.status = { ...asMap(old.status), conditions: incoming.conditions };
  } else if (sub === "status") {
    // csrStatusStrategy: approvals and denials are kept as they were (the approval subresource changes them).
    const kept = asMaps(asMap(old.status).conditions).filter((c) =>
      APPROVAL_CONDITIONS.includes(asString(c.type)),
    );
    const others = asMaps(incoming.conditions).filter((c) => !APPROVAL_CONDITIONS.includes(asString(c.type)));
    const conditions = [...kept, ...others];
    csr.status = { ...incoming, ...(conditions.length ? { conditions } : {}) };
    if (!conditions.length) delete (csr.status as Json).conditions;
  }
  if (!asMaps(asMap(csr.status).conditions).length) delete asMap(csr.status).conditions;
  stampConditions(csr, old, now);
}

// ---- validation ----

/** Go's %#v of a []byte, as field.Invalid prints spec.request. */
function goBytes(bytes: Uint8Array): string {
  return `[]byte{${[...bytes].map((b) => `0x${b.toString(16)}`).join(", ")}}`;
}

function requestBytes(request: unknown): Uint8Array {
  return typeof request === "string" ? Buffer.from(request, "base64") : new Uint8Array();
}

/** validateCSR: a PEM "CERTIFICATE REQUEST" block whose body is one DER SEQUENCE (the PKCS#10 structure;
 * its signature is checked by whoever signs it). Upstream's PEM message is exact; a body that is not DER
 * answers Go's asn1 wording for a truncated or mistagged structure. */
function csrError(bytes: Uint8Array): string | undefined {
  const text = Buffer.from(bytes).toString("latin1");
  const m = /-----BEGIN ([^-]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!m || m[1] !== "CERTIFICATE REQUEST") return "PEM block type must be CERTIFICATE REQUEST";
  const der = Buffer.from(m[2]!.replace(/\s+/g, ""), "base64");
  if (der[0] !== 0x30) return "asn1: structure error: tags don't match";
  const length = derLength(der);
  if (length === undefined || length !== der.length) return "asn1: syntax error: data truncated";
  return undefined;
}

/** The total length of the DER element at the start of `der` (tag + length octets + content). */
function derLength(der: Uint8Array): number | undefined {
  if (der.length < 2) return undefined;
  const first = der[1]!;
  if (first < 0x80) return 2 + first;
  const octets = first & 0x7f;
  if (octets === 0 || octets > 4 || der.length < 2 + octets) return undefined;
  let n = 0;
  for (let i = 0; i < octets; i++) n = n * 256 + der[2 + i]!;
  return 2 + octets + n;
}

/** ValidateSignerName (pkg/apis/core/validation). */
export function signerNameErrors(path: string, signerName: string): FieldCause[] {
  if (!signerName) return [required(path)];
  const segments = signerName.split("/");
  if (segments.length !== 2)
    return [
      invalid(
        path,
        signerName,
        "must be a fully qualified domain and path of the form 'example.com/signer-name'",
      ),
    ];
  const [domain, name] = segments as [string, string];
  const errs: FieldCause[] = [];
  if (domain.length > 253) errs.push(tooLong(path, 253));
  const domainLabels = domain.split(".");
  for (const lbl of domainLabels) {
    const e = isDNS1123Label(lbl);
    if (e.length) {
      for (const msg of e) errs.push(invalid(path, domain, `validating label "${lbl}": ${msg}`));
      break;
    }
  }
  if (domainLabels.length < 2)
    errs.push(invalid(path, domain, "should be a domain with at least two segments separated by dots"));
  for (const lbl of name.split(".")) {
    const e = isDNS1123Label(lbl);
    if (e.length) {
      for (const msg of e) errs.push(invalid(path, name, `validating label "${lbl}": ${msg}`));
      break;
    }
  }
  if (name.length > 189) errs.push(tooLong(path, 189));
  return errs;
}

function conditionErrors(csr: KubeObject): FieldCause[] {
  const errs: FieldCause[] = [];
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  asMaps(asMap(csr.status).conditions).forEach((c, i) => {
    const path = index("status.conditions", i);
    const type = asString(c.type);
    const status = asString(c.status);
    if (!type) errs.push(required(child(path, "type")));
    const allowed = TRUE_ONLY_CONDITIONS.includes(type) ? ["True"] : ["False", "True", "Unknown"];
    if (!status) errs.push(required(child(path, "status")));
    else if (!allowed.includes(status)) errs.push(notSupported(child(path, "status"), status, allowed));
    if (type === "Approved") {
      approved = true;
      if (denied)
        errs.push(
          invalid(child(path, "type"), type, "Approved and Denied conditions are mutually exclusive"),
        );
    } else if (type === "Denied") {
      denied = true;
      if (approved)
        errs.push(
          invalid(child(path, "type"), type, "Approved and Denied conditions are mutually exclusive"),
        );
    }
    if (seen.has(type)) errs.push(duplicate(child(path, "type"), type));
    seen.add(type);
  });
  return errs;
}

/** ValidateCertificateSigningRequestCreate/Update (v1 options: no legacy signer, known and unique usages;
 * an update keeps what the stored object already had). */
export function validateCSR(csr: KubeObject, old?: KubeObject): FieldCause[] {
  const spec = asMap(csr.spec);
  const errs: FieldCause[] = [];
  const bytes = requestBytes(spec.request);
  const requestErr = old ? undefined : csrError(bytes);
  if (requestErr) errs.push(invalid("spec.request", goSyntax(goBytes(bytes)), requestErr));
  const usages = asList(spec.usages).map(asString);
  if (usages.length === 0) errs.push(required("spec.usages"));
  const knownBefore = new Set(asList(asMap(old?.spec).usages).map(asString));
  usages.forEach((u, i) => {
    if (!KEY_USAGES.includes(u) && !knownBefore.has(u))
      errs.push(notSupported(index("spec.usages", i), u, KEY_USAGES));
  });
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    if (seen.has(u) && !old) errs.push(duplicate(index("spec.usages", i), u));
    seen.add(u);
  });
  const signerName = asString(spec.signerName);
  if (signerName === LEGACY_UNKNOWN_SIGNER && !old)
    errs.push(
      invalid("spec.signerName", signerName, "the legacy signerName is not allowed via this API version"),
    );
  else errs.push(...signerNameErrors("spec.signerName", signerName));
  if (typeof spec.expirationSeconds === "number" && spec.expirationSeconds < 600)
    errs.push(
      invalid(
        "spec.expirationSeconds",
        spec.expirationSeconds,
        "may not specify a duration less than 600 seconds (10 minutes)",
      ),
    );
  errs.push(...conditionErrors(csr));
  const cert = asString(asMap(csr.status).certificate);
  if (cert) {
    const certErr = certificateError(Buffer.from(cert, "base64").toString("latin1"));
    if (certErr) errs.push(invalid("status.certificate", "<certificate data>", certErr));
  }
  return errs;
}

/** validateCertificate: PEM CERTIFICATE blocks only, each a parseable certificate. */
function certificateError(pem: string): string | undefined {
  const blocks = [...pem.matchAll(/-----BEGIN ([^-]+)-----\r?\n([\s\S]*?)-----END \1-----/g)];
  if (blocks.length === 0) return "must contain at least one CERTIFICATE PEM block";
  for (const [, type, body] of blocks) {
    if (type !== "CERTIFICATE") return `only CERTIFICATE PEM blocks are allowed, found "${type}"`;
    try {
      new X509Certificate(Buffer.from(body!.replace(/\s+/g, ""), "base64"));
    } catch (e) {
      return (e as Error).message;
    }
  }
  return undefined;
}

/** extractCSRStatus: Denied beats Approved beats Pending, then ",Failed" and ",Issued". */
export function csrCondition(csr: KubeObject): string {
  const types = new Set(asMaps(asMap(csr.status).conditions).map((c) => asString(c.type)));
  let status = types.has("Denied") ? "Denied" : types.has("Approved") ? "Approved" : "Pending";
  if (types.has("Failed")) status += ",Failed";
  if (asString(asMap(csr.status).certificate)) status += ",Issued";
  return status;
}

export const certificateSigningRequest: ResourceDef = {
  group: "certificates.k8s.io",
  version: "v1",
  resource: "certificatesigningrequests",
  singular: "certificatesigningrequest",
  kind: "CertificateSigningRequest",
  listKind: "CertificateSigningRequestList",
  namespaced: false,
  shortNames: ["csr"],
  verbs: CRUD,
  subresources: [
    { name: "approval", kind: "CertificateSigningRequest", verbs: GET_PATCH_UPDATE },
    { name: "status", kind: "CertificateSigningRequest", verbs: GET_PATCH_UPDATE },
  ],
  selectableFields: { "spec.signerName": (obj) => asString(asMap(obj.spec).signerName) },
  // csrStatusStrategy and csrApprovalStrategy keep spec (and the other half of status), not metadata.
  statusKeepsMetadata: [],
  // csrStrategy, csrStatusStrategy and csrApprovalStrategy GetResetFields.
  resetFields: {
    "": { exclude: [["spec"], ["status"]] },
    status: { exclude: [["spec"], ["status", "conditions"]] },
    approval: { exclude: [["spec"], ["status", "certificate"]] },
  },
  generation: false, // certificates strategy.go never sets it
  prepare: prepareCSR,
  prepareSubresource,
  validate: validateCSR,
  printer: {
    columns: [
      NAME_COLUMN,
      AGE_COLUMN,
      column("SignerName", "string", DOCS.signerName),
      column("Requestor", "string", DOCS.request),
      column("RequestedDuration", "string", DOCS.expirationSeconds),
      column("Condition", "string", DOCS.conditions),
    ],
    cells: (obj, now) => {
      const spec = asMap(obj.spec);
      const seconds = spec.expirationSeconds;
      return [
        nameOf(obj),
        age(obj, now),
        asString(spec.signerName) || "<none>",
        asString(spec.username),
        typeof seconds === "number" ? humanDuration(seconds * 1000) : "<none>",
        csrCondition(obj),
      ];
    },
  },
};
