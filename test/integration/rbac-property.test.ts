// Property: for random roles, cluster roles (some aggregated), bindings and requests, the offline decision of
// `incluster rbac check` (manifests + bootstrap policy, aggregation computed) equals the live server's
// SubjectAccessReview. Seeded, so a failure names a reproducible case.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { stringify } from "yaml";
import {
  offlineDecision,
  offlineSource,
  offlineUser,
  type RequestSpec,
  requestAttributes,
} from "../../src/cli/rbac-offline.ts";
import type { KubeObject, PolicyRule, Subject } from "../../src/meta/types.ts";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";
import { runCli } from "../unit/cli/run-cli.ts";

const SEED = 20_260_131;
const SCENARIOS = 60;
const REQUESTS_PER_SCENARIO = 10;
const NAMESPACES = ["ns-a", "ns-b"];
const RBAC = "rbac.authorization.k8s.io";

/** mulberry32: small, fast, good enough to pick from lists. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const some = <T>(list: readonly T[], max: number): T[] => {
    const n = 1 + Math.floor(next() * max);
    return [...new Set(Array.from({ length: n }, () => pick(list)))];
  };
  return { next, pick, some, chance: (p: number) => next() < p };
}

type Random = ReturnType<typeof prng>;

const VERBS = ["get", "list", "watch", "create", "delete", "update", "*"];
const GROUPS = ["", "apps", "*"];
const RESOURCES = [
  "pods",
  "pods/log",
  "pods/exec",
  "deployments",
  "deployments/scale",
  "*/scale",
  "configmaps",
  "nodes",
  "*",
];
const NAMES = ["n1", "n2"];
const URLS = ["/healthz", "/healthz/*", "/api", "/api/*", "/metrics", "*"];
const USERS = ["alice", "bob", "system:serviceaccount:ns-a:sa1", "system:serviceaccount:ns-b:sa2"];
const USER_GROUPS = ["team-x", "team-y", "system:masters"];

function resourceRule(r: Random): PolicyRule {
  return {
    apiGroups: r.some(GROUPS, 2),
    resources: r.some(RESOURCES, 2),
    ...(r.chance(0.3) ? { resourceNames: r.some(NAMES, 2) } : {}),
    verbs: r.some(VERBS, 3),
  };
}

function subject(r: Random, inRoleBinding: boolean): Subject {
  switch (r.pick(["User", "Group", "ServiceAccount"])) {
    case "User":
      return {
        kind: "User",
        apiGroup: RBAC,
        name: r.pick(["alice", "bob", "system:serviceaccount:ns-a:sa1"]),
      };
    case "Group":
      return {
        kind: "Group",
        apiGroup: RBAC,
        name: r.pick([
          "team-x",
          "team-y",
          "system:serviceaccounts",
          "system:serviceaccounts:ns-b",
          "system:authenticated",
        ]),
      };
    default: {
      const [namespace, name] = r.pick([
        ["ns-a", "sa1"],
        ["ns-b", "sa2"],
      ]);
      // A RoleBinding's ServiceAccount subject may omit the namespace: it then means the binding's.
      return inRoleBinding && r.chance(0.5)
        ? { kind: "ServiceAccount", name }
        : { kind: "ServiceAccount", name, namespace };
    }
  }
}

/** Roles, cluster roles (one aggregating others by label) and bindings, all named after the scenario. */
function scenarioObjects(r: Random, id: number): KubeObject[] {
  const p = `p${id}`;
  const label = { [`prop/agg-${p}`]: "true" };
  const objects: KubeObject[] = [];
  const clusterRoles = [`${p}-c0`, `${p}-c1`, `${p}-agg`];
  objects.push({
    apiVersion: `${RBAC}/v1`,
    kind: "ClusterRole",
    metadata: { name: `${p}-c0`, labels: r.chance(0.5) ? label : {} },
    rules: [
      resourceRule(r),
      ...(r.chance(0.5)
        ? [{ verbs: r.some(["get", "post", "*"], 2), nonResourceURLs: r.some(URLS, 2) }]
        : []),
    ],
  });
  objects.push({
    apiVersion: `${RBAC}/v1`,
    kind: "ClusterRole",
    metadata: { name: `${p}-c1`, labels: r.chance(0.6) ? label : {} },
    rules: [resourceRule(r)],
  });
  objects.push({
    apiVersion: `${RBAC}/v1`,
    kind: "ClusterRole",
    metadata: { name: `${p}-agg` },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: label }] },
    rules: [],
  });
  for (const namespace of NAMESPACES) {
    if (r.chance(0.7))
      objects.push({
        apiVersion: `${RBAC}/v1`,
        kind: "Role",
        metadata: { name: `${p}-r`, namespace },
        rules: [resourceRule(r), resourceRule(r)],
      });
    for (let i = 0; i < 2; i++) {
      const roleKind = r.pick(["Role", "ClusterRole"]);
      objects.push({
        apiVersion: `${RBAC}/v1`,
        kind: "RoleBinding",
        metadata: { name: `${p}-rb${i}`, namespace },
        roleRef: {
          apiGroup: RBAC,
          kind: roleKind,
          name: roleKind === "Role" ? `${p}-r` : r.pick([...clusterRoles, "view", "edit", `${p}-missing`]),
        },
        subjects: [subject(r, true), ...(r.chance(0.4) ? [subject(r, true)] : [])],
      });
    }
  }
  objects.push({
    apiVersion: `${RBAC}/v1`,
    kind: "ClusterRoleBinding",
    metadata: { name: `${p}-crb` },
    roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: r.pick([...clusterRoles, "view", `${p}-missing`]) },
    subjects: [subject(r, false)],
  });
  return objects;
}

