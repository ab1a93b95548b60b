// Reads a file as lines with their byte offsets, through one reused chunk buffer (files may exceed V8's max
// string length, and per-chunk copies would leave the allocator holding many megabytes after a replay).
import { open } from "node:fs/promises";

export interface Line {
  text: string;
  /** Byte offset of the line's first byte. */
  offset: number;
  /** Byte offset just past the line's newline. */
  end: number;
  /** False for a last line that lacks its newline (a torn append). */
  terminated: boolean;
}

const CHUNK = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

export async function* readLines(path: string): AsyncGenerator<Line> {
  const fh = await open(path, "r");
  try {
    const chunk = Buffer.allocUnsafe(CHUNK);
    // Bytes of a line that started in an earlier chunk; only ever one line long.
    let carry: Buffer[] = [];
    let carryOffset = 0;
    let position = 0;
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, CHUNK, position);
      if (bytesRead === 0) break;
      const view = chunk.subarray(0, bytesRead);
      let start = 0;
      for (let nl = view.indexOf(NEWLINE); nl >= 0; nl = view.indexOf(NEWLINE, start)) {
        if (carry.length) {
          const joined = Buffer.concat([...carry, view.subarray(0, nl)]);
          yield {
            text: joined.toString("utf8"),
            offset: carryOffset,
            end: position + nl + 1,
            terminated: true,
          };
          carry = [];
        } else {
          yield {
            text: view.toString("utf8", start, nl),
            offset: position + start,
            end: position + nl + 1,
            terminated: true,
          };
        }
        start = nl + 1;
      }
      if (start < bytesRead) {
        if (!carry.length) carryOffset = position + start;
        carry.push(Buffer.from(view.subarray(start)));
      }
      position += bytesRead;
    }
    if (carry.length) {
      const rest = Buffer.concat(carry);
      yield {
        text: rest.toString("utf8"),
        offset: carryOffset,
        end: carryOffset + rest.length,
        terminated: false,
      };
    }
  } finally {
    await fh.close();
  }
}
