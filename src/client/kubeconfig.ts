// kubeconfig files: where to find them, how to parse them, and how several are merged — kubectl's rules
// (client-go tools/clientcmd loader.go): the first file to define a cluster/user/context name wins the whole
// entry, the first non-empty current-context wins, relative paths resolve against the file that declared them.
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve, sep } from "node:path";
import type { Impersonation } from "./config.ts";

export interface KubeconfigCluster {
  name: string;
  /** The file that defined it. */
  origin: string;
  server?: string;
  /** Absolute path. */
  certificateAuthority?: string;
  /** base64 of the PEM bundle, as written in the file. */
  certificateAuthorityData?: string;
  insecureSkipTLSVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
  disableCompression: boolean;
}

export interface KubeconfigUser {
  name: string;
  origin: string;
  token?: string;
  /** Absolute path. */
  tokenFile?: string;
  clientCertificate?: string;
  clientCertificateData?: string;
  clientKey?: string;
  clientKeyData?: string;
  /** The raw `exec` stanza (validated when used); a command containing a path separator is made absolute. */
  exec?: Record<string, unknown>;
  authProvider?: string;
  username?: string;
  password?: string;
  /** as, as-uid, as-groups, as-user-extra; undefined when none is set. */
  impersonate?: Impersonation;
}

export interface KubeconfigContext {
  name: string;
  origin: string;
  cluster: string;
  user?: string;
  namespace?: string;
}

export interface Kubeconfig {
  /** Files merged into this config, in precedence order. */
  files: string[];
  currentContext?: string;
  clusters: Map<string, KubeconfigCluster>;
  users: Map<string, KubeconfigUser>;
  contexts: Map<string, KubeconfigContext>;
}

/** A kubeconfig problem; `fix` tells the user what to do about it. */
export class KubeconfigError extends Error {
  override name = "KubeconfigError";
  readonly files: string[];
  readonly fix: string;
  constructor(message: string, files: string[], fix: string) {
    super(message);
    this.files = files;
    this.fix = fix;
  }
}

export interface KubeconfigSearch {
  paths: string[];
  /** True when the paths came from $KUBECONFIG (then ~/.kube/config is not consulted, as with kubectl). */
  fromEnv: boolean;
  homeConfig: string;
}

export function kubeconfigSearchPaths(env: NodeJS.ProcessEnv): KubeconfigSearch {
  const home = env.HOME || env.USERPROFILE || homedir();
  const homeConfig = join(home, ".kube", "config");
  const fromEnv = (env.KUBECONFIG ?? "").split(delimiter).filter((p) => p !== "");
  if (fromEnv.length === 0) return { paths: [homeConfig], fromEnv: false, homeConfig };
  return { paths: [...new Set(fromEnv)], fromEnv: true, homeConfig };
}

export interface KubeconfigLoad {
  config: Kubeconfig;
  missing: string[];
}

/** Reads and merges the files that exist; missing ones are reported, unreadable or invalid ones throw. */
export async function loadKubeconfigFiles(paths: string[]): Promise<KubeconfigLoad> {
  const configs: Kubeconfig[] = [];
  const missing: string[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        missing.push(path);
        continue;
      }
      const why = code === "EISDIR" ? "is a directory" : (error as Error).message;
      throw new KubeconfigError(
        `cannot read kubeconfig ${path}: ${why}`,
        [path],
        "point KUBECONFIG/--kubeconfig at a readable file",
      );
    }
    configs.push(await parseKubeconfig(text, path));
  }
  return { config: mergeKubeconfigs(configs), missing };
}

export function emptyKubeconfig(): Kubeconfig {
  return { files: [], clusters: new Map(), users: new Map(), contexts: new Map() };
}

/** The first definition of each name wins; so does the first non-empty current-context. */
export function mergeKubeconfigs(configs: Kubeconfig[]): Kubeconfig {
  const merged = emptyKubeconfig();
  for (const config of configs) {
    merged.files.push(...config.files);
    merged.currentContext ||= config.currentContext;
    for (const key of ["clusters", "users", "contexts"] as const) {
      const into = merged[key] as Map<string, unknown>;
      for (const [name, entry] of config[key]) if (!into.has(name)) into.set(name, entry);
    }
  }
  return merged;
}

/**
 * Parses one file. `file` names it in errors and anchors its relative paths. The YAML parser is loaded here,
 * not when the client is imported: a Pod using its ServiceAccount never reads a kubeconfig.
 */
