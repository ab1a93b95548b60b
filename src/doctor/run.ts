// The doctor: gather facts (files, network, API) once, then derive every check from them with pure functions.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createInlineCaProvider } from "../client/ca.ts";
import {
  type ClusterConfig,
  ConfigError,
  joinHostPort,
  loadConfig,
  SERVICE_ACCOUNT_DIR_ENV,
} from "../client/config.ts";
import { createStaticTokenProvider } from "../client/credentials.ts";
import { KubeClient } from "../client/index.ts";
import { checkAccess } from "./check-access.ts";
import { checkAuthentication } from "./check-auth.ts";
import { checkCa, checkDns, checkTcp, checkTls } from "./check-connection.ts";
import { checkEnvironment, checkServiceAccountDir, checkToken } from "./check-local.ts";
import { checkVersion } from "./check-version.ts";
import { accessFacts, authFacts, discoveryFacts, versionFacts } from "./gather-api.ts";
import { caFacts, envFacts, readTokenFile, serviceAccountDirFacts, tokenFacts } from "./gather-local.ts";
import { networkFacts } from "./gather-network.ts";
import type { AuthFacts, CheckResult, DoctorFacts, Need } from "./types.ts";

export interface DoctorOptions {
  env?: NodeJS.ProcessEnv;
  /** Use this kubeconfig (and context) instead of the Pod's ServiceAccount. */
  kubeconfig?: string;
  context?: string;
  /** Namespace for needs without -n/-A (default: the Pod's or the context's). */
  namespace?: string;
  needs?: Need[];
  now?: Date;
}

/** Every check, in the order a connection is built: Pod, credentials, network, identity, access, version. */
export function runChecks(f: DoctorFacts): CheckResult[] {
  return [
    checkEnvironment(f),
    checkServiceAccountDir(f),
    checkToken(f),
    checkCa(f),
    checkDns(f),
    checkTcp(f),
    checkTls(f),
    checkAuthentication(f),
    ...checkAccess(f),
    checkVersion(f),
  ];
}

/** What the connection needs, from the Pod or from a kubeconfig; the token stays out of the facts. */
interface Local {
  facts: Omit<DoctorFacts, "auth" | "access" | "now">;
  config?: ClusterConfig;
  token?: string;
  caPem?: string;
  namespace: string;
}

const clientOptions = { retries: 0, timeoutMs: 5000, qps: 0, onWarning: () => undefined };

async function fromPod(env: NodeJS.ProcessEnv): Promise<Local> {
  const facts: Local["facts"] = { mode: "in-cluster", env: envFacts(env) };
  const sa = await serviceAccountDirFacts(env);
  facts.serviceAccount = sa;
  const read = await readTokenFile(path.join(sa.dir, "token"));
  const token = read.token;
  if (read.facts) facts.token = read.facts;
  let caPem: string | undefined;
  const caPath = path.join(sa.dir, "ca.crt");
  if (sa.files["ca.crt"].exists) {
    const ca = caFacts(await readFile(caPath, "utf8").catch(() => undefined), caPath);
    facts.ca = ca.facts;
    caPem = ca.pem;
  } else facts.ca = { source: caPath, error: "does not exist" };
  const namespace = facts.env.podNamespace ?? sa.namespace ?? "default";
  const { host, port } = facts.env;
  if (!host || !port || !/^\d+$/.test(port)) {
    facts.serverError = "KUBERNETES_SERVICE_HOST/PORT not set";
    return { facts, token, caPem, namespace };
  }
  facts.server = `https://${joinHostPort(host, port)}`;
  const config: ClusterConfig = {
    server: facts.server,
    namespace,
    source: "in-cluster",
    insecureSkipTLSVerify: false,
    warnings: [],
    close: () => undefined,
  };
  if (caPem) config.ca = createInlineCaProvider(caPem, caPath);
  if (token) config.credentials = createStaticTokenProvider(token, "ServiceAccount token");
  return { facts, config, token, caPem, namespace };
}

