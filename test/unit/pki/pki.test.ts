import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { describe, it } from "node:test";
import { DEFAULT_SERVING_HOSTS, keyIdFromPublicKey, loadOrCreatePki } from "../../../src/server/pki/index.ts";
import { opensslExtensions, opensslVerify } from "./openssl.ts";

const YEAR_MS = 365 * 24 * 3600 * 1000;

describe("loadOrCreatePki in memory", async () => {
  const pki = await loadOrCreatePki({ extraHosts: ["10.96.0.1", "api.example.test"] });
  const ca = new X509Certificate(pki.caCertPem);

  it("creates a 10-year CA with critical CA:TRUE and certificate-signing key usage", () => {
    assert.equal(ca.ca, true);
    assert.equal(ca.subject, "CN=incluster-ca");
    assert.ok(Date.parse(ca.validTo) - Date.now() > 9 * YEAR_MS);
    const ext = opensslExtensions(pki.caCertPem, ["basicConstraints", "keyUsage", "subjectKeyIdentifier"]);
    assert.match(ext, /Basic Constraints: critical\s+CA:TRUE/);
    assert.match(ext, /Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    assert.match(ext, /Subject Key Identifier/);
  });

  it("issues a serving certificate for the in-cluster names, loopback and extra hosts", () => {
    const serving = new X509Certificate(pki.servingCertPem);
    assert.equal(serving.ca, false);
    assert.ok(serving.checkIssued(ca) && serving.verify(ca.publicKey));
    for (const host of [...DEFAULT_SERVING_HOSTS, "10.96.0.1", "api.example.test"]) {
      const matched = isIP(host) ? serving.checkIP(host) : serving.checkHost(host);
      assert.ok(matched, host);
    }
    assert.equal(serving.checkHost("example.com"), undefined);
    assert.match(
      opensslExtensions(pki.servingCertPem, ["extendedKeyUsage"]),
      /TLS Web Server Authentication/,
    );
    assert.match(opensslVerify(pki.caCertPem, pki.servingCertPem), /: OK/);
    assert.ok(serving.checkPrivateKey(createPrivateKey(pki.servingKeyPem)));
  });

  it("issues the admin client certificate as kubernetes-admin in system:masters", () => {
    const admin = new X509Certificate(pki.adminCertPem);
    assert.equal(admin.subject, "O=system:masters\nCN=kubernetes-admin");
    assert.match(opensslExtensions(pki.adminCertPem, ["extendedKeyUsage"]), /TLS Web Client Authentication/);
    assert.match(opensslVerify(pki.caCertPem, pki.adminCertPem), /: OK/);
    assert.ok(admin.checkPrivateKey(createPrivateKey(pki.adminKeyPem)));
  });

  it("issues further client certificates with several organizations and a chosen lifetime", async () => {
    const { certPem, keyPem } = await pki.issueClientCert(
      { commonName: "jane", organizations: ["dev", "ops"] },
      2,
    );
    const cert = new X509Certificate(certPem);
    assert.equal(cert.subject, "O=dev\nO=ops\nCN=jane");
    const lifetime = Date.parse(cert.validTo) - Date.now();
    assert.ok(lifetime > 1.9 * 86_400_000 && lifetime <= 2 * 86_400_000, String(lifetime));
    assert.ok(cert.checkPrivateKey(createPrivateKey(keyPem)));
    assert.match(opensslVerify(pki.caCertPem, certPem), /: OK/);
  });

  it("makes an RSA-2048 RS256 ServiceAccount key by default, with its kid", () => {
    const { privateKey, publicKey, alg, kid } = pki.serviceAccountKey;
    assert.equal(alg, "RS256");
    assert.equal(publicKey.asymmetricKeyType, "rsa");
    assert.equal(publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(privateKey.type, "private");
    assert.equal(kid, keyIdFromPublicKey(publicKey));
  });

  it("makes a P-256 key for ES256 on request", async () => {
    const ec = await loadOrCreatePki({ saKeyAlgorithm: "ES256" });
    assert.equal(ec.serviceAccountKey.alg, "ES256");
    assert.equal(ec.serviceAccountKey.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
    assert.notEqual(ec.caCertPem, pki.caCertPem);
  });
});
