// Escalation prevention (escalation_check.go, validation/rule.go ConfirmNoEscalation, policybased
// storages' aggregationRule and GC-field rules), rbac.md §3.9.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterRole } from "../../../src/meta/types.ts";
import {
  AGGREGATION_RULE_DENIED,
  aggregationRuleCheck,
  bindingAuthorized,
  bootstrapClusterRoles,
  escalationCheck,
  isOnlyMutatingGCFields,
  policyRules,
  roleEscalationAuthorized,
  sourceFromObjects,
} from "../../../src/rbac/index.ts";
import { binding, clusterBinding, clusterRole, group, person, userSubject } from "./fixtures.ts";

const rbacRoles = { apiGroups: ["rbac.authorization.k8s.io"] };

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

  it("merges the verbs missing on one resource name", () => {
    const result = escalationCheck(
      alice,
      "dev",
      [{ verbs: ["get", "update"], apiGroups: [""], resources: ["secrets"], resourceNames: ["x", "y"] }],
      source,
    );
    assert.equal(
      result.message?.split("\n").slice(1).join("\n"),
      [
        '{APIGroups:[""], Resources:["secrets"], ResourceNames:["x"], Verbs:["get" "update"]}',
        '{APIGroups:[""], Resources:["secrets"], ResourceNames:["y"], Verbs:["get" "update"]}',
      ].join("\n"),
    );
  });

  it("checks only cluster-wide grants for cluster scope", () => {
    assert.equal(
      escalationCheck(alice, "", [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }], source).ok,
      false,
    );
  });

  it("appends rule resolution errors, named as the registry names them", () => {
    const broken = sourceFromObjects([clusterBinding("b", "ghost", [group("dev")])]);
    assert.equal(
      escalationCheck(alice, "", [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }], broken).message,
      'user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["get"]}; resolution errors: [clusterroles.rbac.authorization.k8s.io "ghost" not found]',
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

describe("roleEscalationAuthorized / bindingAuthorized", () => {
  const bob = person("bob", "system:authenticated");
  const source = sourceFromObjects([
    ...bootstrapClusterRoles(),
    clusterRole("escalate-mine", [
      { verbs: ["escalate"], ...rbacRoles, resources: ["clusterroles"], resourceNames: ["mine"] },
    ]),
    clusterRole("bind-view", [
      { verbs: ["bind"], ...rbacRoles, resources: ["clusterroles"], resourceNames: ["view"] },
    ]),
    clusterBinding("bob-escalate", "escalate-mine", [userSubject("bob")]),
    binding("dev", "bob-bind", { kind: "ClusterRole", name: "bind-view" }, [userSubject("bob")]),
  ]);

  it("asks `escalate` about the request's name, which a create by POST lacks", () => {
    const target = { resource: "clusterroles" as const, namespace: "" };
    assert.equal(roleEscalationAuthorized(bob, { ...target, requestName: "mine" }, source), true);
    assert.equal(roleEscalationAuthorized(bob, { ...target, requestName: "other" }, source), false);
    assert.equal(roleEscalationAuthorized(bob, { ...target, requestName: "" }, source), false);
  });

  it("asks `bind` about the referenced role in the binding's namespace", () => {
    const ref = (kind: string, name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind, name });
    assert.equal(bindingAuthorized(bob, ref("ClusterRole", "view"), "dev", source), true);
    assert.equal(bindingAuthorized(bob, ref("ClusterRole", "view"), "prod", source), false);
    assert.equal(bindingAuthorized(bob, ref("ClusterRole", "view"), "", source), false);
    assert.equal(bindingAuthorized(bob, ref("ClusterRole", "edit"), "dev", source), false);
    // The rule names clusterroles: a Role called "view" is another resource.
    assert.equal(bindingAuthorized(bob, ref("Role", "view"), "dev", source), false);
    assert.equal(bindingAuthorized(bob, ref("Group", "view"), "dev", source), false);
  });
});

describe("aggregationRuleCheck", () => {
  const selector = { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: "y" } }] } };
  const plain = clusterRole("r", []);
  const aggregating = { ...plain, ...selector };
  const source = sourceFromObjects([
    ...bootstrapClusterRoles(),
    clusterBinding("admin-alice", "cluster-admin", [userSubject("alice")]),
    clusterBinding("admin-bob", "admin", [userSubject("bob")]),
  ]);
  const alice = person("alice", "system:authenticated");
  const bob = person("bob", "system:authenticated");

  it("needs * on *.* and on every URL to set, keep or remove an aggregationRule", () => {
    const denied = { ok: false, message: AGGREGATION_RULE_DENIED };
    assert.deepEqual(aggregationRuleCheck(bob, aggregating, undefined, source), denied);
    assert.deepEqual(aggregationRuleCheck(bob, aggregating, aggregating, source), denied);
    assert.deepEqual(aggregationRuleCheck(bob, plain, aggregating, source), denied);
    assert.deepEqual(aggregationRuleCheck(alice, aggregating, aggregating, source), { ok: true });
    assert.deepEqual(aggregationRuleCheck(bob, plain, plain, source), { ok: true });
  });

  it("ignores an aggregationRule without selectors, not one with malformed selectors", () => {
    const empty = { ...plain, aggregationRule: { clusterRoleSelectors: [] } };
    assert.deepEqual(aggregationRuleCheck(bob, empty, undefined, source), { ok: true });
    const malformed = { ...plain, aggregationRule: { clusterRoleSelectors: { matchLabels: {} } } };
    assert.equal(aggregationRuleCheck(bob, malformed as never, undefined, source).ok, false);
  });
});

describe("isOnlyMutatingGCFields", () => {
  const old: ClusterRole = {
    ...clusterRole("r", [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }]),
    metadata: { name: "r", resourceVersion: "5", finalizers: ["a"] },
  };

  it("is true when only finalizers, ownerReferences or bookkeeping change", () => {
    const next = structuredClone(old);
    next.metadata = {
      name: "r",
      resourceVersion: "7",
      ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "o", uid: "u" }],
      labels: {},
    };
    assert.equal(isOnlyMutatingGCFields(next, old), true);
  });

  it("is false for any other change and for a create", () => {
    const labelled = structuredClone(old);
    labelled.metadata = { ...old.metadata, labels: { a: "b" } };
    assert.equal(isOnlyMutatingGCFields(labelled, old), false);
    const widened = structuredClone(old);
    widened.rules = [{ verbs: ["*"], apiGroups: [""], resources: ["pods"] }];
    assert.equal(isOnlyMutatingGCFields(widened, old), false);
    assert.equal(isOnlyMutatingGCFields(old, undefined), false);
  });
});

describe("policyRules", () => {
  it("reads only string lists, whatever the body held", () => {
    assert.deepEqual(policyRules("junk"), []);
    assert.deepEqual(policyRules([null, { verbs: "get", resources: ["pods", 5] }]), [
      { verbs: [], apiGroups: [], resources: ["pods"], resourceNames: [], nonResourceURLs: [] },
    ]);
  });
});
