// Where the client's server, CA, credentials and namespace come from. Order: explicit options, then
// in-cluster (ServiceAccount), then kubeconfig. Never a silent default: when nothing fits, one error
// lists every place looked and how to fix it.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { type CaProvider, caDataToPem, createFileCaProvider, createInlineCaProvider } from "./ca.ts";
import {
  type ClientCertificate,
  type CredentialProvider,
  createStaticTokenProvider,
  createTokenFileProvider,
} from "./credentials.ts";
import {
  createExecCredentialProvider,
  type ExecClusterInfo,
  type ExecConfig,
  type ExecCredentialProvider,
  parseExecConfig,
} from "./exec-credential.ts";
import {
  KubeconfigError,
  type KubeconfigUser,
  kubeconfigSearchPaths,
  loadKubeconfigFiles,
  type SelectedContext,
  selectContext,
} from "./kubeconfig.ts";
import { proxyEnvironment, proxyFunc } from "./proxy-env.ts";

export type { CaProvider } from "./ca.ts";
export type { ClientCertificate, CredentialProvider } from "./credentials.ts";

/** Documented override of the ServiceAccount directory (local development, tests). */
export const SERVICE_ACCOUNT_DIR_ENV = "INCLUSTER_SERVICEACCOUNT_DIR";
export const DEFAULT_SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface ClusterConfig {
  /** "https://10.96.0.1:443"; IPv6 hosts bracketed. Never a silent default. */
  server: string;
  /** Default namespace for namespaced calls. */
  namespace: string;
  source: "explicit" | "in-cluster" | "kubeconfig";
  /** The kubeconfig context used. */
  contextName?: string;
  /** undefined = system roots. */
  ca?: CaProvider;
  /** Only when the user asked for it; a warning is in `warnings`. */
  insecureSkipTLSVerify: boolean;
  /** Verify the server's certificate for this name and send it as SNI (kubeconfig tls-server-name). */
  tlsServerName?: string;
  /**
   * The proxy every connection to the server goes through: kubeconfig proxy-url, or else HTTPS_PROXY/HTTP_PROXY
   * unless NO_PROXY exempts the server (Go's ProxyFromEnvironment, as client-go, in-cluster too).
   */
  proxy?: URL;
  /** kubeconfig `disable-compression: true`: do not ask for gzip. */
  disableCompression?: boolean;
  /** Act as another user (kubeconfig as/as-uid/as-groups/as-user-extra, or the impersonate option). */
  impersonate?: Impersonation;
  /** Exec plugins may return certificates, hence the function form. */
  clientCertificate?: ClientCertificate | (() => Promise<ClientCertificate | undefined>);
  credentials?: CredentialProvider;
  /** E.g. the insecure-skip-tls-verify warning; callers print them once. */
  warnings: string[];
  /** Stops file watchers and timers. */
  close(): void;
}

