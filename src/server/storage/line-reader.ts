// Reads a file's lines as byte ranges of one reused buffer (16 MiB, doubled for a longer line): no string is
// made unless the caller decodes a range, and no per-chunk copies are left for the allocator to hold after a
// replay (files may also exceed V8's max string length).
import { open } from "node:fs/promises";

/** One line: bytes [start, end) of buf, without the newline. Valid only during the callback. */
export interface LineView {
  buf: Buffer;
  start: number;
  end: number;
  /** Byte offset of the line's first byte in the file. */
  offset: number;
  /** False for a last line that lacks its newline (a torn append). */
  terminated: boolean;
}

const CHUNK = 16 * 1024 * 1024;
const NEWLINE = 0x0a;

/** Calls onLine for each line in order; an exception from onLine stops the scan and rejects. */
export async function scanLines(
  path: string,
  onLine: (line: LineView) => void,
  chunkBytes = CHUNK,
): Promise<void> {
  const fh = await open(path, "r");
  try {
    let buf = Buffer.allocUnsafe(chunkBytes);
    let filled = 0; // bytes of buf holding file data
    let base = 0; // file offset of buf[0]
    for (;;) {
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, base + filled);
      filled += bytesRead;
      const view = buf.subarray(0, filled);
      let start = 0;
      for (let nl = view.indexOf(NEWLINE); nl >= 0; nl = view.indexOf(NEWLINE, start)) {
        onLine({ buf, start, end: nl, offset: base + start, terminated: true });
        start = nl + 1;
      }
      if (bytesRead === 0) {
        if (start < filled) onLine({ buf, start, end: filled, offset: base + start, terminated: false });
        return;
      }
      if (start === 0 && filled === buf.length) {
        // One line fills the whole buffer: make room for the rest of it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      } else {
        buf.copy(buf, 0, start, filled);
        filled -= start;
        base += start;
      }
    }
  } finally {
    await fh.close();
  }
}
