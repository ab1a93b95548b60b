// Identity and permission questions every ServiceAccount may ask (system:basic-user grants them):
// whoami (SelfSubjectReview), canI (SelfSubjectAccessReview), rules (SelfSubjectRulesReview), plus
// TokenRequest for audience-scoped tokens.
import type {
  BoundObjectReference,
  SelfSubjectReview,
  TokenRequest,
} from "kubernetes-types/authentication/v1.d.ts";
import type { SelfSubjectAccessReview } from "kubernetes-types/authorization/v1.d.ts";
import { serviceAccountUsername, splitServiceAccountUsername } from "../meta/service-account.ts";
import { decodeToken } from "../token/index.ts";
import type { CredentialProvider } from "./config.ts";
import { isForbidden, isNotFound } from "./errors.ts";
import { parseResourceRef, type ResourceRef } from "./resources.ts";
import type { Transport } from "./transport.ts";

/** What the reviews need from the client. */
export interface ReviewContext {
  transport: Transport;
  /** The client's default namespace. */
  namespace: string;
  credentials?: CredentialProvider;
  /** Resolves resource names (built-in table, then discovery). */
  resolve(ref: string): Promise<ResourceRef>;
}

export interface Identity {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
  /** Where the answer came from: the API server (authoritative) or the token decoded locally (a guess). */
  source: `SelfSubjectReview/${SelfSubjectReviewVersion}` | "token";
  serviceAccount?: { namespace: string; name: string };
  /** Set when the answer is not the server's. */
  note?: string;
}

/** GA in 1.28, beta in 1.27, alpha (off by default) in 1.26: newest first. */
export const SELF_SUBJECT_REVIEW_VERSIONS = ["v1", "v1beta1", "v1alpha1"] as const;
export type SelfSubjectReviewVersion = (typeof SELF_SUBJECT_REVIEW_VERSIONS)[number];

/**
 * Why there is no SelfSubjectReview on an old server. Its 403 is not a changed binding: authorization runs
 * before routing, and system:basic-user only grants selfsubjectreviews from 1.27 on.
 */
export const NO_SELF_SUBJECT_REVIEW =
  "the API server is older than 1.27 and has no SelfSubjectReview API for this client (beta from 1.27, GA in 1.28; at most a disabled alpha before)";

/**
 * Whether the server serves SelfSubjectReview in a version system:basic-user grants (v1beta1 and v1, 1.27+;
 * kubernetes/kubernetes#116274), from discovery: tells an old server's 403 from a removed permission. A 1.26
 * server with the alpha API enabled still denies it to everyone but admins, so it counts as old. Undefined
 * when discovery itself failed.
 */
export async function servesSelfSubjectReview(transport: Transport): Promise<boolean | undefined> {
  try {
    for (const version of ["v1", "v1beta1"]) {
      const list = await transport
        .requestJson<{ resources?: { name?: string }[] }>({ path: `/apis/authentication.k8s.io/${version}` })
        .catch((error: unknown) => {
          if (isNotFound(error)) return undefined;
          throw error;
        });
      if (list?.resources?.some((resource) => resource.name === "selfsubjectreviews")) return true;
    }
    return false;
  } catch {
    return undefined;
  }
}

export async function whoami(context: ReviewContext): Promise<Identity> {
  let fallbackReason = "";
  let namedByServer: string | undefined;
  for (const version of SELF_SUBJECT_REVIEW_VERSIONS) {
    try {
      const review = await context.transport.requestJson<SelfSubjectReview>({
        method: "POST",
        path: `/apis/authentication.k8s.io/${version}/selfsubjectreviews`,
        body: { apiVersion: `authentication.k8s.io/${version}`, kind: "SelfSubjectReview" },
        idempotent: true,
      });
      const user = review.status?.userInfo ?? {};
      const username = user.username ?? "";
      return {
        username,
        ...(user.uid ? { uid: user.uid } : {}),
        groups: user.groups ?? [],
        ...(user.extra ? { extra: user.extra } : {}),
        source: `SelfSubjectReview/${version}`,
        ...serviceAccountOf(username),
      };
    } catch (error) {
      if (isNotFound(error)) {
        fallbackReason = NO_SELF_SUBJECT_REVIEW;
        continue;
      }
      if (isForbidden(error)) {
        if ((await servesSelfSubjectReview(context.transport)) === false) {
          fallbackReason = NO_SELF_SUBJECT_REVIEW;
          namedByServer = error.forbidden?.user;
        } else {
          fallbackReason = "SelfSubjectReview is forbidden (the system:basic-user binding was changed)";
        }
        break;
      }
      throw error;
    }
  }
  return identityFromToken(context.credentials, fallbackReason, namedByServer);
}

