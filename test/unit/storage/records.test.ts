import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StoredObject } from "../../../src/meta/types.ts";
import { indexedEntry, indexJson, makeEntry } from "../../../src/server/storage/entry.ts";
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
    const labels = JSON.parse('{"a":"x","object":"\\",\\"object\\":{","__proto__":"p"}') as Record<
      string,
      string
    >;
    const object = {
      kind: "Pod",
      metadata: {
        name: "n",
        namespace: "ns",
        uid: "u-1",
        labels,
        ownerReferences: [{ uid: "o-1" }, { uid: "o-2" }],
      },
      spec: { x: [{ object: 2 }], owners: ["z"] },
    } as unknown as StoredObject;
    const json = JSON.stringify(object);
    const fields = { "metadata.name": "n", "status.phase": '],"object":,"owners":[' };
    const written = makeEntry("pods", "ns", object, 7, json, 0, fields);
    const rec = decode(encodePut("pods", "ns/n", 7, json, indexJson(written)).trimEnd());
    assert.ok(rec?.op === "put" && rec.index !== undefined);
    assert.equal(rec.json, json);
    assert.equal(rec.rv, 7);
    const loaded = indexedEntry("pods", "ns", "n", 7, rec.json, rec.index);
    assert.ok(loaded);
    assert.equal(loaded.uid, "u-1");
    assert.deepEqual(loaded.ownerUids, ["o-1", "o-2"]);
    assert.deepEqual({ ...loaded.labels }, { ...labels });
    assert.deepEqual({ ...loaded.fields }, fields);
    assert.equal(Object.getPrototypeOf(loaded.labels), Object.prototype, "__proto__ stays a plain key");
    assert.equal(Object.getOwnPropertyDescriptor(loaded.labels, "__proto__")?.value, "p");
    assert.equal(indexJson(loaded), indexJson(written), "written again as it was read");
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
    const full = encodePut(
      "pods",
      "ns/n",
      7,
      '{"a":1}',
      '"uid":"u","labels":{},"fields":{},"owners":[]',
    ).trimEnd();
    for (let cut = 1; cut < full.length; cut++)
      assert.equal(decode(full.slice(0, cut)), undefined, full.slice(0, cut));
    assert.equal(decode("garbage"), undefined);
    assert.equal(
      decode('{"op":"put","resource":"pods","key":"k","rv":1}'),
      undefined,
      "a put without object",
    );
    assert.equal(decode('{"op":"put","resource":"pods","key":"k","rv":"1","object":{}}'), undefined);
    // An index of the wrong shape is not used (the object is then parsed on load).
    for (const index of [
      '"uid":"u","labels":{},"fields":{},"owners":["a",1]',
      '"uid":"u","fields":{},"owners":[]',
      '"uid":"a\\"b","labels":{},"fields":{},"owners":[]',
    ]) {
      const rec = decode(encodePut("p", "k", 1, "{}", index).trimEnd());
      assert.ok(rec?.op === "put" && rec.index === index, index);
      assert.equal(indexedEntry("p", "", "k", 1, rec.json, rec.index), undefined, index);
    }
  });
});