const REQUEST_TARGETS: [resource: string, subresource?: string][] = [
  ["pods"],
  ["pods", "log"],
  ["pods", "exec"],
  ["deployments.apps"],
  ["deployments.apps", "scale"],
  ["configmaps"],
  ["nodes"],
];

function randomRequest(r: Random): { username: string; groups: string[]; spec: RequestSpec } {
  const username = r.pick(USERS);
  const groups = r.chance(0.5)
    ? []
    : r.some(
        USER_GROUPS.filter((g) => g !== "system:masters" || r.chance(0.2)),
        2,
      );
  if (r.chance(0.2)) {
    return {
      username,
      groups,
      spec: {
        verb: r.pick(["get", "post"]),
        resource: r.pick(["/healthz", "/healthz/etcd", "/api", "/api/v1", "/metrics", "/version"]),
        namespace: "",
      },
    };
  }
  const [resource, subresource] = r.pick(REQUEST_TARGETS);
  return {
    username,
    groups,
    spec: {
      verb: r.pick(VERBS.filter((v) => v !== "*" || r.chance(0.3))),
      resource,
      subresource,
      name: r.pick(["", "", ...NAMES]),
      namespace: r.pick([...NAMESPACES, ""]),
    },
  };
}

/** The first scenarios also go through the real `incluster rbac check` command. */
const CLI_SCENARIOS = 1;

async function assertCliAgrees(
  objects: KubeObject[],
  username: string,
  groups: string[],
  spec: RequestSpec,
  live: boolean,
) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "incluster-prop-"));
  try {
    const file = path.join(dir, "rbac.yaml");
    await writeFile(file, objects.map((o) => stringify(o)).join("---\n"));
    const args = [
      "rbac",
      "check",
      "-f",
      file,
      "--as",
      username,
      ...groups.flatMap((g) => ["--as-group", g]),
      spec.verb,
      spec.resource,
    ];
    if (spec.name) args.push(spec.name);
    if (spec.subresource) args.push("--subresource", spec.subresource);
    if (!spec.resource.startsWith("/")) args.push(...(spec.namespace ? ["-n", spec.namespace] : ["-A"]));
    const r = await runCli(args);
    assert.equal(r.code, live ? 0 : 1, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  for (const name of NAMESPACES)
    assert.equal((await c.admin("POST", "/api/v1/namespaces", { metadata: { name } })).status, 201);
});
after(() => c.stop());

function collectionPath(o: KubeObject): string {
  const plural = `${o.kind!.toLowerCase()}s`;
  return o.metadata?.namespace
    ? `/apis/${RBAC}/v1/namespaces/${o.metadata.namespace}/${plural}`
    : `/apis/${RBAC}/v1/${plural}`;
}

test(`offline rbac check equals the server's SubjectAccessReview (${SCENARIOS}×${REQUESTS_PER_SCENARIO} seeded cases)`, async () => {
  const r = prng(SEED);
  let allowedCount = 0;
  for (let id = 0; id < SCENARIOS; id++) {
    const objects = scenarioObjects(r, id);
    for (const o of objects) {
      const created = await c.admin("POST", collectionPath(o), o);
      assert.equal(created.status, 201, `scenario ${id}: ${created.text}`);
    }
    await c.server.settle();
    const source = offlineSource(objects);
    for (let i = 0; i < REQUESTS_PER_SCENARIO; i++) {
      const { username, groups, spec } = randomRequest(r);
      const user = offlineUser(username, groups);
      const attributes = requestAttributes(user, spec);
      const offline = offlineDecision(attributes, source);
      const review = await c.admin("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user: user.username,
          groups: user.groups,
          ...(attributes.resourceRequest
            ? {
                resourceAttributes: {
                  namespace: attributes.namespace,
                  verb: attributes.verb,
                  group: attributes.apiGroup,
                  resource: attributes.resource,
                  subresource: attributes.subresource,
                  name: attributes.name,
                },
              }
            : { nonResourceAttributes: { path: attributes.path, verb: attributes.verb } }),
        },
      });
      assert.equal(review.status, 201, review.text);
      const live = review.json.status.allowed === true;
      assert.equal(
        offline.allowed,
        live,
        `seed ${SEED} scenario ${id} request ${i}: ${JSON.stringify({ user, spec })}\noffline: ${offline.reason}\nserver: ${review.json.status.reason ?? ""}\nobjects: ${JSON.stringify(objects)}`,
      );
      if (live) allowedCount++;
      if (id < CLI_SCENARIOS) await assertCliAgrees(objects, username, groups, spec, live);
    }
    for (const o of [...objects].reverse())
      await c.admin("DELETE", `${collectionPath(o)}/${o.metadata!.name}`);
    await c.server.settle();
  }
  // Not a degenerate sample: both answers occur often.
  const total = SCENARIOS * REQUESTS_PER_SCENARIO;
  assert.ok(allowedCount > total * 0.1 && allowedCount < total * 0.9, `allowed ${allowedCount} of ${total}`);
});
