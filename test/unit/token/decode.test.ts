import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, test } from "node:test";
import { SignJWT } from "jose";
import {
  decodeToken,
  describeToken,
  expiresIn,
  redactToken,
  TokenDecodeError,
} from "../../../src/token/index.ts";
import { makeJwt } from "./fixtures.ts";

const legacyClaims = {
  iss: "kubernetes/serviceaccount",
  "kubernetes.io/serviceaccount/namespace": "kube-system",
  "kubernetes.io/serviceaccount/secret.name": "builder-token-abcde",
  "kubernetes.io/serviceaccount/service-account.name": "builder",
  "kubernetes.io/serviceaccount/service-account.uid": "0a1b2c3d",
  sub: "system:serviceaccount:kube-system:builder",
};

// The pod-bound example of serviceaccount-and-api-server.md §1.2.
const boundClaims = {
  aud: ["https://kubernetes.default.svc.cluster.local"],
  exp: 1731613413,
  iat: 1700077413,
  nbf: 1700077413,
  iss: "https://kubernetes.default.svc.cluster.local",
  jti: "ea28ed49-2e11-4280-9ec5-bc3d1d84661a",
  "kubernetes.io": {
    namespace: "kube-system",
    node: { name: "127.0.0.1", uid: "58456cb0-dd00-45ed-b797-5578fdceaced" },
    pod: { name: "coredns-69cbfb9798-jv9gn", uid: "778a530c-b3f4-47c0-9cd5-ab018fb64f33" },
    serviceaccount: { name: "coredns", uid: "a087d5a0-e1dd-43ec-93ac-f13d89cd13af" },
    warnafter: 1700081020,
  },
  sub: "system:serviceaccount:kube-system:coredns",
};

describe("decodeToken", () => {
  test("legacy Secret-based token: flat claims, no expiry", () => {
    const decoded = decodeToken(makeJwt(legacyClaims));
    assert.equal(decoded.format, "legacy");
    assert.equal(decoded.issuer, "kubernetes/serviceaccount");
    assert.deepEqual(decoded.serviceAccount, { namespace: "kube-system", name: "builder", uid: "0a1b2c3d" });
    assert.deepEqual(decoded.secret, { name: "builder-token-abcde" });
    assert.equal(decoded.username, "system:serviceaccount:kube-system:builder");
    assert.deepEqual(decoded.audiences, []);
    assert.equal(decoded.expiresAt, undefined);
    assert.equal(expiresIn(decoded), undefined);
    assert.equal(decoded.pod, undefined);
  });

  test("bound pod token: nested kubernetes.io claim with pod, node and warnafter", () => {
    const decoded = decodeToken(makeJwt(boundClaims));
    assert.equal(decoded.format, "bound");
    assert.deepEqual(decoded.header, { alg: "RS256", kid: "test-kid" });
    assert.deepEqual(decoded.serviceAccount, {
      namespace: "kube-system",
      name: "coredns",
      uid: "a087d5a0-e1dd-43ec-93ac-f13d89cd13af",
    });
    assert.deepEqual(decoded.pod, {
      name: "coredns-69cbfb9798-jv9gn",
      uid: "778a530c-b3f4-47c0-9cd5-ab018fb64f33",
    });
    assert.deepEqual(decoded.node, { name: "127.0.0.1", uid: "58456cb0-dd00-45ed-b797-5578fdceaced" });
    assert.equal(decoded.secret, undefined);
    assert.deepEqual(decoded.audiences, ["https://kubernetes.default.svc.cluster.local"]);
    assert.equal(decoded.issuedAt?.getTime(), 1700077413_000);
    assert.equal(decoded.notBefore?.getTime(), 1700077413_000);
    assert.equal(decoded.expiresAt?.getTime(), 1731613413_000);
    assert.equal(decoded.warnAfter?.getTime(), 1700081020_000);
    assert.equal(decoded.jti, "ea28ed49-2e11-4280-9ec5-bc3d1d84661a");
    assert.equal(decoded.username, "system:serviceaccount:kube-system:coredns");
    assert.equal(expiresIn(decoded, new Date(1731613413_000 - 5000)), 5000);
  });

  test("bound token bound to a Secret, single-string aud", () => {
    const decoded = decodeToken(
      makeJwt({
        aud: "api",
        sub: "system:serviceaccount:ns:sa",
        "kubernetes.io": {
          namespace: "ns",
          serviceaccount: { name: "sa", uid: "u1" },
          secret: { name: "s", uid: "u2" },
        },
      }),
    );
    assert.deepEqual(decoded.audiences, ["api"]);
    assert.deepEqual(decoded.secret, { name: "s", uid: "u2" });
  });

  test("a real signed token (jose, RS256) decodes, with surrounding whitespace trimmed", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const jwt = await new SignJWT({
      "kubernetes.io": { namespace: "prod", serviceaccount: { name: "web", uid: "x" } },
    })
      .setProtectedHeader({ alg: "RS256", kid: "abc" })
      .setIssuer("https://issuer.example")
      .setSubject("system:serviceaccount:prod:web")
      .setAudience(["a", "b"])
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);
    const decoded = decodeToken(`\n  ${jwt}\n`);
    assert.equal(decoded.format, "bound");
    assert.equal(decoded.header.kid, "abc");
    assert.deepEqual(decoded.audiences, ["a", "b"]);
    const left = expiresIn(decoded)!;
    assert.ok(left > 3590_000 && left <= 3600_000, `expires in ${left} ms`);
  });

  test("a non-ServiceAccount token is 'other' with no username", () => {
    const decoded = decodeToken(makeJwt({ iss: "https://accounts.example", sub: "alice@example.com" }));
    assert.equal(decoded.format, "other");
    assert.equal(decoded.username, undefined);
    assert.equal(decoded.serviceAccount, undefined);
  });

  const malformed: [string, string, RegExp][] = [
    ["empty", "  \n", /empty/],
    ["two parts", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0", /3 dot-separated parts.*found 2/],
    ["JWE", "a.b.c.d.e", /JWE/],
    ["Bearer prefix", `Bearer ${makeJwt({})}`, /Bearer/],
    ["bad base64url header", "ey!!.eyJzdWIiOiJ4In0.c2ln", /header is not valid base64url/],
    ["header not JSON", `${Buffer.from("not json").toString("base64url")}.e30.c2ln`, /header is not JSON/],
    [
      "header not an object",
      `${Buffer.from("[1]").toString("base64url")}.e30.c2ln`,
      /header is JSON but not an object/,
    ],
    ["header without alg", `${Buffer.from("{}").toString("base64url")}.e30.c2ln`, /no "alg"/],
    [
      "payload not JSON",
      `eyJhbGciOiJSUzI1NiJ9.${Buffer.from("{oops").toString("base64url")}.c2ln`,
      /payload is not JSON/,
    ],
    ["empty payload", "eyJhbGciOiJSUzI1NiJ9..c2ln", /payload is empty/],
    ["bad signature", "eyJhbGciOiJSUzI1NiJ9.e30.a+b/", /signature is not valid base64url/],
  ];
  for (const [name, input, message] of malformed) {
    test(`malformed: ${name}`, () => {
      assert.throws(
        () => decodeToken(input),
        (error: unknown) => error instanceof TokenDecodeError && message.test(error.message),
      );
    });
  }

  test("error messages never contain the token", () => {
    const secretPayload = Buffer.from("{not-json-but-secret-material").toString("base64url");
    const token = `eyJhbGciOiJSUzI1NiJ9.${secretPayload}.c2ln`;
    assert.throws(
      () => decodeToken(token),
      (error: Error) => !error.message.includes(secretPayload) && !error.message.includes(token),
    );
  });
});

