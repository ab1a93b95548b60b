// I/O at the edge: environment, the ServiceAccount directory, the token and the CA bundle.
// The raw token is returned separately so it can be sent, and never enters the facts.
import { X509Certificate } from "node:crypto";
import { constants } from "node:fs";
import { access, lstat, readFile, readlink, stat } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_SERVICE_ACCOUNT_DIR, SERVICE_ACCOUNT_DIR_ENV } from "../client/config.ts";
import { decodeToken } from "../token/index.ts";
import type {
  CaFacts,
  CertificateFacts,
  EnvFacts,
  FileFacts,
  ServiceAccountDirFacts,
  TokenFacts,
} from "./types.ts";

export function envFacts(env: NodeJS.ProcessEnv): EnvFacts {
  const value = (name: string) => env[name]?.trim() || undefined;
  const facts: EnvFacts = {};
  const host = value("KUBERNETES_SERVICE_HOST");
  const port = value("KUBERNETES_SERVICE_PORT");
  const podNamespace = value("POD_NAMESPACE");
  const hostname = value("HOSTNAME");
  if (host) facts.host = host;
  if (port) facts.port = port;
  if (podNamespace) facts.podNamespace = podNamespace;
  if (hostname) facts.hostname = hostname;
  return facts;
}

export function serviceAccountDirOf(env: NodeJS.ProcessEnv): { dir: string; from: string } {
  const fromEnv = env[SERVICE_ACCOUNT_DIR_ENV];
  return fromEnv
    ? { dir: fromEnv, from: `$${SERVICE_ACCOUNT_DIR_ENV}` }
    : { dir: DEFAULT_SERVICE_ACCOUNT_DIR, from: "the standard mount path" };
}

async function fileFacts(file: string): Promise<FileFacts> {
  const link = await lstat(file).catch(() => undefined);
  const info = await stat(file).catch(() => undefined);
  if (!link || !info) return { path: file, exists: false, readable: false, isSymlink: Boolean(link) };
  const readable = await access(file, constants.R_OK).then(
    () => true,
    () => false,
  );
  return {
    path: file,
    exists: true,
    readable,
    isSymlink: link.isSymbolicLink(),
    size: info.size,
    ...(readable ? {} : { error: "permission denied" }),
  };
}

export async function serviceAccountDirFacts(env: NodeJS.ProcessEnv): Promise<ServiceAccountDirFacts> {
  const { dir, from } = serviceAccountDirOf(env);
  const exists = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const [token, ca, namespace] = await Promise.all(
    ["token", "ca.crt", "namespace"].map((f) => fileFacts(path.join(dir, f))),
  );
  const facts: ServiceAccountDirFacts = { dir, from, exists, files: { token, "ca.crt": ca, namespace } };
  const dataTarget = await readlink(path.join(dir, "..data")).catch(() => undefined);
  if (dataTarget) facts.dataTarget = dataTarget;
  if (namespace.readable) facts.namespace = (await readFile(namespace.path, "utf8")).trim();
  return facts;
}

/** Decodes without keeping the token in the facts. */
export function tokenFacts(token: string, source: string): TokenFacts {
  try {
    return { source, decoded: decodeToken(token) };
  } catch (error) {
    return { source, error: (error as Error).message };
  }
}

export async function readTokenFile(file: string): Promise<{ token?: string; facts?: TokenFacts }> {
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) return {};
  const token = text.trim();
  return { token: token || undefined, facts: tokenFacts(token, `token file ${file}`) };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function commonName(subject: string): string {
  return subject.split("\n").find((l) => l.startsWith("CN=")) ?? subject.split("\n")[0] ?? "(no subject)";
}

/** Parses a PEM bundle into facts; `pem` is kept only when every block is a certificate. */
export function caFacts(text: string | undefined, source: string): { facts: CaFacts; pem?: string } {
  if (text === undefined) return { facts: { source, error: "cannot be read" } };
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0)
    return { facts: { source, error: text.trim() ? "holds no PEM certificate" : "is empty" } };
  const certificates: CertificateFacts[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      const x509 = new X509Certificate(block);
      certificates.push({
        subject: commonName(x509.subject),
        notBefore: new Date(x509.validFrom),
        notAfter: new Date(x509.validTo),
      });
    } catch (error) {
      return {
        facts: { source, error: `certificate #${i + 1} is not valid X.509 (${(error as Error).message})` },
      };
    }
  }
  return { facts: { source, certificates }, pem: `${blocks.join("\n")}\n` };
}