/** The token's claims; `namedByServer` is the user an old server's 403 named (authentication worked). */
function identityFromToken(
  credentials: CredentialProvider | undefined,
  why: string,
  namedByServer?: string,
): Identity {
  const token = credentials?.currentToken?.();
  if (!token) {
    if (namedByServer)
      return {
        username: namedByServer,
        groups: [],
        source: "token",
        ...serviceAccountOf(namedByServer),
        note: `${why}; the user name is the one the server's 403 named, groups are unknown`,
      };
    throw new Error(`cannot tell who this client is: ${why}, and there is no bearer token to decode`);
  }
  const decoded = decodeToken(token);
  const confirmed =
    namedByServer !== undefined && namedByServer === (decoded.username ?? decoded.subject)
      ? "; the server's 403 named the same user"
      : ", not confirmed by the server";
  const note = `${why}; identity decoded from the token locally${confirmed}`;
  const sa = decoded.serviceAccount;
  if (!sa) return { username: decoded.username ?? decoded.subject ?? "", groups: [], source: "token", note };
  const extra: Record<string, string[]> = {};
  if (decoded.pod) {
    extra["authentication.kubernetes.io/pod-name"] = [decoded.pod.name];
    extra["authentication.kubernetes.io/pod-uid"] = [decoded.pod.uid];
  }
  if (decoded.node) extra["authentication.kubernetes.io/node-name"] = [decoded.node.name];
  return {
    username: serviceAccountUsername(sa.namespace, sa.name),
    ...(sa.uid ? { uid: sa.uid } : {}),
    groups: serviceAccountGroups(sa.namespace),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
    source: "token",
    serviceAccount: { namespace: sa.namespace, name: sa.name },
    note,
  };
}

/** The groups a ServiceAccount token authenticates as (serviceaccount.MakeGroupNames + system:authenticated). */
export function serviceAccountGroups(namespace: string): string[] {
  return ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"];
}

function serviceAccountOf(username: string): { serviceAccount?: { namespace: string; name: string } } {
  const serviceAccount = splitServiceAccountUsername(username);
  return serviceAccount ? { serviceAccount } : {};
}

export interface CanIOptions {
  /** Default: the client's namespace (ignored for cluster-scoped resources and URL paths). */
  namespace?: string;
  /** Ask about every namespace (namespace ""). */
  allNamespaces?: boolean;
  name?: string;
  subresource?: string;
  /** API group, when `resource` is a bare name that is not built in ("widgets" with group "example.com"). */
  group?: string;
}

export interface AccessResult {
  allowed: boolean;
  /** An authorizer explicitly denied (RBAC never does: it only fails to allow). */
  denied: boolean;
  /** e.g. `RBAC: allowed by RoleBinding "x/ns" of ClusterRole "view" to ServiceAccount "sa/ns"`. */
  reason?: string;
  evaluationError?: string;
}

/**
 * Can this client do `verb` on `resource`? `resource` is a name ("pods", "deployments.apps", "deploy"),
 * optionally with a subresource ("pods/log"), or a non-resource URL path ("/healthz", "/metrics").
 */
export async function canI(
  context: ReviewContext,
  verb: string,
  resource: string,
  options: CanIOptions = {},
): Promise<AccessResult> {
  const spec: NonNullable<SelfSubjectAccessReview["spec"]> = resource.startsWith("/")
    ? { nonResourceAttributes: { path: resource, verb } }
    : { resourceAttributes: await resourceAttributes(context, verb, resource, options) };
  const review = await context.transport.requestJson<SelfSubjectAccessReview>({
    method: "POST",
    path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec },
    idempotent: true,
  });
  const status = review.status;
  return {
    allowed: status?.allowed === true,
    denied: status?.denied === true,
    ...(status?.reason ? { reason: status.reason } : {}),
    ...(status?.evaluationError ? { evaluationError: status.evaluationError } : {}),
  };
}

