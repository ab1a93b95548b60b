import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findResource, resolveResource, WELL_KNOWN_RESOURCES } from "../../../src/rbac/index.ts";

describe("resolveResource", () => {
  const cases: [string, string, string][] = [
    ["deploy", "apps", "deployments"],
    ["deployments.apps", "apps", "deployments"],
    ["Deployment", "apps", "deployments"],
    ["po", "", "pods"],
    ["pod", "", "pods"],
    ["events", "", "events"],
    ["ev.events.k8s.io", "events.k8s.io", "events"],
    ["netpol", "networking.k8s.io", "networkpolicies"],
    ["LEASES", "coordination.k8s.io", "leases"],
    ["selfsubjectaccessreviews", "authorization.k8s.io", "selfsubjectaccessreviews"],
    ["tokenreview", "authentication.k8s.io", "tokenreviews"],
    ["endpointslices", "discovery.k8s.io", "endpointslices"],
    ["cj", "batch", "cronjobs"],
  ];
  for (const [input, group, plural] of cases) {
    it(input, () => {
      const found = resolveResource(input);
      assert.equal(found?.group, group);
      assert.equal(found?.plural, plural);
    });
  }

  it("returns undefined for unknown names or mismatched groups", () => {
    assert.equal(resolveResource("widgets"), undefined);
    assert.equal(resolveResource("pods.apps"), undefined);
  });

  it("knows scope", () => {
    assert.equal(findResource("nodes", "")?.namespaced, false);
    assert.equal(findResource("localsubjectaccessreviews", "authorization.k8s.io")?.namespaced, true);
    assert.equal(findResource("clusterroles", "rbac.authorization.k8s.io")?.kind, "ClusterRole");
  });

  it("has no duplicate group/plural entries", () => {
    const keys = WELL_KNOWN_RESOURCES.map((r) => `${r.plural}.${r.group}`);
    assert.equal(new Set(keys).size, keys.length);
  });
});
