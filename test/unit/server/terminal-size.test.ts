// The resize stream's decoding (src/server/streaming/terminal-size.ts) as Go's json.Decoder into
// remotecommand.TerminalSize does it: values back to back or split anywhere, case-insensitive fields, and
// the first value that is not a size ending the stream's resizing.
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import {
  readTerminalSizes,
  type TerminalSize,
  TerminalSizeDecoder,
} from "../../../src/server/streaming/terminal-size.ts";

const decodeAll = (...pieces: string[]) => {
  const decoder = new TerminalSizeDecoder();
  const sizes: TerminalSize[] = [];
  let stopped = false;
  for (const piece of pieces) {
    const r = decoder.push(piece);
    sizes.push(...r.sizes);
    stopped = r.stopped;
  }
  return { sizes, stopped };
};

test("client-go's encoding (one JSON value and a newline per size), in any pieces", () => {
  const text = '{"Width":80,"Height":24}\n{"Width":132,"Height":43}\n';
  for (let step = 1; step <= text.length; step++) {
    const pieces = [];
    for (let i = 0; i < text.length; i += step) pieces.push(text.slice(i, i + step));
    assert.deepEqual(decodeAll(...pieces), {
      sizes: [
        { width: 80, height: 24 },
        { width: 132, height: 43 },
      ],
      stopped: false,
    });
  }
});

test("Go's field matching: case-insensitive, the last duplicate wins, unknown and nested fields ignored", () => {
  assert.deepEqual(
    decodeAll('{"width":1,"HEIGHT":2}{"Width":5,"Width":6,"Height":7,"x":{"Width":9}}').sizes,
    [
      { width: 1, height: 2 },
      { width: 6, height: 7 },
    ],
  );
  // A missing field stays 0, null leaves it as it was, and a top-level null decodes to nothing set.
  assert.deepEqual(decodeAll('{"Width":3} {"Width":null,"Height":4} null ').sizes, [
    { width: 3, height: 0 },
    { width: 0, height: 4 },
    { width: 0, height: 0 },
  ]);
});

test("anything Go cannot decode into uint16 fields ends the decoding", () => {
  for (const bad of [
    '{"Width":"80","Height":24}',
    '{"Width":80.0,"Height":24}',
    '{"Width":8e1,"Height":24}',
    '{"Width":-1,"Height":24}',
    '{"Width":65536,"Height":24}',
    '{"Width":true}',
    "[80,24]",
    "80",
    '{"Width":80,}',
    "nul!",
  ]) {
    const r = decodeAll(`${bad} {"Width":1,"Height":1}`);
    assert.deepEqual(r, { sizes: [], stopped: true }, bad);
  }
  assert.deepEqual(decodeAll('{"Width":65535,"Height":0}').sizes, [{ width: 65535, height: 0 }]);
  assert.equal(decodeAll(`{"Width":${"1".repeat(5000)}`).stopped, true, "an endless value is not buffered");
});

test("readTerminalSizes skips sizes with a side below 1 and drains the stream after a bad value", async () => {
  const stream = new PassThrough();
  const seen: TerminalSize[] = [];
  readTerminalSizes(stream, (size) => seen.push(size));
  stream.write('{"Width":0,"Height":10}{"Width":10,"Height":0}{"Width":100,"Height":30}');
  stream.write('"bad"{"Width":1,"Height":1}');
  stream.end(Buffer.alloc(1 << 20, "x")); // still read: the client is never blocked by an unread stream
  await new Promise((resolve) => stream.once("end", resolve));
  assert.deepEqual(seen, [{ width: 100, height: 30 }]);
});
