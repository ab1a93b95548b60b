// The doctor's data: facts gathered at the edges (files, network, API answers), and the check results
// that pure functions derive from them. Facts never hold the token itself, only what was decoded from it.
import type { UserInfo } from "../meta/types.ts";
import type { DecodedToken } from "../token/index.ts";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface CheckResult {
  /** environment, serviceaccount, token, ca, dns, tcp, tls, authentication, access, version */
  id: string;
  status: CheckStatus;
  /** One line. */
  summary: string;
  details?: string[];
  /** What to do; present for every fail. */
  fix?: string[];
}

export interface EnvFacts {
  host?: string;
  port?: string;
  podNamespace?: string;
  /** The Pod's name in a real Pod (unless spec.hostname is set). */
  hostname?: string;
}

export interface FileFacts {
  path: string;
  exists: boolean;
  readable: boolean;
  isSymlink: boolean;
  size?: number;
  error?: string;
}

export interface ServiceAccountDirFacts {
  dir: string;
  /** Why this directory: "$INCLUSTER_SERVICEACCOUNT_DIR" or "the standard mount path". */
  from: string;
  exists: boolean;
  /** Target of the kubelet's `..data` symlink, when the AtomicWriter layout is used. */
  dataTarget?: string;
  files: { token: FileFacts; "ca.crt": FileFacts; namespace: FileFacts };
  namespace?: string;
}

export interface TokenFacts {
  /** "token file /var/run/…/token", "kubeconfig user …": where the token came from. */
  source: string;
  decoded?: DecodedToken;
  error?: string;
}

export interface CertificateFacts {
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

export interface CaFacts {
  source: string;
  certificates?: CertificateFacts[];
  error?: string;
  /** kubeconfig insecure-skip-tls-verify. */
  insecure?: boolean;
}

export interface NetworkFacts {
  host: string;
  port: number;
  dns: { literal: boolean; addresses?: string[]; error?: string };
  tcp?: { ok: boolean; ms?: number; error?: string };
  tls?: {
    ok: boolean;
    error?: string;
    protocol?: string;
    /** Chain verified against the CA bundle. */
    authorized?: boolean;
    authorizationError?: string;
    hostnameError?: string;
    peerSubject?: string;
    peerAltNames?: string;
    peerValidTo?: Date;
  };
}

export type AuthFacts =
  | { outcome: "authenticated"; user: UserInfo }
  | { outcome: "unauthorized" }
  | { outcome: "forbidden"; message: string }
  /**
   * The server has no SelfSubjectReview (older than 1.26–1.28). `username`: the user its 403 named, which
   * proves authentication worked (authorization runs after it).
   */
  | { outcome: "unsupported"; username?: string }
  | { outcome: "error"; message: string }
  | { outcome: "skipped"; why: string };

export interface DiscoveryFacts {
  /** Read with the token, or without credentials after a 401. */
  via: "token" | "anonymous";
  issuer?: string;
  keyIds?: string[];
  error?: string;
  /** The token's signature against the server's JWKS. */
  signature?: "valid" | "unknown-key" | "invalid";
}

export interface Need {
  /** As written: "list pods -A". */
  text: string;
  verb: string;
  /** Resource (pods, deployments.apps) or a non-resource URL path. */
  resource: string;
  subresource?: string;
  name?: string;
  namespace?: string;
  allNamespaces?: boolean;
}

export interface AccessFacts {
  need: Need;
  /** The namespace the request was checked in ("" = all namespaces or cluster scope). */
  namespace: string;
  result?: { allowed: boolean; reason?: string; evaluationError?: string };
  error?: string;
}

export interface VersionFacts {
  gitVersion?: string;
  major?: string;
  minor?: string;
  error?: string;
}

export interface DoctorFacts {
  mode: "in-cluster" | "kubeconfig";
  now: Date;
  env: EnvFacts;
  /** The kubeconfig context, in kubeconfig mode. */
  context?: string;
  serviceAccount?: ServiceAccountDirFacts;
  server?: string;
  /** Why no server is known. */
  serverError?: string;
  token?: TokenFacts;
  ca?: CaFacts;
  network?: NetworkFacts;
  auth: AuthFacts;
  discovery?: DiscoveryFacts;
  access: AccessFacts[];
  version?: VersionFacts;
}
