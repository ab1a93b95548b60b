// `kubectl logs --prefix` for the demo's several Pods: each complete line of one stream, prefixed with
// `[pod/NAME/CONTAINER] `, written whole, so lines of different Pods never interleave mid-line.
import { Writable } from "node:stream";

export function prefixedLines(out: NodeJS.WritableStream, prefix: string): Writable {
  let partial = "";
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      if (lines.length > 0) out.write(lines.map((line) => `${prefix}${line}\n`).join(""));
      done();
    },
    final(done) {
      if (partial) out.write(`${prefix}${partial}\n`);
      partial = "";
      done();
    },
  });
}
