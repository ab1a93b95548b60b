// A differential check of the server's type knowledge against upstream's own serialization fixtures
// (test/fixtures/upstream-testdata: k8s.io/api v0.33.0 testdata/HEAD, every field of every type set):
// for each kind we have a protobuf message for, upstream's protobuf body decodes to exactly upstream's
// JSON, and upstream's JSON passes the typed decoder (Go types, no unknown field).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { decodeKubernetesProtobuf } from "../../../src/server/http/protobuf/index.ts";
import { decodeObject } from "../../../src/server/registry/decode.ts";
import { RESOURCES } from "../../../src/server/registry/resources.ts";
import { groupVersion } from "../../../src/server/registry/types.ts";
import { messageForKind } from "../../../src/server/typeinfo/index.ts";

const DIR = new URL("../../fixtures/upstream-testdata/v0.33.0/", import.meta.url);

interface Fixture {
  name: string;
  apiVersion: string;
  kind: string;
  json: Record<string, unknown>;
  pb: Buffer;
}

const fixtures: Fixture[] = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .map((f) => {
    const name = f.slice(0, -".json".length);
    const json = JSON.parse(readFileSync(new URL(f, DIR), "utf8")) as Record<string, unknown>;
    return {
      name,
      apiVersion: String(json.apiVersion),
      kind: String(json.kind),
      json,
      pb: readFileSync(new URL(`${name}.pb`, DIR)),
    };
  });

const known = fixtures.filter((f) => messageForKind(f.apiVersion, f.kind) !== undefined);

test("every served kind with an upstream fixture has its protobuf message", () => {
  const served = new Set<string>();
  for (const def of RESOURCES) {
    served.add(`${groupVersion(def)} ${def.kind}`);
    for (const sub of def.subresources ?? []) {
      const gv =
        sub.group !== undefined
          ? groupVersion({ group: sub.group, version: sub.version ?? "v1" })
          : groupVersion(def);
      served.add(`${gv} ${sub.kind}`);
    }
  }
  const missing = fixtures
    .filter((f) => served.has(`${f.apiVersion} ${f.kind}`) && !known.includes(f))
    .map((f) => f.name);
  assert.deepEqual(missing, [], "served kinds the server cannot decode from protobuf");
  assert.ok(known.length >= 20, `only ${known.length} fixtures checked`);
});

describe("upstream's protobuf fixtures decode to upstream's JSON", () => {
  for (const f of known) {
    test(f.name, () => {
      assert.deepEqual(decodeKubernetesProtobuf(f.pb), f.json);
    });
  }
});

describe("upstream's JSON fixtures pass the typed decoder with no unknown field", () => {
  for (const f of known) {
    test(f.name, () => {
      const decoded = decodeObject(f.apiVersion, f.kind, structuredClone(f.json));
      assert.ok(decoded, "a Go type is known");
      assert.deepEqual(decoded.strictErrors, []);
    });
  }
});
