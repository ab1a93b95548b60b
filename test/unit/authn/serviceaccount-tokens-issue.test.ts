import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import {
  type BoundTokenRequest,
  EXPIRATION_EXTENSION_SECONDS,
  issueBoundToken,
  issueLegacyToken,
} from "../../../src/server/authn/serviceaccount-tokens.ts";
import { keyIdFromPublicKey } from "../../../src/server/pki/signing-keys.ts";
import {
  decodeSegment,
  ISSUER,
  NODE,
  POD,
  payloadJson,
  SA,
  secondsAfter,
  T0,
  tokenConfig,
} from "./fixtures.ts";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("issueBoundToken claims", async () => {
  const cfg = await tokenConfig("RS256");

  it("reproduces the reference pod-bound token byte for byte (except jti)", async () => {
    const issued = await issueBoundToken(cfg, {
      serviceAccount: SA,
      pod: POD,
      node: NODE,
      expirationSeconds: 3607,
      now: T0,
    });
    assert.match(issued.jti, UUID_V4);
    const expected =
      '{"aud":["https://kubernetes.default.svc.cluster.local"],"exp":1731613413,"iat":1700077413,' +
      '"iss":"https://kubernetes.default.svc.cluster.local",' +
      `"jti":"${issued.jti}",` +
      '"kubernetes.io":{"namespace":"kube-system",' +
      '"node":{"name":"127.0.0.1","uid":"58456cb0-dd00-45ed-b797-5578fdceaced"},' +
      '"pod":{"name":"coredns-69cbfb9798-jv9gn","uid":"778a530c-b3f4-47c0-9cd5-ab018fb64f33"},' +
      '"serviceaccount":{"name":"coredns","uid":"a087d5a0-e1dd-43ec-93ac-f13d89cd13af"},' +
      '"warnafter":1700081020},' +
      '"nbf":1700077413,"sub":"system:serviceaccount:kube-system:coredns"}';
    assert.equal(payloadJson(issued.token), expected);
  });

  it("has a JWS header with only alg and kid", async () => {
    const { token } = await issueBoundToken(cfg, { serviceAccount: SA, now: T0 });
    assert.deepEqual(decodeSegment(token, 0), { alg: "RS256", kid: cfg.signingKey.kid });
    assert.equal(
      Buffer.from(token.split(".")[0], "base64url").toString(),
      `{"alg":"RS256","kid":"${cfg.signingKey.kid}"}`,
    );
  });

  it("carries only namespace and serviceaccount for an unbound token, and no warnafter", async () => {
    const issued = await issueBoundToken(cfg, { serviceAccount: SA, now: T0 });
    const claims = decodeSegment(issued.token, 1);
    assert.deepEqual(claims["kubernetes.io"], {
      namespace: SA.namespace,
      serviceaccount: { name: SA.name, uid: SA.uid },
    });
    assert.deepEqual(claims.aud, [ISSUER]);
    assert.equal(claims.exp, 1700077413 + 3600);
    assert.equal(claims.iat, claims.nbf);
    assert.deepEqual(issued.audiences, [ISSUER]);
    assert.deepEqual(issued.expirationTimestamp, secondsAfter(T0, 3600));
  });

  it("takes the node claim from the pod's nodeName when the Node object is absent", async () => {
    const { token } = await issueBoundToken(cfg, { serviceAccount: SA, pod: POD, now: T0 });
    const k8s = decodeSegment(token, 1)["kubernetes.io"] as Record<string, unknown>;
    assert.deepEqual(k8s.node, { name: "127.0.0.1" });
  });

  it("binds to a Secret or a Node", async () => {
    const secret = { name: "s1", uid: "secret-uid" };
    const bySecret = decodeSegment(
      (await issueBoundToken(cfg, { serviceAccount: SA, secret, now: T0 })).token,
      1,
    );
    assert.deepEqual((bySecret["kubernetes.io"] as Record<string, unknown>).secret, secret);
    const byNode = decodeSegment(
      (await issueBoundToken(cfg, { serviceAccount: SA, node: NODE, now: T0 })).token,
      1,
    );
    assert.deepEqual((byNode["kubernetes.io"] as Record<string, unknown>).node, NODE);
  });

  it("refuses to bind a token to a Secret and a Pod at once", async () => {
    await assert.rejects(
      issueBoundToken(cfg, { serviceAccount: SA, pod: POD, secret: { name: "s", uid: "u" } }),
      { message: "internal error, token can only be bound to one object type" },
    );
  });

  it("uses requested audiences as a JSON array and gives each token a fresh jti", async () => {
    const a = await issueBoundToken(cfg, { serviceAccount: SA, audiences: ["vault"], now: T0 });
    const b = await issueBoundToken(cfg, { serviceAccount: SA, audiences: ["vault"], now: T0 });
    assert.deepEqual(decodeSegment(a.token, 1).aud, ["vault"]);
    assert.notEqual(a.jti, b.jti);
    assert.equal(decodeSegment(a.token, 1).jti, a.jti);
  });

  it("escapes <, > and & the way Go's encoding/json does", async () => {
    const { token } = await issueBoundToken(cfg, {
      serviceAccount: SA,
      audiences: ["https://x/?a=1&b=<c>"],
      now: T0,
    });
    assert.match(payloadJson(token), /"aud":\["https:\/\/x\/\?a=1\\u0026b=\\u003cc\\u003e"\]/);
  });
});