async function resourceAttributes(
  context: ReviewContext,
  verb: string,
  resource: string,
  options: CanIOptions,
) {
  // "pods/log" means a subresource here; "v1/pods" style refs are not accepted by kubectl can-i either.
  const [base, subresourceInName] = splitSubresource(resource);
  let group = options.group;
  let plural = base;
  let namespaced = true;
  try {
    const ref = await context.resolve(options.group !== undefined ? `${base}.${options.group}` : base);
    group = ref.group;
    plural = ref.resource;
    namespaced = ref.namespaced;
  } catch {
    // Unknown to discovery: ask about it as written (kubectl warns and does the same).
    const parsed = parseResourceRef(options.group !== undefined ? `${base}.${options.group}` : base);
    plural = parsed.resource;
    group = parsed.group ?? group ?? "";
  }
  const namespace = !namespaced || options.allNamespaces ? "" : (options.namespace ?? context.namespace);
  return {
    verb,
    group: group ?? "",
    resource: plural,
    namespace,
    ...(options.subresource || subresourceInName
      ? { subresource: options.subresource ?? subresourceInName }
      : {}),
    ...(options.name ? { name: options.name } : {}),
  };
}

function splitSubresource(resource: string): [string, string | undefined] {
  const slash = resource.indexOf("/");
  return slash < 0 ? [resource, undefined] : [resource.slice(0, slash), resource.slice(slash + 1)];
}

// kubernetes-types' ResourceRule lost `verbs` and `resources` (a "*/" in their doc comment ends it early).
export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

interface SelfSubjectRulesReview {
  status?: {
    resourceRules?: ResourceRule[];
    nonResourceRules?: NonResourceRule[];
    incomplete?: boolean;
    evaluationError?: string;
  };
}

export interface Rules {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  /** The authorizer could not list everything (webhook authorizers): absence of a rule proves nothing. */
  incomplete: boolean;
  evaluationError?: string;
}

/** What this client may do in `namespace` (default: its own), cluster-wide rules included. */
export async function rules(context: ReviewContext, namespace?: string): Promise<Rules> {
  const review = await context.transport.requestJson<SelfSubjectRulesReview>({
    method: "POST",
    path: "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
    body: {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectRulesReview",
      spec: { namespace: namespace ?? context.namespace },
    },
    idempotent: true,
  });
  const status = review.status;
  return {
    resourceRules: status?.resourceRules ?? [],
    nonResourceRules: status?.nonResourceRules ?? [],
    incomplete: status?.incomplete === true,
    ...(status?.evaluationError ? { evaluationError: status.evaluationError } : {}),
  };
}

export interface CreateTokenOptions {
  /** Default: the API server's own audiences. */
  audiences?: string[];
  /** The server may shorten it; check expirationTimestamp. Minimum 600. */
  expirationSeconds?: number;
  /** Tie the token's life to a Pod or Secret. */
  boundObjectRef?: BoundObjectReference;
  signal?: AbortSignal;
}

/** A minted token. `token` is not enumerable, so logging or JSON-serialising the result does not leak it. */
export interface IssuedToken {
  readonly token: string;
  expirationTimestamp: Date;
  audiences: string[];
}

/** TokenRequest (what `kubectl create token` does); needs `create` on serviceaccounts/token. */
export async function createToken(
  context: ReviewContext,
  namespace: string,
  serviceAccount: string,
  options: CreateTokenOptions = {},
): Promise<IssuedToken> {
  const response = await context.transport.requestJson<TokenRequest>({
    method: "POST",
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(serviceAccount)}/token`,
    body: {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: {
        audiences: options.audiences ?? [],
        ...(options.expirationSeconds !== undefined ? { expirationSeconds: options.expirationSeconds } : {}),
        ...(options.boundObjectRef ? { boundObjectRef: options.boundObjectRef } : {}),
      },
    },
    // Retrying mints another token, which is harmless.
    idempotent: true,
    signal: options.signal,
  });
  const token = response.status?.token;
  if (!token) throw new Error("the TokenRequest response has no token");
  const issued = {
    expirationTimestamp: new Date(response.status?.expirationTimestamp ?? 0),
    audiences: response.spec?.audiences ?? options.audiences ?? [],
  } as IssuedToken;
  Object.defineProperty(issued, "token", { value: token, enumerable: false });
  return issued;
}
