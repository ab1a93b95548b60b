// On-disk layout of a persisted PKI (kubeadm-like names). Private keys are 0600 and every file is
// written atomically, so a crash mid-write never leaves a truncated key or certificate behind.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const PKI_FILES = {
  caCert: "ca.crt",
  caKey: "ca.key",
  servingCert: "apiserver.crt",
  servingKey: "apiserver.key",
  adminCert: "admin.crt",
  adminKey: "admin.key",
  serviceAccountKey: "sa.key",
  serviceAccountPublicKey: "sa.pub",
} as const;

export type PkiFile = keyof typeof PKI_FILES;
export type PkiFileContents = Partial<Record<PkiFile, string>>;

const PRIVATE_FILES: ReadonlySet<PkiFile> = new Set(["caKey", "servingKey", "adminKey", "serviceAccountKey"]);

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export async function readPkiFiles(dir: string): Promise<PkiFileContents> {
  const names = Object.keys(PKI_FILES) as PkiFile[];
  const contents = await Promise.all(names.map((name) => readIfExists(join(dir, PKI_FILES[name]))));
  const result: PkiFileContents = {};
  names.forEach((name, i) => {
    if (contents[i] !== undefined) result[name] = contents[i];
  });
  return result;
}

export async function writePkiFiles(dir: string, files: PkiFileContents): Promise<void> {
  const entries = Object.entries(files) as [PkiFile, string][];
  if (entries.length === 0) return;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await Promise.all(
    entries.map(async ([name, contents]) => {
      const path = join(dir, PKI_FILES[name]);
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, contents, { mode: PRIVATE_FILES.has(name) ? 0o600 : 0o644 });
      await rename(tmp, path);
    }),
  );
}