describe("issueBoundToken expiration", async () => {
  const cfg = await tokenConfig("RS256");
  const claimsOf = async (req: Partial<BoundTokenRequest>, c = cfg) => {
    const issued = await issueBoundToken(c, { serviceAccount: SA, now: T0, ...req });
    return { issued, claims: decodeSegment(issued.token, 1) };
  };

  it("extends kubelet-style 3607 s pod tokens to a year with warnafter = iat + 3607", async () => {
    const { issued, claims } = await claimsOf({ pod: POD, expirationSeconds: 3607 });
    assert.equal(claims.exp, 1700077413 + EXPIRATION_EXTENSION_SECONDS);
    assert.equal((claims["kubernetes.io"] as Record<string, unknown>).warnafter, 1700077413 + 3607);
    assert.deepEqual(issued.expirationTimestamp, secondsAfter(T0, 3607));
    assert.equal(issued.expirationSeconds, 3607);
  });

  it("does not extend without a pod, with a non-API audience, with another expiry, or when disabled", async () => {
    const cases = [
      { req: { expirationSeconds: 3607 } },
      { req: { pod: POD, expirationSeconds: 3607, audiences: ["vault"] } },
      { req: { pod: POD, expirationSeconds: 3608 } },
      { req: { pod: POD, expirationSeconds: 3607 }, cfg: { ...cfg, extendExpiration: false } },
    ];
    for (const c of cases) {
      const { issued, claims } = await claimsOf(c.req, c.cfg);
      const seconds = c.req.expirationSeconds;
      assert.equal(claims.exp, 1700077413 + seconds, JSON.stringify(c.req));
      assert.equal((claims["kubernetes.io"] as Record<string, unknown>).warnafter, undefined);
      assert.deepEqual(issued.expirationTimestamp, secondsAfter(T0, seconds));
    }
  });

  it("extends when every requested audience is an API audience", async () => {
    const c = { ...cfg, apiAudiences: ["api", "k8s"] };
    const { claims } = await claimsOf({ pod: POD, expirationSeconds: 3607, audiences: ["k8s"] }, c);
    assert.equal(claims.exp, 1700077413 + EXPIRATION_EXTENSION_SECONDS);
  });

  it("caps at maxExpirationSeconds with the upstream warning", async () => {
    const { issued, claims } = await claimsOf(
      { expirationSeconds: 7200 },
      { ...cfg, maxExpirationSeconds: 3000 },
    );
    assert.deepEqual(issued.warnings, ["requested expiration of 7200 seconds shortened to 3000 seconds"]);
    assert.equal(claims.exp, 1700077413 + 3000);
    assert.equal(issued.expirationSeconds, 3000);
  });
});

describe("issueLegacyToken", async () => {
  const cfg = await tokenConfig("RS256");

  it("writes the flat legacy claims, sorted, with no aud/exp/iat/nbf/jti", async () => {
    const token = await issueLegacyToken(cfg, {
      namespace: "default",
      serviceAccountName: "build-robot",
      serviceAccountUID: "u-1",
      secretName: "build-robot-secret",
    });
    assert.equal(
      payloadJson(token),
      '{"iss":"kubernetes/serviceaccount",' +
        '"kubernetes.io/serviceaccount/namespace":"default",' +
        '"kubernetes.io/serviceaccount/secret.name":"build-robot-secret",' +
        '"kubernetes.io/serviceaccount/service-account.name":"build-robot",' +
        '"kubernetes.io/serviceaccount/service-account.uid":"u-1",' +
        '"sub":"system:serviceaccount:default:build-robot"}',
    );
  });
});

describe("kid", () => {
  for (const alg of ["RS256", "ES256"] as const) {
    it(`matches an independent openssl computation for ${alg}`, async () => {
      const cfg = await tokenConfig(alg);
      const pem = cfg.signingKey.publicKey.export({ type: "spki", format: "pem" }).toString();
      const der = execFileSync("openssl", ["pkey", "-pubin", "-outform", "DER"], { input: pem });
      const expected = createHash("sha256")
        .update(der)
        .digest("base64")
        .replace(/=+$/, "")
        .replace(/\+/g, "-")
        .replace(/\//g, "_");
      assert.equal(cfg.signingKey.kid, expected);
      assert.equal(keyIdFromPublicKey(cfg.signingKey.publicKey), expected);
      assert.equal(cfg.signingKey.alg, alg);
    });
  }
});
