// openssl as an independent verifier of what the PKI module produces.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** `openssl verify -x509_strict` (the checks Python >= 3.13 enables by default); returns stdout. */
export function opensslVerify(caPem: string, leafPem: string): string {
  const dir = mkdtempSync(join(tmpdir(), "incluster-openssl-"));
  try {
    writeFileSync(join(dir, "ca.crt"), caPem);
    writeFileSync(join(dir, "leaf.crt"), leafPem);
    return execFileSync(
      "openssl",
      ["verify", "-x509_strict", "-CAfile", join(dir, "ca.crt"), join(dir, "leaf.crt")],
      {
        encoding: "utf8",
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Text dump of the given extensions. */
export function opensslExtensions(certPem: string, names: string[]): string {
  return execFileSync("openssl", ["x509", "-noout", "-ext", names.join(",")], {
    input: certPem,
    encoding: "utf8",
  });
}
