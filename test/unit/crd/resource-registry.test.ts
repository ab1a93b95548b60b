// ResourceRegistry add/remove: lookups, discovery groups and the change notification follow every change.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ResourceRegistry } from "../../../src/server/registry/resource-registry.ts";
import type { ResourceDef } from "../../../src/server/registry/types.ts";

const def = (group: string, version: string, resource: string): ResourceDef => ({
  group,
  version,
  resource,
  singular: resource.slice(0, -1),
  kind: "Thing",
  listKind: "ThingList",
  namespaced: true,
  verbs: ["get", "list"],
});

describe("ResourceRegistry add/remove", () => {
  it("serves added defs, replaces them by path, removes them and notifies each change", () => {
    const pods = def("", "v1", "pods");
    const r = new ResourceRegistry([pods]);
    const changes: string[] = [];
    const unsubscribe = r.onChange(({ added, removed }) =>
      changes.push(`+${added.map((d) => d.resource).join(",")} -${removed.map((d) => d.resource).join(",")}`),
    );
    const before = r.defs;
    const things = def("example.com", "v1", "things");
    r.add(things);
    assert.equal(r.find("example.com", "v1", "things"), things);
    assert.notEqual(r.defs, before, "a new array, so memoized derivations (OpenAPI) rebuild");
    assert.deepEqual(r.groups(), [
      { group: "", versions: ["v1"] },
      { group: "example.com", versions: ["v1"] },
    ]);
    const things2 = { ...things, shortNames: ["th"] };
    r.add(things2);
    assert.equal(r.find("example.com", "v1", "things"), things2);
    assert.equal(r.defs.length, 2);
    r.remove(things);
    assert.equal(r.find("example.com", "v1", "things"), undefined);
    assert.deepEqual(r.groups(), [{ group: "", versions: ["v1"] }]);
    assert.deepEqual(changes, ["+things -", "+things -", "+ -things"]);
    unsubscribe();
    r.add(things);
    assert.equal(changes.length, 3);
  });
});
