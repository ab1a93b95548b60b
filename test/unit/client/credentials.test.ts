import assert from "node:assert/strict";
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CredentialError,
  type CredentialProvider,
  createStaticTokenProvider,
  createTokenFileProvider,
} from "../../../src/client/credentials.ts";
import { atomicWrite, boundToken, removeDir, serviceAccountDir, tempDir } from "../token/fixtures.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function saDir(files: Record<string, string>): Promise<string> {
  const dir = await serviceAccountDir(files);
  cleanups.push(() => removeDir(dir));
  return dir;
}

function track<T extends CredentialProvider>(provider: T): T {
  cleanups.push(() => provider.close());
  return provider;
}

/** Polls until fn() resolves to the expected value; returns the elapsed milliseconds. */
async function waitFor<T>(fn: () => Promise<T>, expected: T, limitMs = 3000): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < limitMs) {
    if ((await fn()) === expected) return performance.now() - start;
    await sleep(5);
  }
  assert.fail(`value did not become ${String(expected)} within ${limitMs} ms`);
}

describe("token file provider", () => {
  test("follows the kubelet's atomic ..data swap within 1 s", async () => {
    const tokenA = boundToken("app");
    const tokenB = boundToken("app", "default", { jti: "second" });
    const dir = await saDir({ token: tokenA, namespace: "default" });
    const provider = track(createTokenFileProvider(join(dir, "token")));
    assert.equal(await provider.header(), `Bearer ${tokenA}`);

    const swappedAt = performance.now();
    await atomicWrite(dir, { token: tokenB, namespace: "default" });
    await waitFor(() => provider.header(), `Bearer ${tokenB}`);
    const elapsed = performance.now() - swappedAt;
    assert.ok(elapsed < 1000, `new token used after ${Math.round(elapsed)} ms`);
    assert.equal(provider.currentToken?.(), tokenB);
  });

  test("trims the token and describes it redacted", async () => {
    const token = boundToken();
    const dir = await saDir({ token: `\n${token}\n\n` });
    const provider = track(createTokenFileProvider(join(dir, "token")));
    assert.match(provider.describe(), /not read yet/);
    assert.equal(await provider.header(), `Bearer ${token}`);
    const description = provider.describe();
    assert.match(
      description,
      new RegExp(`^token file ${join(dir, "token")} \\(eyJ…\\(redacted, sha256:[0-9a-f]{8}\\)\\)$`),
    );
    assert.ok(!description.includes(token.slice(0, 20)));
  });

  test("a removed token file keeps the last good token and warns once", async () => {
    const token = boundToken();
    const dir = await saDir({ token });
    const warnings: string[] = [];
    const provider = track(
      createTokenFileProvider(join(dir, "token"), { onWarning: (m) => warnings.push(m) }),
    );
    assert.equal(await provider.header(), `Bearer ${token}`);

    await rm(join(dir, "..data"));
    assert.equal(await provider.refresh(), false);
    assert.equal(await provider.refresh(), false);
    assert.equal(await provider.header(), `Bearer ${token}`);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], /does not exist; still using the last good token/);
    assert.ok(!warnings[0].includes(token));
  });

  test("an empty token file keeps the last good token", async () => {
    const token = boundToken();
    const dir = await saDir({ token });
    const warnings: string[] = [];
    const provider = track(
      createTokenFileProvider(join(dir, "token"), { onWarning: (m) => warnings.push(m) }),
    );
    await provider.header();
    await atomicWrite(dir, { token: "  \n" });
    assert.equal(await provider.refresh(), false);
    assert.equal(await provider.header(), `Bearer ${token}`);
    assert.match(warnings.join("\n"), /is empty; still using the last good token/);
  });

  test("a token that never existed is an error, and the file is picked up once it appears", async () => {
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    const path = join(dir, "token");
    const provider = track(createTokenFileProvider(path));
    await assert.rejects(provider.header(), (error: Error) => {
      assert.ok(error instanceof CredentialError);
      assert.match(error.message, new RegExp(`no bearer token: token file ${path}: does not exist`));
      return true;
    });
    await writeFile(path, "late-token");
    assert.equal(await provider.header(), "Bearer late-token");
  });

  test("refresh() resolves true only when the token changed", async () => {
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    const path = join(dir, "token");
    await writeFile(path, "one");
    const provider = track(createTokenFileProvider(path));
    assert.equal(await provider.header(), "Bearer one");
    assert.equal(await provider.refresh(), false, "nothing changed");

    await writeFile(path, "two");
    assert.equal(await provider.refresh(), true, "changed since the failing request");
    assert.equal(await provider.refresh(), false, "already reported");
    assert.equal(await provider.header(), "Bearer two");
  });

  test("re-reads lazily once the last read is older than maxAgeMs, even without a watch event", async () => {
    // The token is a symlink into another directory, so the directory watch never sees the change.
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    await mkdir(join(dir, "elsewhere"));
    await writeFile(join(dir, "elsewhere", "token"), "old");
    await mkdir(join(dir, "mount"));
    await symlink(join(dir, "elsewhere", "token"), join(dir, "mount", "token"));
    const provider = track(createTokenFileProvider(join(dir, "mount", "token"), { maxAgeMs: 150 }));
    assert.equal(await provider.header(), "Bearer old");
    await writeFile(join(dir, "elsewhere", "token"), "new");
    assert.equal(await provider.header(), "Bearer old", "still fresh");
    await sleep(200);
    assert.equal(await provider.header(), "Bearer new");
  });

  test("a kubeconfig token is the fallback until the token file can be read", async () => {
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    const path = join(dir, "token");
    const provider = track(createTokenFileProvider(path, { fallbackToken: "inline" }));
    assert.equal(await provider.header(), "Bearer inline");
    await writeFile(path, "from-file");
    await waitFor(() => provider.header(), "Bearer from-file");
  });

  test("close() stops following the file", async () => {
    const dir = await saDir({ token: "before" });
    const provider = createTokenFileProvider(join(dir, "token"));
    assert.equal(await provider.header(), "Bearer before");
    provider.close();
    await atomicWrite(dir, { token: "after" });
    await sleep(150);
    assert.equal(await provider.header(), "Bearer before");
  });
});

describe("static token provider", () => {
  test("serves the trimmed token, never refreshes, describes it redacted", async () => {
    const token = boundToken();
    const provider = createStaticTokenProvider(` ${token}\n`, "token option");
    assert.equal(await provider.header(), `Bearer ${token}`);
    assert.equal(await provider.refresh(), false);
    assert.equal(provider.currentToken?.(), token);
    assert.match(provider.describe(), /^token option \(eyJ…\(redacted, sha256:[0-9a-f]{8}\)\)$/);
  });

  test("an empty token is rejected", () => {
    assert.throws(() => createStaticTokenProvider(" \n", "token option"), /token option is empty/);
  });
});
