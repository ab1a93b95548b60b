import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  generateCertificateKey,
  issueCertificate,
  privateKeyPem,
} from "../../../src/server/pki/certificates.ts";
import { loadOrCreatePki } from "../../../src/server/pki/index.ts";
import { opensslVerify } from "./openssl.ts";

const DAY_MS = 86_400_000;

describe("loadOrCreatePki with a dataDir", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "incluster-pki-"));
  const pkiDir = join(dataDir, "pki");
  after(() => rm(dataDir, { recursive: true, force: true }));

  const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const start = performance.now();
    const result = await fn();
    return [result, performance.now() - start];
  };
  const [first, firstMs] = await timed(() => loadOrCreatePki({ dataDir }));

  it("writes PEM files, private keys and the directory owner-only", async () => {
    assert.equal((await stat(pkiDir)).mode & 0o777, 0o700);
    const expectations: [string, number][] = [
      ["ca.crt", 0o644],
      ["ca.key", 0o600],
      ["apiserver.crt", 0o644],
      ["apiserver.key", 0o600],
      ["admin.crt", 0o644],
      ["admin.key", 0o600],
      ["sa.key", 0o600],
      ["sa.pub", 0o644],
    ];
    for (const [file, mode] of expectations) {
      assert.equal(
        (await stat(join(pkiDir, file))).mode & 0o777 & ~process.umask(),
        mode & ~process.umask(),
        file,
      );
    }
    assert.equal(await readFile(join(pkiDir, "ca.crt"), "utf8"), first.caCertPem);
    assert.match(await readFile(join(pkiDir, "sa.key"), "utf8"), /^-----BEGIN PRIVATE KEY-----/);
  });

  it("reuses the CA, certificates and signing key on restart", async (t) => {
    const [again, reloadMs] = await timed(() => loadOrCreatePki({ dataDir }));
    t.diagnostic(`loadOrCreatePki: first run ${firstMs.toFixed(1)} ms, reload ${reloadMs.toFixed(1)} ms`);
    assert.equal(again.caCertPem, first.caCertPem);
    assert.equal(again.servingCertPem, first.servingCertPem);
    assert.equal(again.servingKeyPem, first.servingKeyPem);
    assert.equal(again.adminCertPem, first.adminCertPem);
    assert.equal(again.serviceAccountKey.kid, first.serviceAccountKey.kid);
    assert.equal(again.serviceAccountKey.alg, "RS256");
    assert.ok(reloadMs < 1000, `reload took ${reloadMs} ms`);
  });

  it("signs new client certificates with the persisted CA", async () => {
    const again = await loadOrCreatePki({ dataDir });
    const client = await again.issueClientCert({ commonName: "bob" });
    assert.match(opensslVerify(first.caCertPem, client.certPem), /: OK/);
  });

  it("re-issues the serving certificate when hosts are added, keeping the CA", async () => {
    const wider = await loadOrCreatePki({ dataDir, extraHosts: ["192.0.2.10"] });
    assert.equal(wider.caCertPem, first.caCertPem);
    assert.notEqual(wider.servingCertPem, first.servingCertPem);
    assert.equal(new X509Certificate(wider.servingCertPem).checkIP("192.0.2.10"), "192.0.2.10");
    assert.equal(await readFile(join(pkiDir, "apiserver.crt"), "utf8"), wider.servingCertPem);
    const same = await loadOrCreatePki({ dataDir, extraHosts: ["192.0.2.10"] });
    assert.equal(same.servingCertPem, wider.servingCertPem);
  });

  it("re-issues a serving certificate that expires within 30 days or is unreadable", async () => {
    const ca = { certPem: first.caCertPem, keyPem: await readFile(join(pkiDir, "ca.key"), "utf8") };
    const key = await generateCertificateKey();
    const shortLived = await issueCertificate(ca, key, {
      subject: { commonName: "kube-apiserver" },
      usage: "serverAuth",
      hosts: ["localhost", "127.0.0.1"],
      days: 10,
    });
    await writeFile(join(pkiDir, "apiserver.crt"), shortLived);
    await writeFile(join(pkiDir, "apiserver.key"), privateKeyPem(key));
    const renewed = await loadOrCreatePki({ dataDir });
    assert.notEqual(renewed.servingCertPem, shortLived);
    assert.ok(Date.parse(new X509Certificate(renewed.servingCertPem).validTo) - Date.now() > 300 * DAY_MS);

    await writeFile(join(pkiDir, "apiserver.crt"), "garbage");
    const repaired = await loadOrCreatePki({ dataDir });
    assert.ok(
      new X509Certificate(repaired.servingCertPem).checkPrivateKey(createPrivateKey(repaired.servingKeyPem)),
    );
    assert.equal(repaired.caCertPem, first.caCertPem);
  });

  it("replaces the signing key only when another algorithm is asked for", async () => {
    const ec = await loadOrCreatePki({ dataDir, saKeyAlgorithm: "ES256" });
    assert.equal(ec.serviceAccountKey.alg, "ES256");
    assert.notEqual(ec.serviceAccountKey.kid, first.serviceAccountKey.kid);
    const kept = await loadOrCreatePki({ dataDir });
    assert.equal(kept.serviceAccountKey.kid, ec.serviceAccountKey.kid);
    assert.equal(kept.caCertPem, first.caCertPem);
  });

  it("restores a missing sa.pub from the kept signing key", async () => {
    const before = await loadOrCreatePki({ dataDir });
    await rm(join(pkiDir, "sa.pub"));
    const after = await loadOrCreatePki({ dataDir });
    assert.equal(after.serviceAccountKey.kid, before.serviceAccountKey.kid);
    const pub = await readFile(join(pkiDir, "sa.pub"), "utf8");
    assert.equal(pub, before.serviceAccountKey.publicKey.export({ type: "spki", format: "pem" }).toString());
  });

  it("refuses to replace half a CA", async () => {
    const broken = await mkdtemp(join(tmpdir(), "incluster-pki-"));
    try {
      await loadOrCreatePki({ dataDir: broken });
      await rm(join(broken, "pki", "ca.key"));
      await assert.rejects(
        loadOrCreatePki({ dataDir: broken }),
        /incomplete PKI .*ca\.crt and ca\.key must both exist/,
      );
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
