import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeContinue, encodeContinue } from "../../../src/server/storage/index.ts";

const token = (obj: unknown) => Buffer.from(JSON.stringify(obj)).toString("base64url");

describe("continue tokens", () => {
  it("encode like upstream: unpadded base64url of {v, rv, start} with a NUL-terminated start key", () => {
    const t = encodeContinue(42, "default/web-1");
    assert.doesNotMatch(t, /[=+/]/);
    assert.equal(
      Buffer.from(t, "base64url").toString(),
      '{"v":"meta.k8s.io/v1","rv":42,"start":"default/web-1\\u0000"}',
    );
  });

  it("round-trip to the last returned key", () => {
    assert.deepEqual(decodeContinue(encodeContinue(7, "ns/a")), { rv: 7, startKey: "ns/a" });
    assert.deepEqual(decodeContinue(encodeContinue(-1, "kube-system")), { rv: -1, startKey: "kube-system" });
  });

  it("escape HTML characters the way Go's json.Marshal does", () => {
    const t = encodeContinue(1, "a<b>&c");
    assert.match(Buffer.from(t, "base64url").toString(), /a\\u003cb\\u003e\\u0026c/);
    assert.equal(decodeContinue(t).startKey, "a<b>&c");
  });

  it("accept tokens without the NUL suffix, as a plain start key", () => {
    assert.deepEqual(decodeContinue(token({ v: "meta.k8s.io/v1", rv: 3, start: "ns/b" })), {
      rv: 3,
      startKey: "ns/b",
    });
  });

  const bad: [string, string, string][] = [
    [
      "bad base64",
      "abc$",
      "invalid continue token: continue key is not valid: illegal base64 data at input byte 3",
    ],
    [
      "a dangling base64 byte",
      "abcde",
      "invalid continue token: continue key is not valid: illegal base64 data at input byte 4",
    ],
    [
      "an unknown version",
      token({ v: "meta.k8s.io/v2", rv: 1, start: "a" }),
      "invalid continue token: continue key is not valid: server does not recognize this encoded version meta.k8s.io/v2",
    ],
    [
      "a zero rv",
      token({ v: "meta.k8s.io/v1", rv: 0, start: "a" }),
      "invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
    ],
    [
      "an empty start key",
      token({ v: "meta.k8s.io/v1", rv: 5, start: "" }),
      "invalid continue token: continue key is not valid: encoded start key empty (version meta.k8s.io/v1)",
    ],
    [
      "path traversal",
      token({ v: "meta.k8s.io/v1", rv: 5, start: "../secrets/x" }),
      "invalid continue token: continue key is not valid: ../secrets/x",
    ],
  ];
  for (const [what, input, message] of bad) {
    it(`reject ${what} with upstream's text`, () => {
      assert.throws(() => decodeContinue(input), { name: "StorageError", code: "BadRequest", message });
    });
  }

  it("reject non-JSON payloads", () => {
    assert.throws(() => decodeContinue(Buffer.from("nope").toString("base64url")), {
      code: "BadRequest",
      message: /^invalid continue token: continue key is not valid: /,
    });
  });
});
