import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decodeRecord,
  encodeDelete,
  encodePut,
  encodeSnapshotHeader,
} from "../../../src/server/storage/records.ts";

/** Decodes a line both ways the loader does: from bytes, and from the ASCII chunk string when it is ASCII. */
function decode(line: string) {
  const buf = Buffer.from(`pad\n${line}\n`);
  const start = 4;
  const end = buf.length - 1;
  const fromBytes = decodeRecord(buf, undefined, start, end);
  if (/^[\x00-\x7f]*$/.test(line)) {
    assert.deepEqual(
      decodeRecord(buf, buf.toString("latin1"), start, end),
      fromBytes,
      "text and bytes agree",
    );
  }
  return fromBytes;
}

describe("log records", () => {
  it("round-trips a put with its index, whatever the labels and object contain", () => {
    const index = {
      uid: "u-1",
      labels: JSON.parse('{"a":"x","object":"\\",\\"object\\":{","__proto__":"p"}') as Record<string, string>,
      fields: { "metadata.name": "n", "status.phase": '],"object":' },
      ownerUids: ["o-1", "o-2"],
    };
    const json = '{"kind":"Pod","metadata":{"name":"n","labels":{"object":"1"}},"spec":{"x":[{"object":2}]}}';
    const rec = decode(encodePut("pods", "ns/n", 7, json, index).trimEnd());
    assert.equal(rec?.op, "put");
    assert.ok(rec?.op === "put");
    assert.equal(rec.json, json);
    assert.equal(rec.rv, 7);
    assert.deepEqual(rec.index && { ...rec.index, labels: { ...rec.index.labels } }, index);
    assert.equal(Object.getPrototypeOf(rec.index?.labels), Object.prototype, "__proto__ stays a plain key");
    assert.equal(Object.getOwnPropertyDescriptor(rec.index?.labels, "__proto__")?.value, "p");
    assert.equal(rec.index?.labels.object, '","object":{');
  });

  it("decodes records written before the index, deletes and snapshot headers", () => {
    const json = '{"kind":"X","spec":{"owners":["a"],"y":1,"object":{}}}';
    assert.deepEqual(decode(encodePut("things", "t", 3, json).trimEnd()), {
      op: "put",
      resource: "things",
      key: "t",
      rv: 3,
      json,
    });
    assert.deepEqual(decode(encodeDelete("pods", "ns/n", 4).trimEnd()), {
      op: "delete",
      resource: "pods",
      key: "ns/n",
      rv: 4,
    });
    assert.deepEqual(decode(encodeSnapshotHeader(9).trimEnd()), { op: "snapshot", rv: 9 });
    const utf8 = '{"kind":"Pod","metadata":{"name":"ç"}}';
    assert.equal((decode(encodePut("pods", "ns/ç", 5, utf8).trimEnd()) as { json: string }).json, utf8);
  });

  it("refuses torn or malformed lines", () => {
    const full = encodePut("pods", "ns/n", 7, '{"a":1}', {
      uid: "u",
      labels: {},
      fields: {},
      ownerUids: [],
    }).trimEnd();
    for (let cut = 1; cut < full.length; cut++)
      assert.equal(decode(full.slice(0, cut)), undefined, full.slice(0, cut));
    assert.equal(decode("garbage"), undefined);
    assert.equal(
      decode('{"op":"put","resource":"pods","key":"k","rv":1}'),
      undefined,
      "a put without object",
    );
    assert.equal(decode('{"op":"put","resource":"pods","key":"k","rv":"1","object":{}}'), undefined);
    // An index of the wrong shape is ignored (the object is then parsed on load), not trusted.
    const odd = decode(
      '{"op":"put","resource":"p","key":"k","rv":1,"uid":"u","labels":["a","b"],"fields":{},"owners":[],"object":{}}',
    );
    assert.ok(odd?.op === "put" && odd.index === undefined);
  });
});
