// Test fixtures shared by the token and client-config tests: hand-built JWTs, the kubelet's AtomicWriter
// directory layout, and throwaway certificates.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readlink, rename, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** An unsigned-looking JWT: real header and payload, fake signature. Enough for decode and for the client. */
export function makeJwt(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: "RS256", kid: "test-kid" },
): string {
  return `${b64url(header)}.${b64url(claims)}.${Buffer.from("not-a-real-signature").toString("base64url")}`;
}

export function boundToken(name = "app", namespace = "default", extra: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return makeJwt({
    aud: ["https://kubernetes.default.svc"],
    exp: now + 3600,
    iat: now,
    nbf: now,
    iss: "https://kubernetes.default.svc",
    sub: `system:serviceaccount:${namespace}:${name}`,
    "kubernetes.io": { namespace, serviceaccount: { name, uid: "sa-uid" } },
    ...extra,
  });
}

export async function tempDir(prefix = "incluster-test-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

let generation = 0;

/**
 * Writes files the way the kubelet's AtomicWriter does (pkg/volume/util/atomic_writer.go): a fresh
 * `..<timestamp>` directory, a `..data_tmp` symlink to it renamed over `..data`, user-visible
 * symlinks `name -> ..data/name`, then the old directory removed.
 */
export async function atomicWrite(dir: string, files: Record<string, string>): Promise<void> {
  const stamp = new Date().toISOString().replace(/[-:T]/g, "_").replace(/\..*$/, "");
  const payloadName = `..${stamp}.${process.pid}${generation++}`;
  await mkdir(join(dir, payloadName));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, payloadName, name), content);
  const previous = await readlink(join(dir, "..data")).catch(() => undefined);
  await symlink(payloadName, join(dir, "..data_tmp"));
  await rename(join(dir, "..data_tmp"), join(dir, "..data"));
  for (const name of Object.keys(files)) {
    await symlink(join("..data", name), join(dir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
  }
  const visible = (await readdir(dir)).filter((name) => !name.startsWith(".."));
  for (const name of visible) if (!(name in files)) await unlink(join(dir, name));
  if (previous) await rm(join(dir, previous), { recursive: true, force: true });
}

/** A ServiceAccount directory like a Pod's, in a fresh temp dir. */
export async function serviceAccountDir(files: Record<string, string>): Promise<string> {
  const dir = await tempDir("incluster-sa-");
  await atomicWrite(dir, files);
  return dir;
}

/** A self-signed certificate and its key (PEM), made with the openssl CLI. */
export function selfSignedCertificate(commonName = "test-ca"): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "incluster-cert-"));
  try {
    const keyFile = join(dir, "key.pem");
    execFileSync("openssl", [
      "genpkey",
      "-algorithm",
      "EC",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-out",
      keyFile,
    ]);
    const cert = execFileSync(
      "openssl",
      ["req", "-x509", "-new", "-key", keyFile, "-subj", `/CN=${commonName}`, "-days", "3650"],
      { encoding: "utf8" },
    );
    return { cert, key: readFileSync(keyFile, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