describe("redactToken", () => {
  test("shows only the JWT prefix and a sha256 fingerprint", () => {
    const token = makeJwt(boundClaims);
    const redacted = redactToken(token);
    assert.match(redacted, /^eyJ…\(redacted, sha256:[0-9a-f]{8}\)$/);
    assert.ok(!redacted.includes(token.slice(3, 12)));
    assert.equal(redactToken(`${token}\n`), redacted, "trailing newline does not change the fingerprint");
    assert.notEqual(redactToken(makeJwt(legacyClaims)), redacted);
  });

  test("non-JWT tokens reveal no prefix at all", () => {
    const redacted = redactToken("abcdef.0123456789abcdef");
    assert.match(redacted, /^…\(redacted, sha256:[0-9a-f]{8}\)$/);
    assert.equal(redactToken("  "), "(empty token)");
  });
});

describe("describeToken", () => {
  test("summarises a bound token without the token itself", () => {
    const token = makeJwt(boundClaims);
    const text = describeToken(decodeToken(token), new Date(1700077413_000 + 60_000));
    assert.match(text, /Format:\s+bound/);
    assert.match(text, /Username:\s+system:serviceaccount:kube-system:coredns/);
    assert.match(text, /Bound to Pod:\s+coredns-69cbfb9798-jv9gn \(uid 778a530c/);
    assert.match(text, /Issued at:\s+2023-11-15T19:43:33.000Z \(1m ago\)/);
    assert.match(text, /Expires at:\s+2024-11-14T19:43:33.000Z \(in 364d 23h\)/);
    assert.match(text, /Key ID:\s+test-kid \(alg RS256\)/);
    assert.doesNotMatch(text, /Not before/, "nbf equal to iat is not repeated");
    assert.ok(!text.includes(token.split(".")[1]));
    assert.ok(!text.includes(token.split(".")[2]));
  });

  test("flags expired tokens, stale tokens and legacy tokens", () => {
    const expired = describeToken(decodeToken(makeJwt(boundClaims)), new Date(1731613413_000 + 3 * 60_000));
    assert.match(expired, /EXPIRED 3m ago/);
    assert.match(expired, /past warnafter/);
    const legacy = describeToken(decodeToken(makeJwt(legacyClaims)));
    assert.match(legacy, /Expires at:\s+never/);
    assert.match(legacy, /Secret:\s+builder-token-abcde/);
    assert.match(legacy, /legacy Secret-based tokens never expire/);
  });
});
