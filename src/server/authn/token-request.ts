// POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token, minus HTTP: the TokenRequest REST
// storage of kube-apiserver (pkg/registry/core/serviceaccount/storage/token.go) with its checks in
// the same order and its exact Status bodies. Object reads go through a synchronous lookup.
import type { BoundObjectReference, TokenRequest } from "kubernetes-types/authentication/v1.d.ts";
import type { ObjectMeta } from "kubernetes-types/meta/v1.d.ts";
import { goQuote, Status } from "../../meta/status.ts";
import {
  type BoundTokenRequest,
  DEFAULT_EXPIRATION_SECONDS,
  issueBoundToken,
  type ServiceAccountTokenConfig,
} from "./serviceaccount-tokens.ts";

/** The store reads TokenRequest needs; undefined = not found. */
export interface TokenRequestLookup {
  serviceAccount(namespace: string, name: string): { uid: string } | undefined;
  pod(
    namespace: string,
    name: string,
  ): { uid: string; serviceAccountName?: string; nodeName?: string } | undefined;
  secret(namespace: string, name: string): { uid: string } | undefined;
  node(name: string): { uid: string } | undefined;
}

export interface TokenRequestInput {
  /** Namespace and ServiceAccount name from the URL. */
  namespace: string;
  name: string;
  /** The decoded request body. */
  body: unknown;
  now?: Date;
}

export type TokenRequestOutcome =
  | {
      ok: true;
      /** 201 Created body. */
      tokenRequest: TokenRequest & { metadata: ObjectMeta; status: NonNullable<TokenRequest["status"]> };
      /** For `Warning: 299 - "…"` headers. */
      warnings: string[];
      auditAnnotations: Record<string, string>;
    }
  | { ok: false; status: Status };

const GROUP = "authentication.k8s.io";
const KIND = "TokenRequest";
const MIN_EXPIRATION_SECONDS = 10 * 60;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

class RequestError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message);
    this.status = status;
  }
}

interface ParsedRequest {
  metadata: ObjectMeta;
  audiences: string[];
  expirationSeconds: number;
  boundObjectRef?: BoundObjectReference;
}

/** Go's json type name for a decode error. */
function jsonType(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  return typeof v === "number" ? `number ${v}` : typeof v;
}

