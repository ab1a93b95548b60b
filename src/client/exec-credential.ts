// kubeconfig `exec` credential plugins (client.authentication.k8s.io v1 / v1beta1), as client-go's
// plugin/pkg/client/auth/exec runs them: environment plus KUBERNETES_EXEC_INFO in, ExecCredential JSON out,
// cached until status.expirationTimestamp, re-run after a 401.
import { spawn } from "node:child_process";
import { redactToken } from "../token/redact.ts";
import {
  type ClientCertificate,
  CredentialError,
  type CredentialProvider,
  trackHandout,
} from "./credentials.ts";

export const EXEC_API_VERSIONS = [
  "client.authentication.k8s.io/v1",
  "client.authentication.k8s.io/v1beta1",
] as const;
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number];
export type ExecInteractiveMode = "Never" | "IfAvailable" | "Always";

export interface ExecConfig {
  apiVersion: ExecApiVersion;
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  installHint?: string;
  interactiveMode: ExecInteractiveMode;
  provideClusterInfo: boolean;
}

/** spec.cluster handed to plugins that set provideClusterInfo (field names as on the wire). */
export interface ExecClusterInfo {
  server: string;
  "tls-server-name"?: string;
  "insecure-skip-tls-verify"?: boolean;
  /** base64 of the CA PEM */
  "certificate-authority-data"?: string;
}

export class ExecCredentialError extends CredentialError {
  override name = "ExecCredentialError";
}

const PLUGIN_DOCS =
  "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins";

/** Validates a kubeconfig `user.exec` stanza the way clientcmd does (defaults included). Throws Error. */
export function parseExecConfig(raw: unknown): ExecConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new Error("exec must be a mapping");
  const exec = raw as Record<string, unknown>;
  const apiVersion = exec.apiVersion;
  if (typeof apiVersion !== "string" || apiVersion === "")
    throw new Error("exec.apiVersion must be specified");
  if (!(EXEC_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    throw new Error(
      `exec.apiVersion ${JSON.stringify(apiVersion)} is not supported; use ${EXEC_API_VERSIONS.join(" or ")}`,
    );
  }
  if (typeof exec.command !== "string" || exec.command === "")
    throw new Error("exec.command must be specified");
  const args = exec.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string"))
    throw new Error("exec.args must be a list of strings");
  const env = exec.env ?? [];
  if (!Array.isArray(env)) throw new Error("exec.env must be a list of {name, value}");
  const pairs = env.map((entry: unknown) => {
    const { name, value } = (entry ?? {}) as Record<string, unknown>;
    if (typeof name !== "string" || name === "") throw new Error("exec.env entries need a name");
    return { name, value: typeof value === "string" ? value : String(value ?? "") };
  });
  return {
    apiVersion: apiVersion as ExecApiVersion,
    command: exec.command,
    args,
    env: pairs,
    installHint:
      typeof exec.installHint === "string" && exec.installHint !== "" ? exec.installHint : undefined,
    interactiveMode: interactiveModeOf(exec.interactiveMode, apiVersion),
    provideClusterInfo: exec.provideClusterInfo === true,
  };
}

// clientcmd defaults interactiveMode to IfAvailable for v1beta1 only; v1 must say it.
function interactiveModeOf(value: unknown, apiVersion: string): ExecInteractiveMode {
  if (value === undefined || value === "") {
    if (apiVersion === "client.authentication.k8s.io/v1beta1") return "IfAvailable";
    throw new Error("exec.interactiveMode must be specified for client.authentication.k8s.io/v1 (use Never)");
  }
  if (value === "Always") {
    throw new Error(
      "exec.interactiveMode Always needs a terminal, which incluster never gives a plugin; use Never",
    );
  }
  if (value !== "Never" && value !== "IfAvailable")
    throw new Error(`invalid exec.interactiveMode ${JSON.stringify(value)}`);
  return value;
}

export interface ExecProviderOptions {
  /** Where the stanza came from, for messages: `user "dev" in /home/me/.kube/config`. */
  origin: string;
  cluster?: ExecClusterInfo;
  /** Base environment for the plugin; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** A plugin that hangs must not hang every request. Default 60 s. */
  timeoutMs?: number;
  /** Failed refreshes after a 401 (the cached credential is kept). */
  onWarning?: (message: string) => void;
  now?: () => number;
}

export interface ExecCredentialProvider extends CredentialProvider {
  /** Client certificate the plugin returned, if any (runs the plugin when nothing valid is cached). */
  clientCertificate(): Promise<ClientCertificate | undefined>;
}

/** What a plugin run produced. */
export interface ExecCredentials {
  token?: string;
  certificate?: ClientCertificate;
  expiresAt?: number;
}

const MAX_OUTPUT_BYTES = 1 << 20;

