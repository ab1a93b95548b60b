// The upstream strategicpatch test table (apimachinery patch_test.go), applied with the MergeItem test type.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { PatchError } from "../../../src/server/registry/patch-error.ts";
import type { PatchSchema } from "../../../src/server/registry/patch-schema.ts";
import { strategicMerge } from "../../../src/server/registry/strategic-merge.ts";

type JsonMap = Record<string, unknown>;

interface UpstreamCase {
  description: string;
  original?: JsonMap;
  twoWay?: JsonMap;
  modified?: JsonMap;
  twoWayResult?: JsonMap;
  current?: JsonMap;
  threeWay?: JsonMap;
  result?: JsonMap;
  expectedError?: string;
}

// patch_test.go's MergeItem and RetainKeysMergeItem struct tags.
const mergeItem: PatchSchema = { fields: {} };
const retainKeysItem: PatchSchema = {
  fields: {
    mergingIntList: { strategy: "merge" },
    mergingList: { strategy: "merge", mergeKey: "name", schema: mergeItem },
    nonMergingList: { schema: mergeItem },
  },
};
Object.assign(mergeItem.fields!, {
  mergingList: { strategy: "merge", mergeKey: "name", schema: mergeItem },
  nonMergingList: { schema: mergeItem },
  mergingIntList: { strategy: "merge" },
  mergeItemPtr: { strategy: "merge", mergeKey: "name", schema: mergeItem },
  replacingItem: { strategy: "replace" },
  retainKeysMap: { schema: retainKeysItem },
  retainKeysMergingList: { strategy: "merge", mergeKey: "name", schema: mergeItem },
});

const fixture = new URL("./fixtures/strategic-merge-upstream.yaml", import.meta.url);
const cases = (parse(readFileSync(fixture, "utf8")) as { testCases: UpstreamCase[] }).testCases;

describe("strategic merge: upstream test table", () => {
  for (const c of cases) {
    test(c.description, () => {
      if (c.expectedError) {
        assert.throws(
          () => strategicMerge(c.original ?? {}, c.twoWay ?? {}, mergeItem),
          (e: unknown) => e instanceof PatchError && e.message.includes(c.expectedError!),
        );
        return;
      }
      assert.deepEqual(
        strategicMerge(c.original ?? {}, c.twoWay ?? {}, mergeItem),
        c.twoWayResult ?? c.modified,
      );
      if (c.threeWay) assert.deepEqual(strategicMerge(c.current ?? {}, c.threeWay, mergeItem), c.result);
    });
  }
});
