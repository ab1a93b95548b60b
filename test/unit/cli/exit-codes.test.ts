// Exit codes of the real CLI for input it rejects before touching a cluster (docs/tools.md, docs/runtime.md):
// 2 = could not answer (bad flags), never 1, which scripts read as "no" / "problems found"; `incluster run`
// keeps docker run's 125 for its own failures.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runCli } from "./run-cli.ts";

describe("CLI exit codes for bad usage", () => {
  for (const args of [
    ["can-i", "--no-such-flag", "list", "pods"],
    ["token", "create"],
    ["no-such-command"],
    ["rbac", "check", "-f"],
    [],
  ]) {
    test(`incluster ${args.join(" ")} → 2`, async () => {
      const result = await runCli(args);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /error|Usage/);
    });
  }

  test("incluster run without --serviceaccount → 125 (the runner failed), not a code CMD could return", async () => {
    const result = await runCli(["run", "--", "true"]);
    assert.equal(result.code, 125, result.stderr);
    assert.match(result.stderr, /--serviceaccount/);
  });

  test("help is not an error", async () => {
    assert.equal((await runCli(["--help"])).code, 0);
    assert.equal((await runCli(["token", "decode", "--help"])).code, 0);
  });
});