export async function parseKubeconfig(text: string, file: string): Promise<Kubeconfig> {
  const { parse: parseYaml } = await import("yaml");
  const fail = (message: string, fix = "fix the file, or leave it out of KUBECONFIG"): never => {
    throw new KubeconfigError(`kubeconfig ${file}: ${message}`, [file], fix);
  };
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: false });
  } catch (error) {
    const firstLine = (error as Error).message.split("\n")[0];
    return fail(
      `is not valid YAML (${firstLine})`,
      "fix the YAML syntax (kubectl config view --kubeconfig <file> reports the same problem)",
    );
  }
  const config = emptyKubeconfig();
  config.files.push(file);
  if (doc === null || doc === undefined) return config; // an empty file is an empty config, as in client-go
  const root = isMapping(doc)
    ? doc
    : fail(`is not a kubeconfig (the top level is ${kindOf(doc)}, not a mapping)`);
  if (root.kind !== undefined && root.kind !== "Config")
    fail(`has kind ${JSON.stringify(root.kind)}, expected "Config"`);
  const fields = new FieldReader(fail);
  const base = dirname(resolve(file));
  const path = (value: string | undefined) => (value && !isAbsolute(value) ? join(base, value) : value);

  config.currentContext = fields.string(root, "current-context", "") || undefined;
  for (const { name, body, where } of namedEntries(root, "clusters", "cluster", fail)) {
    config.clusters.set(name, {
      name,
      origin: file,
      server: fields.string(body, "server", where) || undefined,
      certificateAuthority: path(fields.string(body, "certificate-authority", where)),
      certificateAuthorityData: fields.string(body, "certificate-authority-data", where),
      insecureSkipTLSVerify: fields.boolean(body, "insecure-skip-tls-verify", where),
      tlsServerName: fields.string(body, "tls-server-name", where),
      proxyUrl: fields.string(body, "proxy-url", where),
      disableCompression: fields.boolean(body, "disable-compression", where),
    });
  }
  for (const { name, body, where } of namedEntries(root, "users", "user", fail)) {
    const exec = body.exec === undefined || body.exec === null ? undefined : body.exec;
    if (exec !== undefined && !isMapping(exec)) fail(`${where}.exec must be a mapping`);
    const authProvider = body["auth-provider"];
    config.users.set(name, {
      name,
      origin: file,
      token: fields.string(body, "token", where),
      tokenFile: path(fields.string(body, "tokenFile", where)),
      clientCertificate: path(fields.string(body, "client-certificate", where)),
      clientCertificateData: fields.string(body, "client-certificate-data", where),
      clientKey: path(fields.string(body, "client-key", where)),
      clientKeyData: fields.string(body, "client-key-data", where),
      exec: exec && resolveExecCommand(exec as Record<string, unknown>, base),
      authProvider: isMapping(authProvider) ? String(authProvider.name ?? "(unnamed)") : undefined,
      username: fields.string(body, "username", where),
      password: fields.string(body, "password", where),
      impersonate: impersonation(body, where, fields, fail),
    });
  }
  for (const { name, body, where } of namedEntries(root, "contexts", "context", fail)) {
    config.contexts.set(name, {
      name,
      origin: file,
      cluster: fields.string(body, "cluster", where) ?? "",
      user: fields.string(body, "user", where) || undefined,
      namespace: fields.string(body, "namespace", where) || undefined,
    });
  }
  return config;
}

/** The user's impersonation fields (client-go api.AuthInfo: as, as-uid, as-groups, as-user-extra). */
function impersonation(
  body: Record<string, unknown>,
  where: string,
  fields: FieldReader,
  fail: (message: string) => never,
): Impersonation | undefined {
  const user = fields.string(body, "as", where) || undefined;
  const uid = fields.string(body, "as-uid", where) || undefined;
  const groups = fields.strings(body, "as-groups", where);
  const rawExtra = body["as-user-extra"];
  let extra: Record<string, string[]> | undefined;
  if (rawExtra !== undefined && rawExtra !== null) {
    if (!isMapping(rawExtra)) fail(`${where}.as-user-extra must be a mapping of keys to lists of strings`);
    extra = {};
    for (const key of Object.keys(rawExtra as Record<string, unknown>))
      extra[key] = fields.strings(rawExtra as Record<string, unknown>, key, `${where}.as-user-extra`) ?? [];
  }
  if (!user && !uid && !groups?.length && !(extra && Object.keys(extra).length)) return undefined;
  return {
    ...(user ? { user } : {}),
    ...(uid ? { uid } : {}),
    ...(groups?.length ? { groups } : {}),
    ...(extra && Object.keys(extra).length ? { extra } : {}),
  };
}

