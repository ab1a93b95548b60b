// The CA bundle that verifies the API server: a file that the kubelet rotates (ca.crt from the
// kube-root-ca.crt ConfigMap), or inline data from a kubeconfig or option.
import { X509Certificate } from "node:crypto";
import { DEFAULT_MAX_AGE_MS, FollowedFile } from "./credentials.ts";

export interface CaProvider {
  /** Current CA bundle PEM. */
  current(): string;
  /** Subscribe to changes (file swapped by the kubelet); returns unsubscribe. */
  onChange(listener: () => void): () => void;
  describe(): string;
  close(): void;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Validates every certificate block and returns the blocks alone (comments and junk between them dropped). */
export function parseCaBundle(text: string): string {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    throw new Error(
      text.trim() === "" ? "is empty" : "contains no PEM certificate (-----BEGIN CERTIFICATE-----)",
    );
  }
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new Error(
        `certificate #${index + 1} is not a valid X.509 certificate (${(error as Error).message})`,
      );
    }
  });
  return `${blocks.join("\n")}\n`;
}

/** "1 certificate: CN=kubernetes, valid until 2035-01-01T00:00:00.000Z" */
export function summarizeCaBundle(pem: string): string {
  const certs = (pem.match(PEM_CERTIFICATE) ?? []).map((block) => new X509Certificate(block));
  const first = certs[0];
  if (!first) return "no certificates";
  const commonName =
    first.subject.split("\n").find((line) => line.startsWith("CN=")) ?? first.subject.split("\n")[0];
  const more = certs.length > 1 ? ` and ${certs.length - 1} more` : "";
  return `${certs.length} certificate${certs.length > 1 ? "s" : ""}: ${commonName}, valid until ${new Date(first.validTo).toISOString()}${more}`;
}

/**
 * kubeconfig `certificate-authority-data` is base64 of the PEM; people also paste the PEM itself.
 * Accept both so a caData option "just works".
 */
export function caDataToPem(data: string): string {
  if (data.includes("-----BEGIN")) return data;
  const compact = data.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw new Error("is neither PEM nor base64");
  return Buffer.from(compact, "base64").toString("utf8");
}

export interface FileCaProviderOptions {
  onWarning?: (message: string) => void;
  maxAgeMs?: number;
  debounceMs?: number;
}

/** A CA file followed like the token file. Rejects when the first read fails: there is no last good bundle yet. */
export async function createFileCaProvider(
  path: string,
  options: FileCaProviderOptions = {},
): Promise<CaProvider> {
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const file = new FollowedFile(path, {
    label: "CA file",
    contentName: "CA bundle",
    parse: parseCaBundle,
    maxAgeMs,
    debounceMs: options.debounceMs,
    onWarning: options.onWarning,
  });
  await file.get().catch((error: Error) => {
    file.close();
    throw error;
  });
  // current() is synchronous, so nothing re-reads lazily: a timer enforces the floor instead.
  const timer = setInterval(() => file.reload().catch(() => undefined), maxAgeMs);
  timer.unref();
  return {
    current: () => file.content!,
    onChange: (listener) => file.onChange(() => listener()),
    describe: () => `CA file ${path} (${summarizeCaBundle(file.content!)})`,
    close() {
      clearInterval(timer);
      file.close();
    },
  };
}

/** Inline PEM (kubeconfig certificate-authority-data, caData option). Throws when invalid. */
export function createInlineCaProvider(pem: string, source: string): CaProvider {
  const bundle = parseCaBundle(pem);
  return {
    current: () => bundle,
    onChange: () => () => undefined,
    describe: () => `${source} (${summarizeCaBundle(bundle)})`,
    close: () => undefined,
  };
}
