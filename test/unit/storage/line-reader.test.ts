import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { scanLines } from "../../../src/server/storage/line-reader.ts";

const dir = mkdtempSync(join(tmpdir(), "incluster-lines-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(content: string | Buffer, chunkBytes?: number) {
  const path = join(dir, "f");
  writeFileSync(path, content);
  const out: { text: string; offset: number; end: number; terminated: boolean }[] = [];
  await scanLines(
    path,
    (l) =>
      out.push({
        text: l.buf.toString("utf8", l.start, l.end),
        offset: l.offset,
        end: l.offset + l.end - l.start,
        terminated: l.terminated,
      }),
    chunkBytes,
  );
  return out;
}

describe("scanLines", () => {
  it("yields lines with byte offsets, flagging an unterminated tail", async () => {
    const lines = await collect("ab\nçé\n\ntail");
    assert.deepEqual(lines, [
      { text: "ab", offset: 0, end: 2, terminated: true },
      { text: "çé", offset: 3, end: 7, terminated: true },
      { text: "", offset: 8, end: 8, terminated: true },
      { text: "tail", offset: 9, end: 13, terminated: false },
    ]);
  });

  it("joins lines that span chunk boundaries, including lines longer than a chunk", async () => {
    const long = "x".repeat(100);
    const a = "a".repeat(14);
    for (const chunk of [16, 17, 32, 1024]) {
      const lines = await collect(`${a}\n${long}\nend\n`, chunk);
      assert.deepEqual(
        lines.map((l) => [l.text, l.offset, l.terminated]),
        [
          [a, 0, true],
          [long, a.length + 1, true],
          ["end", a.length + long.length + 2, true],
        ],
        `chunk ${chunk}`,
      );
    }
  });

  it("reports a torn tail that spans chunks, and nothing for an empty file", async () => {
    assert.deepEqual(await collect("", 8), []);
    const lines = await collect(`one\n${"t".repeat(20)}`, 8);
    assert.deepEqual(
      lines.map((l) => [l.text, l.offset, l.terminated]),
      [
        ["one", 0, true],
        ["t".repeat(20), 4, false],
      ],
    );
  });

  it("stops at the first exception from the callback", async () => {
    const path = join(dir, "f");
    writeFileSync(path, "a\nb\nc\n");
    const seen: string[] = [];
    await assert.rejects(
      scanLines(path, (l) => {
        seen.push(l.buf.toString("utf8", l.start, l.end));
        if (seen.length === 2) throw new Error("bad line");
      }),
      /bad line/,
    );
    assert.deepEqual(seen, ["a", "b"]);
  });
});
