// Reads a file's lines as byte ranges of one reused buffer (4 MiB, doubled for a longer line), so no per-line
// or per-chunk Buffer copies are made (files may also exceed V8's max string length). A chunk that is all
// ASCII — every chunk of a store's files in practice — is also handed over as one string whose character
// indexes are the buffer's byte indexes: callers slice their strings out of it instead of decoding each one.
// Those slices share the chunk's memory (V8 sliced strings, the chunk living in large-object space), which
// spares a restart copying ~1 GB of object text through the young generation.
import { isAscii } from "node:buffer";
import { open } from "node:fs/promises";

/** One line: bytes [start, end) of buf, without the newline. Valid only during the callback. */
export interface LineView {
  buf: Buffer;
  /** buf[0, …) as a string when it is ASCII (text[i] is byte i); undefined otherwise. */
  text: string | undefined;
  start: number;
  end: number;
  /** Byte offset of the line's first byte in the file. */
  offset: number;
  /** False for a last line that lacks its newline (a torn append). */
  terminated: boolean;
}

const CHUNK = 4 * 1024 * 1024;
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
      const text = isAscii(view) ? view.toString("latin1") : undefined;
      let start = 0;
      for (let nl = view.indexOf(NEWLINE); nl >= 0; nl = view.indexOf(NEWLINE, start)) {
        onLine({ buf, text, start, end: nl, offset: base + start, terminated: true });
        start = nl + 1;
      }
      if (bytesRead === 0) {
        if (start < filled)
          onLine({ buf, text, start, end: filled, offset: base + start, terminated: false });
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