// Only a command with a path separator is file-relative; a bare name is looked up on PATH (client-go does the same).
function resolveExecCommand(exec: Record<string, unknown>, base: string): Record<string, unknown> {
  const command = exec.command;
  if (typeof command !== "string" || !command.includes(sep) || isAbsolute(command)) return exec;
  return { ...exec, command: join(base, command) };
}

interface NamedEntry {
  name: string;
  body: Record<string, unknown>;
  where: string;
}

function namedEntries(
  root: Record<string, unknown>,
  listKey: string,
  bodyKey: string,
  fail: (m: string) => never,
): NamedEntry[] {
  const list = root[listKey];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) return fail(`${listKey} must be a list`);
  return list.map((item, index) => {
    if (!isMapping(item)) return fail(`${listKey}[${index}] must be a mapping with name and ${bodyKey}`);
    if (typeof item.name !== "string" || item.name === "") return fail(`${listKey}[${index}] has no name`);
    const where = `${listKey}[${JSON.stringify(item.name)}].${bodyKey}`;
    const body = item[bodyKey] ?? {};
    if (!isMapping(body)) return fail(`${where} must be a mapping`);
    return { name: item.name, body, where };
  });
}

class FieldReader {
  readonly #fail: (message: string) => never;
  constructor(fail: (message: string) => never) {
    this.#fail = fail;
  }
  string(body: Record<string, unknown>, key: string, where: string): string | undefined {
    const value = body[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") return this.#fail(`${where ? `${where}.` : ""}${key} must be a string`);
    return value;
  }
  strings(body: Record<string, unknown>, key: string, where: string): string[] | undefined {
    const value = body[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
      return this.#fail(`${where}.${key} must be a list of strings`);
    return value;
  }
  boolean(body: Record<string, unknown>, key: string, where: string): boolean {
    const value = body[key];
    if (value === undefined || value === null) return false;
    if (typeof value !== "boolean") return this.#fail(`${where}.${key} must be true or false`);
    return value;
  }
}

export interface SelectedContext {
  contextName: string;
  context: KubeconfigContext;
  cluster: KubeconfigCluster;
  user?: KubeconfigUser;
}

/** Resolves the context (explicit name or current-context) to its cluster and user, with kubectl's checks. */
export function selectContext(config: Kubeconfig, requested?: string): SelectedContext {
  const files = config.files;
  const available = [...config.contexts.keys()];
  const choose =
    available.length > 0 ? `available contexts: ${available.join(", ")}` : "no file defines any context";
  const contextName = requested || config.currentContext;
  if (!contextName) {
    throw new KubeconfigError(
      `no current-context is set in ${files.join(", ")}`,
      files,
      `pass a context (--context NAME) or run \`kubectl config use-context NAME\`; ${choose}`,
    );
  }
  const context = config.contexts.get(contextName);
  if (!context) {
    const how = requested ? "requested context" : "current-context";
    throw new KubeconfigError(`${how} "${contextName}" is not defined in ${files.join(", ")}`, files, choose);
  }
  const cluster = config.clusters.get(context.cluster);
  if (!cluster) {
    const what = context.cluster
      ? `cluster "${context.cluster}", which no kubeconfig file defines`
      : "no cluster";
    throw new KubeconfigError(
      `context "${contextName}" (in ${context.origin}) refers to ${what}`,
      files,
      "add the cluster entry or fix the context",
    );
  }
  if (!cluster.server) {
    throw new KubeconfigError(
      `cluster "${cluster.name}" (in ${cluster.origin}) has no server`,
      files,
      "set clusters[].cluster.server to the API server URL",
    );
  }
  const user = context.user === undefined ? undefined : config.users.get(context.user);
  if (context.user !== undefined && !user) {
    throw new KubeconfigError(
      `context "${contextName}" (in ${context.origin}) refers to user "${context.user}", which no kubeconfig file defines`,
      files,
      "add the user entry or fix the context",
    );
  }
  return { contextName, context, cluster, user };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  return `a ${typeof value}`;
}
