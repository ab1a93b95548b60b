import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readLines } from "../../../src/server/storage/line-reader.ts";

const dir = mkdtempSync(join(tmpdir(), "incluster-lines-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(content: string | Buffer) {
  const path = join(dir, "f");
  writeFileSync(path, content);
  const out = [];
  for await (const line of readLines(path)) out.push(line);
  return out;
}

describe("readLines", () => {
  it("yields lines with byte offsets, flagging an unterminated tail", async () => {
    const lines = await collect("ab\nçé\n\ntail");
    assert.deepEqual(lines, [
      { text: "ab", offset: 0, end: 3, terminated: true },
      { text: "çé", offset: 3, end: 8, terminated: true },
      { text: "", offset: 8, end: 9, terminated: true },
      { text: "tail", offset: 9, end: 13, terminated: false },
    ]);
  });

  it("joins lines that span chunk boundaries, including lines longer than a chunk", async () => {
    const long = "x".repeat(9 * 1024 * 1024);
    const a = `${"a".repeat(4 * 1024 * 1024 - 2)}`;
    const lines = await collect(`${a}\n${long}\nend\n`);
    assert.deepEqual(
      lines.map((l) => [l.text.length, l.offset, l.end, l.terminated]),
      [
        [a.length, 0, a.length + 1, true],
        [long.length, a.length + 1, a.length + long.length + 2, true],
        [3, a.length + long.length + 2, a.length + long.length + 6, true],
      ],
    );
  });
});
