// Covers/BreakdownRule (rbac.md §3.8) and escalation prevention (§3.9).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PolicyRule } from "../../../src/meta/types.ts";
import {
  bootstrapClusterRoles,
  breakdownRule,
  checkBindingWrite,
  checkRoleWrite,
  compactRules,
  compactString,
  covers,
  escalationCheck,
  ruleCovers,
  sourceFromObjects,
} from "../../../src/rbac/index.ts";
import { binding, clusterBinding, clusterRole, group, person, userSubject } from "./fixtures.ts";

const rbacRoles = { apiGroups: ["rbac.authorization.k8s.io"] };

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

  it("merges single-resource rules that differ only by verb", () => {
    assert.deepEqual(
      compactRules([
        { verbs: ["get"], apiGroups: [""], resources: ["pods"] },
        { verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["x"] },
        { verbs: ["list"], apiGroups: [""], resources: ["pods"] },
      ]),
      [
        { verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["x"] },
        { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] },
      ],
    );
  });
});

describe("escalationCheck", () => {
  const alice = person("alice", "dev", "system:authenticated");
  const source = sourceFromObjects([
    ...bootstrapClusterRoles(),
    binding("dev", "alice-view", { kind: "ClusterRole", name: "view" }, [userSubject("alice")]),
  ]);

  it("passes when the user holds every rule", () => {
    assert.deepEqual(
      escalationCheck(
        alice,
        "dev",
        [{ verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] }],
        source,
      ),
      { ok: true },
    );
  });

  it("reports missing permissions with upstream's message", () => {
    const result = escalationCheck(
      alice,
      "dev",
      [{ verbs: ["get"], apiGroups: [""], resources: ["secrets"] }],
      source,
    );
    assert.deepEqual(result, {
      ok: false,
      message:
        'user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    });
  });

  it("compacts, de-duplicates and sorts the missing rules, with names and URLs", () => {
    const result = escalationCheck(
      alice,
      "dev",
      [
        { verbs: ["get", "delete", "update"], apiGroups: [""], resources: ["pods", "secrets"] },
        { verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["x"] },
        { verbs: ["update"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["x"] },
        { verbs: ["get"], nonResourceURLs: ["/metrics"] },
      ],
      source,
    );
    assert.equal(
      result.message,
      [
        'user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:',
        '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["x"], Verbs:["update"]}',
        '{APIGroups:[""], Resources:["pods"], Verbs:["delete" "update"]}',
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete" "update"]}',
        '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
      ].join("\n"),
    );
  });

  it("checks only cluster-wide grants for cluster scope", () => {
    assert.equal(
      escalationCheck(alice, "", [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }], source).ok,
      false,
    );
  });

  it("appends rule resolution errors", () => {
    const broken = sourceFromObjects([clusterBinding("b", "ghost", [group("dev")])]);
    assert.equal(
      escalationCheck(alice, "", [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }], broken).message,
      'user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["get"]}; resolution errors: [clusterrole.rbac.authorization.k8s.io "ghost" not found]',
    );
  });

  it("exempts system:masters", () => {
    const root = person("root", "system:masters");
    assert.deepEqual(
      escalationCheck(
        root,
        "",
        [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }],
        sourceFromObjects([]),
      ),
      { ok: true },
    );
  });
});

describe("checkRoleWrite / checkBindingWrite", () => {
  const bob = person("bob", "system:authenticated");
  const escalator = clusterRole("escalator", [
    { verbs: ["escalate"], ...rbacRoles, resources: ["clusterroles"] },
  ]);
  const binder = clusterRole("binder", [
    { verbs: ["bind"], ...rbacRoles, resources: ["clusterroles"], resourceNames: ["view"] },
  ]);
  const secretsAll = [{ verbs: ["*"], apiGroups: [""], resources: ["secrets"] }];

  it("allows a role write with the escalate verb, otherwise requires held rules", () => {
    const withEscalate = sourceFromObjects([
      escalator,
      clusterBinding("e", "escalator", [userSubject("bob")]),
    ]);
    assert.deepEqual(
      checkRoleWrite(bob, { kind: "ClusterRole", name: "x", rules: secretsAll }, withEscalate),
      { ok: true },
    );
    const without = sourceFromObjects([]);
    const denied = checkRoleWrite(
      bob,
      { kind: "Role", namespace: "dev", name: "x", rules: secretsAll },
      without,
    );
    assert.equal(denied.ok, false);
    assert.match(
      denied.message ?? "",
      /^user "bob" \(groups=\["system:authenticated"\]\) is attempting to grant/,
    );
  });

  it("allows binding a role with bind on that role name only", () => {
    const source = sourceFromObjects([
      ...bootstrapClusterRoles(),
      binder,
      clusterBinding("b", "binder", [userSubject("bob")]),
    ]);
    const ref = (name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name });
    assert.deepEqual(checkBindingWrite(bob, { namespace: "dev", roleRef: ref("view") }, source), {
      ok: true,
    });
    const edit = checkBindingWrite(bob, { namespace: "dev", roleRef: ref("edit") }, source);
    assert.equal(edit.ok, false);
    assert.match(edit.message ?? "", /attempting to grant RBAC permissions not currently held/);
    assert.deepEqual(checkBindingWrite(bob, { roleRef: ref("missing") }, source), {
      ok: false,
      message: 'clusterrole.rbac.authorization.k8s.io "missing" not found',
    });
    assert.deepEqual(
      checkBindingWrite(person("root", "system:masters"), { roleRef: ref("missing") }, source),
      { ok: true },
    );
  });
});
