import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  caDataToPem,
  createFileCaProvider,
  createInlineCaProvider,
  parseCaBundle,
} from "../../../src/client/ca.ts";
import { atomicWrite, removeDir, selfSignedCertificate, serviceAccountDir } from "../token/fixtures.ts";

const first = selfSignedCertificate("first-ca").cert;
const second = selfSignedCertificate("second-ca").cert;

describe("parseCaBundle", () => {
  test("keeps every certificate block and drops text around them", () => {
    const bundle = parseCaBundle(`# cluster CA\n${first}\nsome junk\n${second}`);
    assert.equal(bundle, `${first.trim()}\n${second.trim()}\n`);
  });

  test("rejects empty input, text without PEM, and a corrupt block", () => {
    assert.throws(() => parseCaBundle(""), /is empty/);
    assert.throws(() => parseCaBundle("hello"), /no PEM certificate/);
    const corrupt = first.replace(/\n[A-Za-z0-9+/]{20}/, "\nAAAAAAAAAAAAAAAAAAAA");
    assert.throws(
      () => parseCaBundle(`${second}${corrupt}`),
      /certificate #2 is not a valid X.509 certificate/,
    );
  });
});

describe("caDataToPem", () => {
  test("accepts base64 (kubeconfig style) and PEM", () => {
    assert.equal(caDataToPem(Buffer.from(first).toString("base64")), first);
    assert.equal(caDataToPem(first), first);
    assert.throws(() => caDataToPem("not base64 !!"), /neither PEM nor base64/);
  });
});

describe("inline CA provider", () => {
  test("serves the bundle and describes it", () => {
    const ca = createInlineCaProvider(first, "caData option");
    assert.equal(ca.current(), `${first.trim()}\n`);
    assert.match(ca.describe(), /^caData option \(1 certificate: CN=first-ca, valid until \d{4}-/);
    assert.equal(typeof ca.onChange(() => undefined), "function");
  });

  test("invalid data throws", () => {
    assert.throws(() => createInlineCaProvider("garbage", "x"), /no PEM certificate/);
  });
});

describe("file CA provider", () => {
  let dir: string;
  before(async () => {
    dir = await serviceAccountDir({ "ca.crt": first });
  });
  after(() => removeDir(dir));

  test("follows an atomic swap, notifies listeners, and keeps the last good bundle on garbage", async () => {
    await atomicWrite(dir, { "ca.crt": first });
    const warnings: string[] = [];
    const ca = await createFileCaProvider(join(dir, "ca.crt"), { onWarning: (m) => warnings.push(m) });
    try {
      assert.match(ca.current(), /BEGIN CERTIFICATE/);
      assert.match(ca.describe(), /CN=first-ca/);
      let changes = 0;
      const unsubscribe = ca.onChange(() => changes++);

      const start = performance.now();
      await atomicWrite(dir, { "ca.crt": second });
      while (changes === 0 && performance.now() - start < 2000) await sleep(5);
      assert.equal(changes, 1);
      assert.ok(performance.now() - start < 1000);
      assert.match(ca.describe(), /CN=second-ca/);

      await atomicWrite(dir, { "ca.crt": "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n" });
      while (warnings.length === 0 && performance.now() - start < 3000) await sleep(5);
      assert.match(
        warnings[0] ?? "",
        /certificate #1 is not a valid X.509 certificate .*; still using the last good CA bundle/,
      );
      assert.match(ca.describe(), /CN=second-ca/);
      assert.equal(changes, 1);
      unsubscribe();
    } finally {
      ca.close();
    }
  });

  test("rejects when the first read fails", async () => {
    await assert.rejects(
      createFileCaProvider(join(dir, "missing.crt")),
      /CA file .*missing\.crt: does not exist/,
    );
  });
});
