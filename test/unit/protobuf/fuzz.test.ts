// Corrupted kubectl bodies either decode or throw ProtobufDecodeError: never another exception.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeKubernetesProtobuf, ProtobufDecodeError } from "../../../src/server/http/protobuf/index.ts";
import { fixtures } from "./fixtures.ts";

/** mulberry32: a small seeded PRNG, so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(body: Buffer, rand: () => number): Buffer {
  const at = (n: number) => Math.floor(rand() * n);
  const out = Buffer.from(body);
  switch (at(4)) {
    case 0: // flip bits; keep the magic most of the time so the decoder gets past it
      for (let i = at(3) + 1; i > 0; i--) out[4 + at(out.length - 4)] ^= 1 << at(8);
      return out;
    case 1: // overwrite with a varint-continuation byte or anything
      out[4 + at(out.length - 4)] = rand() < 0.5 ? 0xff : at(256);
      return out;
    case 2: // truncate
      return out.subarray(0, at(out.length));
    default: {
      // insert random bytes
      const cut = 4 + at(out.length - 4);
      return Buffer.concat([
        out.subarray(0, cut),
        Buffer.from(Array.from({ length: at(4) + 1 }, () => at(256))),
        out.subarray(cut),
      ]);
    }
  }
}

function outcome(body: Buffer, what: string): "ok" | "error" {
  try {
    decodeKubernetesProtobuf(body);
    return "ok";
  } catch (e) {
    assert.ok(e instanceof ProtobufDecodeError, `${what}: ${(e as Error).stack}`);
    assert.ok(e.message.length > 0);
    return "error";
  }
}

test("random corruption of every fixture", () => {
  const rand = random(20240601);
  const seen = { ok: 0, error: 0 };
  for (const f of fixtures()) {
    for (let i = 0; i < 300; i++) seen[outcome(mutate(f.body, rand), `${f.id} mutation ${i}`)]++;
  }
  // Both outcomes occur: corrupted bodies are rejected, and corruption in values still decodes.
  assert.ok(seen.error > 1000 && seen.ok > 1000, JSON.stringify(seen));
});

test("every truncation of the largest fixture", () => {
  const largest = fixtures().sort((a, b) => b.body.length - a.body.length)[0];
  let errors = 0;
  for (let n = 0; n < largest.body.length; n++) {
    if (outcome(largest.body.subarray(0, n), `${largest.id} cut at ${n}`) === "error") errors++;
  }
  assert.ok(errors > largest.body.length / 2, `${errors} of ${largest.body.length} truncations rejected`);
});