/** Whom requests act as: Impersonate-User, -Uid, -Group and -Extra-<key> headers. */
export interface Impersonation {
  user?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface LoadConfigOptions {
  server?: string;
  token?: string;
  tokenFile?: string;
  caFile?: string;
  /** PEM, or base64 of the PEM as in kubeconfig certificate-authority-data. */
  caData?: string;
  insecureSkipTLSVerify?: boolean;
  namespace?: string;
  /** Explicit path (like --kubeconfig); skips in-cluster. */
  kubeconfig?: string;
  /** Like --context; skips in-cluster. */
  context?: string;
  /** Like --tls-server-name: the name the server's certificate is verified for (and SNI). */
  tlsServerName?: string;
  /** http://, https:// or socks5:// proxy (userinfo = proxy credentials); overrides kubeconfig and environment. */
  proxyUrl?: string;
  /** Like --as/--as-uid/--as-group: replaces the kubeconfig user's impersonation. */
  impersonate?: Impersonation;
  /** Default: $INCLUSTER_SERVICEACCOUNT_DIR, then /var/run/secrets/kubernetes.io/serviceaccount. */
  serviceAccountDir?: string;
  /** For tests; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Force (true) or forbid (false) in-cluster configuration. */
  inCluster?: boolean;
  /** Warnings that happen after loading (token file unreadable, failed exec refresh). Default: process.emitWarning. */
  onWarning?: (message: string) => void;
}

/** Configuration cannot be determined. The message names every place looked and how to fix it. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly places: string[];
  constructor(summary: string, places: string[] = [], fix?: string) {
    const looked = places.length > 0 ? `\nLooked at:\n${places.map((p) => `  - ${p}`).join("\n")}` : "";
    super(`${summary}${looked}${fix ? `\nFix: ${fix}` : ""}`);
    this.places = places;
  }
}

const INSECURE_RISK = "anyone on the network path can impersonate the API server";

/** Loads the configuration. Call close() on the result to stop its file watchers. */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<ClusterConfig> {
  const env = opts.env ?? process.env;
  checkOptionConflicts(opts);
  const wantsKubeconfig = Boolean(opts.kubeconfig || opts.context);
  if (opts.inCluster === true) {
    if (wantsKubeconfig)
      throw new ConfigError("inCluster: true cannot be combined with a kubeconfig or context");
    const probe = await probeInCluster(opts, env);
    if ("places" in probe)
      throw new ConfigError(
        "in-cluster configuration was requested but is not available",
        probe.places,
        IN_CLUSTER_FIX,
      );
    return build(withOverrides(probe, opts), opts);
  }
  if (wantsKubeconfig) {
    const kube = await fromKubeconfig(opts, env);
    if ("places" in kube)
      throw new ConfigError("kubeconfig not found", kube.places, "check the --kubeconfig path or KUBECONFIG");
    return build(withOverrides(kube, opts), opts);
  }
  if (opts.server) return build(withOverrides(explicitPlan(opts), opts), opts);

  const places: string[] = [];
  if (opts.inCluster !== false) {
    const probe = await probeInCluster(opts, env);
    if (!("places" in probe)) return build(withOverrides(probe, opts), opts);
    places.push(...probe.places);
  } else {
    places.push("in-cluster: skipped (inCluster: false)");
  }
  const kube = await fromKubeconfig(opts, env);
  if ("places" in kube) {
    throw new ConfigError(
      "no Kubernetes configuration found",
      [...places, ...kube.places],
      NOTHING_FOUND_FIX,
    );
  }
  return build(withOverrides(kube, opts), opts);
}

const IN_CLUSTER_FIX =
  "run in a Pod whose ServiceAccount token is mounted (automountServiceAccountToken must not be false), " +
  `or point ${SERVICE_ACCOUNT_DIR_ENV} at a directory with token, ca.crt and namespace files`;
const NOTHING_FOUND_FIX =
  "run inside a Pod with a ServiceAccount token mounted; or set KUBECONFIG / create ~/.kube/config " +
  "(`kubectl config view` shows what kubectl uses); or pass the server and a token explicitly";

/** Data describing the configuration to build; nothing is opened until build(). */
interface Plan {
  source: ClusterConfig["source"];
  contextName?: string;
  server: string;
  namespace: string;
  ca?: { file: string; optional?: boolean } | { pem: string; label: string };
  insecure?: { warning: string };
  tlsServerName?: string;
  proxy?: { url: string; label: string };
  disableCompression?: boolean;
  impersonate?: Impersonation;
  token?: { value: string; label: string };
  tokenFile?: { path: string; fallback?: string };
  clientCertificate?: {
    certFile?: string;
    certData?: string;
    keyFile?: string;
    keyData?: string;
    label: string;
  };
  exec?: { config: ExecConfig; origin: string };
  warnings: string[];
}

function checkOptionConflicts(opts: LoadConfigOptions): void {
  if (opts.token && opts.tokenFile) throw new ConfigError("give either token or tokenFile, not both");
  if (opts.caFile && opts.caData) throw new ConfigError("give either caFile or caData, not both");
  if (opts.insecureSkipTLSVerify && (opts.caFile || opts.caData)) {
    throw new ConfigError("a CA (caFile/caData) cannot be combined with insecureSkipTLSVerify: pick one");
  }
}

function explicitPlan(opts: LoadConfigOptions): Plan {
  return {
    source: "explicit",
    server: checkServer(opts.server!, "the server option"),
    namespace: "default",
    warnings: [],
  };
}

/** Options override whatever the source said, like kubectl's --server/--token/--namespace flags. */
function withOverrides(plan: Plan, opts: LoadConfigOptions): Plan {
  const next: Plan = { ...plan, warnings: [...plan.warnings] };
  if (opts.server) next.server = checkServer(opts.server, "the server option");
  if (opts.namespace) next.namespace = opts.namespace;
  if (opts.tlsServerName) next.tlsServerName = opts.tlsServerName;
  if (opts.proxyUrl) next.proxy = { url: opts.proxyUrl, label: "the proxyUrl option" };
  if (opts.impersonate) next.impersonate = opts.impersonate;
  if (opts.token || opts.tokenFile) {
    next.token = opts.token ? { value: opts.token, label: "token option" } : undefined;
    next.tokenFile = opts.tokenFile ? { path: opts.tokenFile } : undefined;
    next.exec = undefined;
  }
  if (opts.caFile || opts.caData) {
    next.ca = opts.caFile
      ? { file: opts.caFile }
      : { pem: decodeCaOption(opts.caData!), label: "caData option" };
    next.insecure = undefined; // a CA given explicitly means "verify with this", as kubectl's --certificate-authority
  }
  if (opts.insecureSkipTLSVerify === true) {
    next.ca = undefined;
    next.insecure = {
      warning: `WARNING: TLS verification is disabled (insecureSkipTLSVerify option); ${INSECURE_RISK}`,
    };
  } else if (opts.insecureSkipTLSVerify === false) {
    next.insecure = undefined;
  }
  return next;
}

function decodeCaOption(data: string): string {
  try {
    return caDataToPem(data);
  } catch (error) {
    throw new ConfigError(`caData option ${(error as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------- in-cluster

async function probeInCluster(
  opts: LoadConfigOptions,
  env: NodeJS.ProcessEnv,
): Promise<Plan | { places: string[] }> {
  const places: string[] = [];
  const host = env.KUBERNETES_SERVICE_HOST?.trim();
  const port = env.KUBERNETES_SERVICE_PORT?.trim();
  if (!host || !port) {
    const unset = [!host && "KUBERNETES_SERVICE_HOST", !port && "KUBERNETES_SERVICE_PORT"]
      .filter(Boolean)
      .join(" and ");
    places.push(`in-cluster: ${unset} not set (not running in a Pod?)`);
  } else if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65_535) {
    places.push(`in-cluster: KUBERNETES_SERVICE_PORT=${JSON.stringify(port)} is not a port number`);
  }
  const { dir, from } = serviceAccountDir(opts, env);
  const tokenPath = join(dir, "token");
  const tokenProblem = await fileProblem(tokenPath);
  if (tokenProblem) {
    places.push(`in-cluster: ServiceAccount token ${tokenPath} ${tokenProblem} (directory ${from})`);
  }
  if (places.length > 0) return { places };

  return {
    source: "in-cluster",
    server: `https://${joinHostPort(host!, port!)}`,
    namespace: await inClusterNamespace(env, dir),
    ca: { file: join(dir, "ca.crt"), optional: true },
    tokenFile: { path: tokenPath },
    warnings: [],
  };
}

function serviceAccountDir(opts: LoadConfigOptions, env: NodeJS.ProcessEnv): { dir: string; from: string } {
  if (opts.serviceAccountDir)
    return { dir: opts.serviceAccountDir, from: "from the serviceAccountDir option" };
  const fromEnv = env[SERVICE_ACCOUNT_DIR_ENV];
  if (fromEnv) return { dir: fromEnv, from: `from $${SERVICE_ACCOUNT_DIR_ENV}` };
  return { dir: DEFAULT_SERVICE_ACCOUNT_DIR, from: "the standard mount path" };
}

async function fileProblem(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? "is a directory, not a file" : undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "does not exist";
    return code === "EACCES" ? "is not accessible (permission denied)" : (error as Error).message;
  }
}

/** POD_NAMESPACE (downward API), then the mounted namespace file, then "default" — as client-go. */
async function inClusterNamespace(env: NodeJS.ProcessEnv, dir: string): Promise<string> {
  const fromEnv = env.POD_NAMESPACE?.trim();
  if (fromEnv) return fromEnv;
  const fromFile = await readFile(join(dir, "namespace"), "utf8").then(
    (text) => text.trim(),
    () => "",
  );
  return fromFile || "default";
}

export function joinHostPort(host: string, port: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

// ---------------------------------------------------------------------------------------------- kubeconfig

async function fromKubeconfig(
  opts: LoadConfigOptions,
  env: NodeJS.ProcessEnv,
): Promise<Plan | { places: string[] }> {
  const search = kubeconfigSearchPaths(env);
  const paths = opts.kubeconfig ? [opts.kubeconfig] : search.paths;
  try {
    const { config, missing } = await loadKubeconfigFiles(paths);
    if (config.files.length === 0) return { places: kubeconfigPlaces(opts, search, missing) };
    return kubeconfigPlan(selectContext(config, opts.context), opts);
  } catch (error) {
    if (error instanceof KubeconfigError) throw new ConfigError(error.message, error.files, error.fix);
    throw error;
  }
}

function kubeconfigPlaces(
  opts: LoadConfigOptions,
  search: ReturnType<typeof kubeconfigSearchPaths>,
  missing: string[],
): string[] {
  const state = (path: string) => (missing.includes(path) ? "does not exist" : "defines nothing");
  if (opts.kubeconfig)
    return [`kubeconfig ${opts.kubeconfig} (from the kubeconfig option): ${state(opts.kubeconfig)}`];
  const places = search.paths.map((path) =>
    search.fromEnv ? `KUBECONFIG entry ${path}: ${state(path)}` : `~/.kube/config (${path}): ${state(path)}`,
  );
  if (search.fromEnv)
    places.push(`~/.kube/config (${search.homeConfig}): not consulted because KUBECONFIG is set`);
  return places;
}

function kubeconfigPlan(selected: SelectedContext, opts: LoadConfigOptions): Plan {
  const { cluster, user, context, contextName } = selected;
  const where = `cluster "${cluster.name}" in ${cluster.origin}`;
  const plan: Plan = {
    source: "kubeconfig",
    contextName,
    server: checkServer(cluster.server!, where),
    namespace: context.namespace ?? "default",
    tlsServerName: cluster.tlsServerName,
    warnings: [],
  };
  if (cluster.certificateAuthorityData) {
    plan.ca = {
      pem: decodeBase64Field(cluster.certificateAuthorityData, `certificate-authority-data of ${where}`),
      label: `certificate-authority-data of ${where}`,
    };
  } else if (cluster.certificateAuthority) {
    plan.ca = { file: cluster.certificateAuthority };
  }
  if (cluster.insecureSkipTLSVerify && opts.insecureSkipTLSVerify !== false) {
    if (plan.ca && !opts.caFile && !opts.caData) {
      throw new ConfigError(
        `${where} sets both a certificate authority and insecure-skip-tls-verify`,
        [cluster.origin],
        "remove one of them (kubectl rejects this combination too)",
      );
    }
    plan.insecure = {
      warning: `WARNING: TLS verification is disabled for cluster "${cluster.name}" (insecure-skip-tls-verify); ${INSECURE_RISK}`,
    };
  }
  if (cluster.proxyUrl) plan.proxy = { url: cluster.proxyUrl, label: `proxy-url of ${where}` };
  if (cluster.disableCompression) plan.disableCompression = true;
  if (user) applyUser(plan, user);
  return plan;
}

function applyUser(plan: Plan, user: KubeconfigUser): void {
  const where = `user "${user.name}" in ${user.origin}`;
  rejectUnsupportedAuth(user, where);
  if (user.impersonate) plan.impersonate = user.impersonate;
  // client-go: a token file wins over an inline token once it has been read.
  if (user.tokenFile) plan.tokenFile = { path: user.tokenFile, fallback: user.token };
  else if (user.token) plan.token = { value: user.token, label: `token of ${where}` };
  const hasCert = Boolean(user.clientCertificate || user.clientCertificateData);
  const hasKey = Boolean(user.clientKey || user.clientKeyData);
  if (hasCert !== hasKey) {
    throw new ConfigError(
      `${where} has a client ${hasCert ? "certificate but no key" : "key but no certificate"}`,
      [user.origin],
      "set both client-certificate(-data) and client-key(-data)",
    );
  }
  if (hasCert) {
    plan.clientCertificate = {
      certFile: user.clientCertificate,
      certData:
        user.clientCertificateData &&
        decodeBase64Field(user.clientCertificateData, `client-certificate-data of ${where}`),
      keyFile: user.clientKey,
      keyData: user.clientKeyData && decodeBase64Field(user.clientKeyData, `client-key-data of ${where}`),
      label: where,
    };
  }
  // As in client-go, a plugin only runs when the user has no token and no client certificate.
  if (user.exec && !plan.token && !plan.tokenFile && !hasCert) {
    try {
      plan.exec = { config: parseExecConfig(user.exec), origin: where };
    } catch (error) {
      throw new ConfigError(
        `${where}: ${(error as Error).message}`,
        [user.origin],
        "fix the exec stanza of this user",
      );
    }
  }
}

function rejectUnsupportedAuth(user: KubeconfigUser, where: string): void {
  if (user.authProvider) {
    throw new ConfigError(
      `${where} uses auth-provider "${user.authProvider}", which incluster does not support`,
      [user.origin],
      "use an exec credential plugin instead (e.g. gke-gcloud-auth-plugin, kubelogin); kubectl itself dropped the gcp and azure auth providers in 1.26",
    );
  }
  if (user.username || user.password) {
    throw new ConfigError(
      `${where} uses username/password (basic authentication), which Kubernetes removed in 1.19`,
      [user.origin],
      "use a token, a client certificate or an exec plugin",
    );
  }
}

function decodeBase64Field(value: string, what: string): string {
  const compact = value.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw new ConfigError(`${what} is not valid base64`);
  return Buffer.from(compact, "base64").toString("utf8");
}

function checkServer(server: string, where: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new ConfigError(
      `server ${JSON.stringify(server)} (${where}) is not a URL`,
      [],
      "use a URL such as https://10.96.0.1:443",
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(`server ${JSON.stringify(server)} (${where}) must be an http(s) URL`);
  }
  return server.replace(/\/+$/, "");
}

// ---------------------------------------------------------------------------------------------- build

async function build(plan: Plan, opts: LoadConfigOptions): Promise<ClusterConfig> {
  const onWarning = opts.onWarning ?? ((message: string) => process.emitWarning(message, "InclusterWarning"));
  const warnings = [...plan.warnings];
  if (plan.insecure) warnings.push(plan.insecure.warning);
  const opened: { close(): void }[] = [];
  try {
    const ca = plan.insecure ? undefined : await openCa(plan, warnings, onWarning);
    if (ca) opened.push(ca);
    const credentials = openCredentials(plan, ca, opts, onWarning);
    if (credentials) opened.push(credentials);
    const certificate = plan.clientCertificate
      ? await readClientCertificate(plan.clientCertificate)
      : undefined;
    if ((credentials || certificate) && plan.server.startsWith("http:")) {
      warnings.push(`WARNING: server ${plan.server} is plain HTTP; credentials are sent unencrypted`);
    }
    const exec = credentials && "clientCertificate" in credentials ? credentials : undefined;
    const config: ClusterConfig = {
      server: plan.server,
      namespace: plan.namespace,
      source: plan.source,
      insecureSkipTLSVerify: Boolean(plan.insecure),
      warnings,
      close: () => {
        for (const item of opened) item.close();
      },
    };
    if (plan.contextName) config.contextName = plan.contextName;
    if (ca) config.ca = ca;
    if (plan.tlsServerName) config.tlsServerName = plan.tlsServerName;
    const proxy = resolveProxy(plan, opts.env ?? process.env);
    if (proxy) config.proxy = proxy;
    if (plan.disableCompression) config.disableCompression = true;
    if (plan.impersonate) config.impersonate = plan.impersonate;
    if (credentials) config.credentials = credentials;
    if (certificate) config.clientCertificate = certificate;
    else if (exec) config.clientCertificate = () => exec.clientCertificate();
    return config;
  } catch (error) {
    for (const item of opened) item.close();
    throw error;
  }
}

/**
 * The configured proxy-url (client-go accepts http, https and socks5), else the environment's proxy for the
 * server URL, as client-go's default transport does (http.ProxyFromEnvironment).
 */
function resolveProxy(plan: Plan, env: NodeJS.ProcessEnv): URL | undefined {
  if (plan.proxy) {
    let url: URL;
    try {
      url = new URL(plan.proxy.url);
    } catch {
      throw new ConfigError(
        `${plan.proxy.label} is not a URL`,
        [],
        "use a URL such as http://proxy.example:3128 or socks5://127.0.0.1:1080",
      );
    }
    if (!["http:", "https:", "socks5:"].includes(url.protocol))
      throw new ConfigError(
        `${plan.proxy.label} has the unsupported scheme ${JSON.stringify(url.protocol.replace(/:$/, ""))}`,
        [],
        "use http, https or socks5, as client-go accepts",
      );
    return url;
  }
  try {
    return proxyFunc(proxyEnvironment(env))(new URL(plan.server));
  } catch (error) {
    throw new ConfigError((error as Error).message, [], "unset HTTP_PROXY, or use HTTPS for the server");
  }
}

async function openCa(
  plan: Plan,
  warnings: string[],
  onWarning: (m: string) => void,
): Promise<CaProvider | undefined> {
  const ca = plan.ca;
  if (!ca) return undefined;
  if ("pem" in ca) {
    try {
      return createInlineCaProvider(ca.pem, ca.label);
    } catch (error) {
      throw new ConfigError(
        `${ca.label} ${(error as Error).message}`,
        [],
        "provide a PEM certificate bundle",
      );
    }
  }
  try {
    return await createFileCaProvider(ca.file, { onWarning });
  } catch (error) {
    // client-go logs and falls back to the system roots when the in-cluster ca.crt is unusable.
    if (ca.optional) {
      warnings.push(`${(error as Error).message}; verifying the API server with the system CA roots instead`);
      return undefined;
    }
    throw new ConfigError(
      (error as Error).message,
      [ca.file],
      "point the certificate authority at a readable PEM bundle",
    );
  }
}

function openCredentials(
  plan: Plan,
  ca: CaProvider | undefined,
  opts: LoadConfigOptions,
  onWarning: (m: string) => void,
): CredentialProvider | ExecCredentialProvider | undefined {
  if (plan.token) return createStaticTokenProvider(plan.token.value, plan.token.label);
  if (plan.tokenFile)
    return createTokenFileProvider(plan.tokenFile.path, {
      onWarning,
      fallbackToken: plan.tokenFile.fallback,
    });
  if (plan.exec) {
    const cluster: ExecClusterInfo = { server: plan.server };
    if (plan.tlsServerName) cluster["tls-server-name"] = plan.tlsServerName;
    if (plan.insecure) cluster["insecure-skip-tls-verify"] = true;
    if (ca) cluster["certificate-authority-data"] = Buffer.from(ca.current()).toString("base64");
    return createExecCredentialProvider(plan.exec.config, {
      origin: plan.exec.origin,
      cluster,
      env: opts.env,
      onWarning,
    });
  }
  return undefined;
}

async function readClientCertificate(
  spec: NonNullable<Plan["clientCertificate"]>,
): Promise<ClientCertificate> {
  const read = async (file: string | undefined, data: string | undefined, what: string) => {
    if (data) return data;
    try {
      return await readFile(file!, "utf8");
    } catch (error) {
      throw new ConfigError(
        `${what} file ${file} of ${spec.label} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        [file!],
      );
    }
  };
  const cert = await read(spec.certFile, spec.certData, "client-certificate");
  const key = await read(spec.keyFile, spec.keyData, "client-key");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new ConfigError(`the client certificate of ${spec.label} is not a valid PEM certificate`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new ConfigError(`the client key of ${spec.label} is not a valid PEM private key`);
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new ConfigError(`the client key of ${spec.label} does not match its certificate`);
  }
  return { cert, key };
}
