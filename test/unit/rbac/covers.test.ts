// Covers/BreakdownRule and the compact rule texts (rbac.md §3.8).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PolicyRule } from "../../../src/meta/types.ts";
import {
  bootstrapClusterRoles,
  breakdownRule,
  compactRules,
  compactString,
  covers,
  ruleCovers,
  sourceFromObjects,
} from "../../../src/rbac/index.ts";

describe("breakdownRule", () => {
  it("splits into verb × group × resource × name atoms plus URL × verb atoms", () => {
    const atoms = breakdownRule({
      verbs: ["get", "list"],
      apiGroups: ["", "apps"],
      resources: ["pods"],
      resourceNames: ["a", "b"],
      nonResourceURLs: ["/x"],
    });
    assert.equal(atoms.length, 2 * 2 * 1 * 2 + 1 * 2);
    assert.deepEqual(atoms[0], {
      verbs: ["get"],
      apiGroups: [""],
      resources: ["pods"],
      resourceNames: ["a"],
    });
    assert.deepEqual(atoms.at(-1), { verbs: ["list"], nonResourceURLs: ["/x"] });
  });
});

describe("ruleCovers / covers", () => {
  const atom = (o: Partial<PolicyRule>): PolicyRule => ({
    verbs: ["get"],
    apiGroups: [""],
    resources: ["pods"],
    ...o,
  });

  it("honours wildcards and */subresource", () => {
    assert.equal(ruleCovers({ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, atom({})), true);
    assert.equal(
      ruleCovers(
        { verbs: ["get"], apiGroups: ["apps"], resources: ["*/scale"] },
        atom({ apiGroups: ["apps"], resources: ["deployments/scale"] }),
      ),
      true,
    );
    assert.equal(
      ruleCovers({ verbs: ["get"], apiGroups: [""], resources: ["pods"] }, atom({ resources: ["pods/log"] })),
      false,
    );
  });

  it("requires an unnamed owner for an unnamed atom", () => {
    assert.equal(ruleCovers(atom({ resourceNames: ["a"] }), atom({})), false);
    assert.equal(ruleCovers(atom({}), atom({ resourceNames: ["a"] })), true);
    assert.equal(ruleCovers(atom({ resourceNames: ["a", "b"] }), atom({ resourceNames: ["b"] })), true);
    assert.equal(ruleCovers(atom({ resourceNames: ["a"] }), atom({ resourceNames: ["b"] })), false);
  });

  it("matches non-resource URLs exactly or by owner prefix", () => {
    const owner = { verbs: ["get"], nonResourceURLs: ["/healthz/*"] };
    assert.equal(ruleCovers(owner, { verbs: ["get"], nonResourceURLs: ["/healthz/etcd"] }), true);
    assert.equal(ruleCovers(owner, { verbs: ["get"], nonResourceURLs: ["/healthz"] }), false);
  });

  it("lists the uncovered atoms", () => {
    const { covered, missing } = covers(
      [atom({})],
      [{ verbs: ["get", "delete"], apiGroups: [""], resources: ["pods"] }],
    );
    assert.equal(covered, false);
    assert.deepEqual(missing, [atom({ verbs: ["delete"] })]);
  });

  it("finds view ⊂ edit in the bootstrap roles", () => {
    const source = sourceFromObjects(bootstrapClusterRoles());
    const rules = (name: string) => source.getClusterRole(name)?.rules ?? [];
    assert.equal(covers(rules("edit"), rules("view")).covered, true);
    assert.equal(covers(rules("view"), rules("edit")).covered, false);
    assert.equal(covers(rules("cluster-admin"), rules("admin")).covered, true);
  });
});

describe("compactRules / compactString", () => {
  it("prints rules like rbacv1helpers.CompactString", () => {
    assert.equal(
      compactString({ verbs: ["get"], apiGroups: [""], resources: ["pods"] }),
      '{APIGroups:[""], Resources:["pods"], Verbs:["get"]}',
    );
    assert.equal(
      compactString({
        verbs: ["get", "list"],
        apiGroups: ["apps"],
        resources: ["deployments"],
        resourceNames: ["a", "b"],
      }),
      '{APIGroups:["apps"], Resources:["deployments"], ResourceNames:["a" "b"], Verbs:["get" "list"]}',
    );
    assert.equal(
      compactString({ verbs: ["get"], nonResourceURLs: ["/metrics"] }),
      '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
    );
  });

  it("merges single-resource rules that differ only by verb, one resource name apart from none", () => {
    assert.deepEqual(
      compactRules([
        { verbs: ["get"], apiGroups: [""], resources: ["pods"] },
        { verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["x"] },
        { verbs: ["list"], apiGroups: [""], resources: ["pods"] },
        { verbs: ["update"], apiGroups: [""], resources: ["pods"], resourceNames: ["x"] },
        { verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["x", "y"] },
        { verbs: ["get"], nonResourceURLs: ["/a"] },
      ]),
      [
        { verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["x", "y"] },
        { verbs: ["get"], nonResourceURLs: ["/a"] },
        { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] },
        { verbs: ["get", "update"], apiGroups: [""], resources: ["pods"], resourceNames: ["x"] },
      ],
    );
  });
});