async function fromKubeconfig(o: DoctorOptions, env: NodeJS.ProcessEnv): Promise<Local> {
  const config = await loadConfig({
    kubeconfig: o.kubeconfig,
    context: o.context,
    env,
    inCluster: false,
    onWarning: () => undefined,
  });
  const facts: Local["facts"] = { mode: "kubeconfig", env: envFacts(env), server: config.server };
  if (config.contextName) facts.context = config.contextName;
  let caPem: string | undefined;
  if (config.insecureSkipTLSVerify) facts.ca = { source: "kubeconfig", insecure: true };
  else if (config.ca) {
    const ca = caFacts(config.ca.current(), "kubeconfig CA");
    facts.ca = ca.facts;
    caPem = ca.pem;
  }
  const header = await config.credentials?.header().catch(() => undefined);
  const token = header?.replace(/^Bearer\s+/i, "");
  if (token) facts.token = tokenFacts(token, `kubeconfig context ${config.contextName ?? ""}`.trim());
  return { facts, config, token, caPem, namespace: config.namespace };
}

/** A kubeconfig is used when asked for, or when nothing says this is a Pod and one exists. */
async function gatherLocal(o: DoctorOptions, env: NodeJS.ProcessEnv): Promise<Local> {
  if (o.kubeconfig || o.context) return fromKubeconfig(o, env);
  const local = await fromPod(env);
  const podLike = local.facts.env.host || local.facts.env.port || local.facts.serviceAccount?.exists;
  if (podLike || env[SERVICE_ACCOUNT_DIR_ENV]) return local;
  try {
    return await fromKubeconfig(o, env);
  } catch (error) {
    if (error instanceof ConfigError) return local;
    throw error;
  }
}

const skipped = (why: string): AuthFacts => ({ outcome: "skipped", why });

export async function gatherFacts(o: DoctorOptions = {}): Promise<DoctorFacts> {
  const env = o.env ?? process.env;
  const local = await gatherLocal(o, env);
  const needs = o.needs ?? [];
  const facts: DoctorFacts = {
    ...local.facts,
    now: o.now ?? new Date(),
    auth: skipped("no API server address"),
    access: [],
  };
  facts.access = needs.map((need) => ({ need, namespace: "" }));
  if (!local.config) return facts;
  const tlsServerName = local.config.tlsServerName;
  facts.network = await networkFacts(local.config.server, local.caPem, tlsServerName);
  const tls = facts.network.tls;
  if (!tls?.ok) {
    facts.auth = skipped("no TLS connection to the API server");
    return facts;
  }
  const verified = tls.authorized || local.config.insecureSkipTLSVerify;
  if (!verified && local.token) {
    facts.auth = skipped("the API server's certificate is not verified: the token is not sent to it");
    return facts;
  }
  // With nothing to leak, an unverified server may still be asked who it thinks we are (system:anonymous).
  const config: ClusterConfig = verified
    ? local.config
    : // No credentials at all, not just no token read so far: an exec plugin that failed once may succeed
      // on the retry, and its token must not go to a server nobody verified.
      {
        ...local.config,
        ca: undefined,
        insecureSkipTLSVerify: true,
        credentials: undefined,
        clientCertificate: undefined,
      };
  const client = new KubeClient(config, clientOptions);
  const anonymous = new KubeClient(
    { ...config, credentials: undefined, clientCertificate: undefined, close: () => undefined },
    clientOptions,
  );
  try {
    facts.auth = await authFacts(client);
    // An old server without SelfSubjectReview still answers SelfSubjectAccessReviews (1.6+).
    const authenticated = facts.auth.outcome === "authenticated" || facts.auth.outcome === "unsupported";
    if (authenticated) facts.discovery = await discoveryFacts(client, "token", local.token);
    else if (facts.auth.outcome === "unauthorized")
      facts.discovery = await discoveryFacts(anonymous, "anonymous", local.token);
    if (authenticated) facts.access = await accessFacts(client, needs, o.namespace ?? local.namespace);
    facts.version = await versionFacts(authenticated ? client : anonymous);
  } finally {
    client.close();
    anonymous.close();
  }
  return facts;
}

export async function runDoctor(
  o: DoctorOptions = {},
): Promise<{ facts: DoctorFacts; results: CheckResult[]; ok: boolean }> {
  const facts = await gatherFacts(o);
  const results = runChecks(facts);
  return { facts, results, ok: results.every((r) => r.status !== "fail") };
}
