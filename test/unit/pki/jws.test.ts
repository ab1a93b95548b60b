import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeCompactJws, goJson, jwsSignatureError, signCompactJws } from "../../../src/server/pki/jws.ts";
import { generateServiceAccountKey } from "../../../src/server/pki/signing-keys.ts";

describe("goJson", () => {
  it("sorts keys at every level and drops undefined like omitempty", () => {
    assert.equal(
      goJson({ b: 1, a: { z: [{ y: 1, x: 2 }], m: undefined, c: "x" } }),
      '{"a":{"c":"x","z":[{"x":2,"y":1}]},"b":1}',
    );
  });

  it("escapes HTML-sensitive characters and line separators as Go does", () => {
    assert.equal(goJson({ s: "<a&b>\u2028" }), '{"s":"\\u003ca\\u0026b\\u003e\\u2028"}');
  });
});

describe("compact JWS", async () => {
  const key = await generateServiceAccountKey("ES256");
  const other = await generateServiceAccountKey("ES256");
  const rsa = await generateServiceAccountKey("RS256");

  it("signs with an {alg, kid} header and round-trips the payload", async () => {
    const token = await signCompactJws({ b: 2, a: 1 }, key);
    const decoded = decodeCompactJws(token);
    assert.deepEqual(decoded, { header: { alg: "ES256", kid: key.kid }, payload: { a: 1, b: 2 } });
    assert.equal(await jwsSignatureError(token, key.publicKey), undefined);
  });

  it("reports go-jose's errors for a wrong key of the same or another type", async () => {
    const token = await signCompactJws({ a: 1 }, key);
    assert.equal(
      await jwsSignatureError(token, other.publicKey),
      "go-jose/go-jose: error in cryptographic primitive",
    );
    assert.equal(
      await jwsSignatureError(token, rsa.publicKey),
      "go-jose/go-jose: unknown/unsupported algorithm",
    );
  });

  it("does not decode non-JWS input", () => {
    for (const input of ["", "a.b", "a.b.c.d", "e30.e30.***", "bm90IGpzb24.e30.", "WzFd.e30."]) {
      assert.equal(decodeCompactJws(input), undefined, input);
    }
  });
});
