import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLocalJWKSet, jwtVerify } from "jose";
import {
  issueBoundToken,
  jwks,
  openIdConfiguration,
  verifyServiceAccountToken,
} from "../../../src/server/authn/serviceaccount-tokens.ts";
import { generateServiceAccountKey } from "../../../src/server/pki/signing-keys.ts";
import { exampleObjects, ISSUER, SA, tokenConfig } from "./fixtures.ts";

describe("OIDC discovery", async () => {
  const rsa = await tokenConfig("RS256");
  const ec = await generateServiceAccountKey("ES256");

  it("serves the upstream openid-configuration document", () => {
    assert.deepEqual(openIdConfiguration(rsa, "https://127.0.0.1:6443"), {
      issuer: ISSUER,
      jwks_uri: "https://127.0.0.1:6443/openid/v1/jwks",
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
    });
  });

  it("derives jwks_uri from a bare host:port and lists the sorted set of algorithms", () => {
    const cfg = { ...rsa, verifyKeys: [ec.publicKey, rsa.signingKey.publicKey, ec.publicKey] };
    const doc = openIdConfiguration(cfg, "kubernetes.example:443") as Record<string, unknown>;
    assert.equal(doc.jwks_uri, "https://kubernetes.example:443/openid/v1/jwks");
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ["ES256", "RS256"]);
  });

  it("publishes an RSA JWK with go-jose's field order", () => {
    const { keys } = jwks(rsa);
    assert.equal(keys.length, 1);
    const key = keys[0] as Record<string, string>;
    assert.deepEqual(Object.keys(key), ["use", "kty", "kid", "alg", "n", "e"]);
    assert.equal(key.use, "sig");
    assert.equal(key.kty, "RSA");
    assert.equal(key.kid, rsa.signingKey.kid);
    assert.equal(key.alg, "RS256");
    assert.equal(key.e, "AQAB");
    assert.equal(Buffer.from(key.n, "base64url").length, 256);
  });

  it("publishes an EC JWK with crv, x and y", () => {
    const { keys } = jwks({ ...rsa, verifyKeys: [ec.publicKey] });
    const key = keys[0] as Record<string, string>;
    assert.deepEqual(Object.keys(key), ["use", "kty", "kid", "crv", "alg", "x", "y"]);
    assert.equal(key.kid, ec.kid);
    assert.equal(key.crv, "P-256");
    assert.equal(key.alg, "ES256");
  });

  for (const alg of ["RS256", "ES256"] as const) {
    it(`lets an external verifier check ${alg} tokens with the JWKS alone`, async () => {
      const cfg = await tokenConfig(alg);
      const { token } = await issueBoundToken(cfg, { serviceAccount: SA });
      const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks(cfg) as never), {
        issuer: ISSUER,
        audience: ISSUER,
      });
      assert.equal(payload.sub, "system:serviceaccount:kube-system:coredns");
      assert.equal(protectedHeader.kid, cfg.signingKey.kid);
      assert.equal((await verifyServiceAccountToken(token, cfg, exampleObjects())).status, "authenticated");
    });
  }
});