export function createExecCredentialProvider(
  config: ExecConfig,
  options: ExecProviderOptions,
): ExecCredentialProvider {
  const now = options.now ?? Date.now;
  const handout = trackHandout<string>();
  let cached: ExecCredentials | undefined;
  let running: Promise<ExecCredentials> | undefined;

  const run = (): Promise<ExecCredentials> => {
    running ??= runPlugin(config, options)
      .then((creds) => {
        cached = creds;
        return creds;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const valid = async (): Promise<ExecCredentials> => {
    if (cached && (cached.expiresAt === undefined || now() < cached.expiresAt)) return cached;
    return run();
  };
  const identity = (creds: ExecCredentials) => `${creds.token ?? ""}\u0000${creds.certificate?.cert ?? ""}`;

  return {
    async header() {
      const creds = await valid();
      handout.give(identity(creds));
      return creds.token ? `Bearer ${creds.token}` : undefined;
    },
    async clientCertificate() {
      const creds = await valid();
      handout.give(identity(creds));
      return creds.certificate;
    },
    async refresh() {
      try {
        return handout.replaceIfChanged(identity(await run()));
      } catch (error) {
        options.onWarning?.(`${(error as Error).message}; keeping the previous credential`);
        return false;
      }
    },
    describe() {
      const what = `exec plugin ${JSON.stringify(config.command)} (${options.origin}`;
      if (!cached) return `${what}; not run yet)`;
      const parts = [
        cached.token ? `token ${redactToken(cached.token)}` : undefined,
        cached.certificate ? "client certificate" : undefined,
      ];
      const expiry =
        cached.expiresAt === undefined ? "no expiry" : `expires ${new Date(cached.expiresAt).toISOString()}`;
      return `${what}; ${parts.filter(Boolean).join(" + ")}, ${expiry})`;
    },
    currentToken: () => cached?.token,
    close: () => undefined,
  };
}

function execInfo(config: ExecConfig, cluster: ExecClusterInfo | undefined): string {
  const spec: Record<string, unknown> = { interactive: false };
  if (config.provideClusterInfo && cluster) spec.cluster = cluster;
  return JSON.stringify({ kind: "ExecCredential", apiVersion: config.apiVersion, spec });
}

function runPlugin(config: ExecConfig, options: ExecProviderOptions): Promise<ExecCredentials> {
  const label = `exec plugin ${JSON.stringify(config.command)} (${options.origin})`;
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  for (const { name, value } of config.env) env[name] = value;
  env.KUBERNETES_EXEC_INFO = execInfo(config, options.cluster);

  return new Promise((resolve, reject) => {
    const child = spawn(config.command, config.args, { env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES) child.kill("SIGKILL");
      else into.push(chunk);
    };
    child.stdout.on("data", collect(stdout));
    child.stderr.on("data", collect(stderr));
    const timeoutMs = options.timeoutMs ?? 60_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    timer.unref();

    child.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ExecCredentialError(spawnFailure(config, label, error), { cause: error }));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const errText = tail(Buffer.concat(stderr).toString("utf8"));
      if (timedOut)
        return reject(new ExecCredentialError(`${label} did not finish within ${timeoutMs / 1000} s`));
      if (code !== 0) {
        const how = code === null ? `was killed by ${signal}` : `failed with exit code ${code}`;
        return reject(new ExecCredentialError(`${label} ${how}${errText ? `: ${errText}` : ""}`));
      }
      try {
        resolve(parseExecCredential(Buffer.concat(stdout).toString("utf8"), config.apiVersion));
      } catch (error) {
        reject(new ExecCredentialError(`${label}: ${(error as Error).message}`));
      }
    });
  });
}

function spawnFailure(config: ExecConfig, label: string, error: NodeJS.ErrnoException): string {
  if (error.code === "ENOENT") {
    const hint = config.installHint ? `\n\n${config.installHint}` : "";
    return `${label}: executable ${config.command} not found\n\nIt looks like you are trying to use a client-go credential plugin that is not installed.\n\nTo learn more about this feature, consult the documentation available at:\n      ${PLUGIN_DOCS}${hint}`;
  }
  if (error.code === "EACCES") return `${label}: ${config.command} is not executable (check its permissions)`;
  return `${label} could not be started: ${error.message}`;
}

/** Parses the plugin's stdout (an ExecCredential object). Throws Error with what is wrong. */
export function parseExecCredential(stdout: string, apiVersion: ExecApiVersion): ExecCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new Error(
      `output is not JSON (got ${stdout.trim() === "" ? "nothing" : `${stdout.trim().length} characters`})`,
    );
  }
  const cred = (parsed ?? {}) as Record<string, unknown>;
  if (cred.kind !== "ExecCredential")
    throw new Error(`output has kind ${JSON.stringify(cred.kind)}, expected "ExecCredential"`);
  if (cred.apiVersion !== apiVersion) {
    throw new Error(
      `plugin is configured to use API version ${apiVersion}, plugin returned version ${String(cred.apiVersion)}`,
    );
  }
  const status = cred.status as Record<string, unknown> | undefined;
  if (typeof status !== "object" || status === null) throw new Error("plugin didn't return a status field");
  const token = nonEmptyString(status.token);
  const cert = nonEmptyString(status.clientCertificateData);
  const key = nonEmptyString(status.clientKeyData);
  if (!token && !cert && !key) throw new Error("plugin didn't return a token or cert/key pair");
  if (!cert !== !key) throw new Error("plugin returned only certificate or key, not both");
  let expiresAt: number | undefined;
  if (status.expirationTimestamp !== undefined && status.expirationTimestamp !== null) {
    expiresAt = Date.parse(String(status.expirationTimestamp));
    if (Number.isNaN(expiresAt)) throw new Error("status.expirationTimestamp is not an RFC 3339 time");
  }
  return { token, certificate: cert && key ? { cert, key } : undefined, expiresAt };
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function tail(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > 1000 ? `…${trimmed.slice(-1000)}` : trimmed;
}
