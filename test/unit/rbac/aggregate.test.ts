// ClusterRole aggregation fixpoint (rbac.md §3.7).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterRole, PolicyRule } from "../../../src/meta/types.ts";
import { aggregateClusterRoles, bootstrapClusterRoles } from "../../../src/rbac/index.ts";
import { clusterRole } from "./fixtures.ts";

const r = (resource: string, verbs = ["get"]): PolicyRule => ({
  verbs,
  apiGroups: [""],
  resources: [resource],
});

function aggregated(
  name: string,
  matchLabels: Record<string, string>,
  labels?: Record<string, string>,
  rules: PolicyRule[] = [],
): ClusterRole {
  return {
    ...clusterRole(name, rules, labels),
    aggregationRule: { clusterRoleSelectors: [{ matchLabels }] },
  };
}

const byName = (roles: ClusterRole[], name: string) => roles.find((x) => x.metadata.name === name);

describe("aggregateClusterRoles", () => {
  it("resolves a chain regardless of input order and replaces hand-written rules", () => {
    const input = [
      aggregated("admin", { "to-admin": "true" }, undefined, [r("stale")]),
      aggregated("edit", { "to-edit": "true" }, { "to-admin": "true" }),
      aggregated("view", { "to-view": "true" }, { "to-edit": "true" }),
      clusterRole("z-admin-src", [r("roles")], { "to-admin": "true" }),
      clusterRole("edit-src", [r("secrets")], { "to-edit": "true" }),
      clusterRole("view-src", [r("pods")], { "to-view": "true" }),
    ];
    const out = aggregateClusterRoles(input);
    assert.deepEqual(
      out.map((x) => x.metadata.name),
      input.map((x) => x.metadata.name),
    );
    assert.deepEqual(byName(out, "view")?.rules, [r("pods")]);
    assert.deepEqual(byName(out, "edit")?.rules, [r("secrets"), r("pods")]);
    // Sorted by name within a selector: edit, then z-admin-src.
    assert.deepEqual(byName(out, "admin")?.rules, [r("secrets"), r("pods"), r("roles")]);
  });

  it("does not mutate its input", () => {
    const input = [aggregated("a", { x: "1" }), clusterRole("b", [r("pods")], { x: "1" })];
    const before = structuredClone(input);
    aggregateClusterRoles(input);
    assert.deepEqual(input, before);
  });

  it("ORs selectors, removes duplicate rules and skips the role itself", () => {
    const input = [
      {
        ...clusterRole("agg", [], { a: "1" }),
        aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: "1" } }, { matchLabels: { b: "1" } }] },
      },
      clusterRole("one", [r("pods"), r("pods")], { a: "1" }),
      clusterRole("two", [r("pods"), { ...r("pods"), resourceNames: [] }, r("nodes")], { b: "1" }),
    ];
    assert.deepEqual(byName(aggregateClusterRoles(input), "agg")?.rules, [r("pods"), r("nodes")]);
  });

  it("an empty selector aggregates every other role", () => {
    const input = [
      { ...clusterRole("all", []), aggregationRule: { clusterRoleSelectors: [{}] } },
      clusterRole("b", [r("b")]),
      clusterRole("a", [r("a")]),
    ];
    assert.deepEqual(byName(aggregateClusterRoles(input), "all")?.rules, [r("a"), r("b")]);
  });

  it("leaves rules stale when a selector is invalid, and empty with no selectors", () => {
    const input = [
      {
        ...clusterRole("bad", [r("stale")]),
        aggregationRule: {
          clusterRoleSelectors: [
            { matchLabels: { x: "1" } },
            { matchExpressions: [{ key: "k", operator: "Bogus" }] },
          ],
        },
      },
      { ...clusterRole("none", [r("stale")]), aggregationRule: { clusterRoleSelectors: [] } },
      clusterRole("src", [r("pods")], { x: "1" }),
    ];
    const out = aggregateClusterRoles(input);
    assert.deepEqual(byName(out, "bad")?.rules, [r("stale")]);
    assert.deepEqual(byName(out, "none")?.rules, []);
  });

  it("fills the bootstrap view/edit/admin so that view ⊂ edit ⊂ admin", () => {
    const out = aggregateClusterRoles(bootstrapClusterRoles());
    const count = (name: string) => byName(out, name)?.rules?.length ?? 0;
    assert.equal(count("view"), byName(out, "system:aggregate-to-view")?.rules?.length);
    assert.equal(
      count("edit"),
      count("view") + (byName(out, "system:aggregate-to-edit")?.rules?.length ?? 0),
    );
    assert.equal(count("admin"), count("edit") + 2);
  });
});