/** What kube-apiserver answers when the body does not decode into the Go struct. */
function decodeError(goField: string, goType: string, value: unknown): RequestError {
  return new RequestError(
    Status.badRequest(
      `${KIND} in version "v1" cannot be handled as a ${KIND}: json: cannot unmarshal ${jsonType(value)} into Go struct field ${goField} of type ${goType}`,
    ),
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function optionalString(obj: Record<string, unknown>, key: string, goField: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw decodeError(goField, "string", v);
  return v;
}

function parseBoundObjectRef(v: unknown): BoundObjectReference | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw decodeError("TokenRequestSpec.spec.boundObjectRef", "v1.BoundObjectReference", v);
  const field = (key: string) => optionalString(v, key, `BoundObjectReference.spec.boundObjectRef.${key}`);
  // Field order as the Go struct serialises it.
  const ref: BoundObjectReference = {
    kind: field("kind"),
    apiVersion: field("apiVersion"),
    name: field("name"),
    uid: field("uid"),
  };
  for (const key of Object.keys(ref) as (keyof BoundObjectReference)[]) {
    if (!ref[key]) delete ref[key];
  }
  return ref;
}

function parseRequest(body: unknown): ParsedRequest {
  const root = isObject(body) ? body : {};
  const metadataValue = root.metadata ?? {};
  if (!isObject(metadataValue)) throw decodeError("TokenRequest.metadata", "v1.ObjectMeta", metadataValue);
  const metadata = { ...metadataValue } as ObjectMeta;
  optionalString(metadataValue, "name", "ObjectMeta.metadata.name");
  optionalString(metadataValue, "namespace", "ObjectMeta.metadata.namespace");

  const specValue = root.spec ?? {};
  if (!isObject(specValue)) throw decodeError("TokenRequest.spec", "v1.TokenRequestSpec", specValue);
  const audiences = specValue.audiences ?? [];
  if (!Array.isArray(audiences)) throw decodeError("TokenRequestSpec.spec.audiences", "[]string", audiences);
  for (const a of audiences) {
    if (typeof a !== "string") throw decodeError("TokenRequestSpec.spec.audiences", "string", a);
  }
  // Defaulted at decode time (SetDefaults_TokenRequestSpec), before validation sees it.
  const expirationSeconds = specValue.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  if (typeof expirationSeconds !== "number" || !Number.isSafeInteger(expirationSeconds)) {
    throw decodeError("TokenRequestSpec.spec.expirationSeconds", "int64", expirationSeconds);
  }
  return {
    metadata,
    audiences,
    expirationSeconds,
    boundObjectRef: parseBoundObjectRef(specValue.boundObjectRef),
  };
}

function invalid(name: string, field: string, value: string | number, detail: string): RequestError {
  const shown = typeof value === "string" ? goQuote(value) : String(value);
  return new RequestError(
    Status.invalid(KIND, GROUP, name, [{ field, message: `Invalid value: ${shown}: ${detail}` }]),
  );
}

/** authentication/validation ValidateTokenRequest; reported with an empty object name. */
function validate(req: ParsedRequest): void {
  const field = "spec.expirationSeconds";
  if (req.expirationSeconds < MIN_EXPIRATION_SECONDS) {
    throw invalid("", field, req.expirationSeconds, "may not specify a duration less than 10 minutes");
  }
  if (req.expirationSeconds > MAX_EXPIRATION_SECONDS) {
    throw invalid("", field, req.expirationSeconds, "may not specify a duration larger than 2^32 seconds");
  }
}

/** schema.FromAPIVersionAndKind: an unparsable apiVersion leaves only the kind. */
function groupVersionKind(
  apiVersion: string,
  kind: string,
): { group: string; version: string; kind: string } {
  const parts = apiVersion === "/" ? [] : apiVersion.split("/");
  if (parts.length === 1 && parts[0] !== "") return { group: "", version: parts[0], kind };
  if (parts.length === 2) return { group: parts[0], version: parts[1], kind };
  return { group: "", version: "", kind };
}

type Binding = Pick<BoundTokenRequest, "pod" | "node" | "secret">;

/** Resolves boundObjectRef to the object the token is bound to (token.go's switch on the GVK). */
function resolveBinding(
  ref: BoundObjectReference,
  namespace: string,
  serviceAccountName: string,
  lookup: TokenRequestLookup,
): Binding {
  const gvk = groupVersionKind(ref.apiVersion ?? "", ref.kind ?? "");
  const name = ref.name ?? "";
  const core = gvk.group === "";
  let uid: string;
  let binding: Binding;
  if (core && gvk.kind === "Pod") {
    const pod = lookup.pod(namespace, name);
    if (!pod) throw new RequestError(Status.notFound("pods", "", name));
    if (serviceAccountName !== (pod.serviceAccountName ?? "")) {
      throw new RequestError(
        Status.badRequest(
          `cannot bind token for serviceaccount ${goQuote(serviceAccountName)} to pod running with different serviceaccount name.`,
        ),
      );
    }
    uid = pod.uid;
    // A missing Node still leaves its name in the claims; the uid only comes from a live object.
    const nodeUid = pod.nodeName ? lookup.node(pod.nodeName)?.uid : undefined;
    binding = {
      pod: { name, uid: pod.uid, nodeName: pod.nodeName },
      node: pod.nodeName ? { name: pod.nodeName, uid: nodeUid } : undefined,
    };
  } else if (core && gvk.kind === "Node") {
    const node = lookup.node(name);
    if (!node) throw new RequestError(Status.notFound("nodes", "", name));
    uid = node.uid;
    binding = { node: { name, uid: node.uid } };
  } else if (core && gvk.kind === "Secret") {
    const secret = lookup.secret(namespace, name);
    if (!secret) throw new RequestError(Status.notFound("secrets", "", name));
    uid = secret.uid;
    binding = { secret: { name, uid: secret.uid } };
  } else {
    throw new RequestError(
      Status.badRequest(`cannot bind token to object of type ${gvk.group}/${gvk.version}, Kind=${gvk.kind}`),
    );
  }
  if (ref.uid && ref.uid !== uid) {
    // NewConflict with GroupResource{Resource: Kind}: the message says "Pod", not "pods".
    throw new RequestError(
      Status.conflict(
        gvk.kind,
        gvk.group,
        name,
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      ),
    );
  }
  return binding;
}

/** metav1.Time: RFC 3339 in UTC without fractional seconds. */
function rfc3339(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

export async function createTokenRequest(
  cfg: ServiceAccountTokenConfig,
  lookup: TokenRequestLookup,
  input: TokenRequestInput,
): Promise<TokenRequestOutcome> {
  const { namespace, name } = input;
  try {
    const req = parseRequest(input.body);
    const { name: bodyName, namespace: bodyNamespace } = req.metadata;
    if (bodyName && bodyName !== name) {
      throw invalid(name, "metadata.name", bodyName, "must match the service account name if specified");
    }
    if (bodyNamespace && bodyNamespace !== namespace) {
      throw invalid(
        name,
        "metadata.namespace",
        bodyNamespace,
        "must match the service account namespace if specified",
      );
    }
    const sa = lookup.serviceAccount(namespace, name);
    if (!sa) throw new RequestError(Status.notFound("serviceaccounts", "", name));
    validate(req);
    const binding = req.boundObjectRef ? resolveBinding(req.boundObjectRef, namespace, name, lookup) : {};

    const now = input.now ?? new Date();
    const issued = await issueBoundToken(cfg, {
      serviceAccount: { namespace, name, uid: sa.uid },
      audiences: req.audiences,
      expirationSeconds: req.expirationSeconds,
      ...binding,
      now,
    });
    const { name: _n, namespace: _ns, creationTimestamp: _c, ...otherMetadata } = req.metadata;
    return {
      ok: true,
      tokenRequest: {
        kind: KIND,
        apiVersion: `${GROUP}/v1`,
        metadata: { name, namespace, creationTimestamp: rfc3339(now), ...otherMetadata },
        spec: {
          audiences: issued.audiences,
          expirationSeconds: issued.expirationSeconds,
          ...(req.boundObjectRef ? { boundObjectRef: req.boundObjectRef } : {}),
        },
        status: { token: issued.token, expirationTimestamp: rfc3339(issued.expirationTimestamp) },
      },
      warnings: issued.warnings,
      auditAnnotations: { "authentication.kubernetes.io/issued-credential-id": `JTI=${issued.jti}` },
    };
  } catch (err) {
    if (err instanceof RequestError) return { ok: false, status: err.status };
    throw err;
  }
}
