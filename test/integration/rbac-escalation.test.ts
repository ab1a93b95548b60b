// Privilege-escalation prevention on role and binding writes, as kube-apiserver enforces it
// (pkg/registry/rbac/*/policybased/storage.go): every write path, real ServiceAccount tokens.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type HttpResult,
  startTestCluster,
  type TestCluster,
  writeTokenKubeconfig,
} from "../helpers/cluster.ts";

let c: TestCluster;
const RBAC = "/apis/rbac.authorization.k8s.io/v1";
const GROUP = "rbac.authorization.k8s.io";
const tokens: Record<string, string> = {};

const saUser = (name: string) => `system:serviceaccount:esc:${name}`;
const saGroups = '["system:serviceaccounts" "system:serviceaccounts:esc" "system:authenticated"]';
const subject = (name: string) => [{ kind: "ServiceAccount", name, namespace: "esc" }];
const ref = (kind: string, name: string) => ({ apiGroup: GROUP, kind, name });

async function admin(method: string, path: string, body?: unknown): Promise<HttpResult> {
  const r = await c.admin(method, path, body);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
  return r;
}

/** A ClusterRole with these rules, bound to the ServiceAccount cluster-wide (or in `namespace`). */
async function grant(sa: string, role: string, rules: unknown[], namespace?: string) {
  await admin("POST", `${RBAC}/clusterroles`, { metadata: { name: role }, rules });
  const binding = {
    metadata: { name: `${role}-${sa}` },
    roleRef: ref("ClusterRole", role),
    subjects: subject(sa),
  };
  if (namespace) await admin("POST", `${RBAC}/namespaces/${namespace}/rolebindings`, binding);
  else await admin("POST", `${RBAC}/clusterrolebindings`, binding);
}

const as = (sa: string, method: string, path: string, body?: unknown, contentType?: string) =>
  c.request(method, path, { token: tokens[sa], body, contentType });

const rbacRule = (resources: string[], verbs: string[], resourceNames?: string[]) => ({
  apiGroups: [GROUP],
  resources,
  verbs,
  ...(resourceNames ? { resourceNames } : {}),
});
const WRITE = ["get", "list", "watch", "create", "update", "patch"];
const EVERYTHING = { apiGroups: ["*"], resources: ["*"], verbs: ["*"] };
/** Selects every ClusterRole (none carries this label). */
const SELECT_ALL = {
  clusterRoleSelectors: [{ matchExpressions: [{ key: "esc.test/none", operator: "DoesNotExist" }] }],
};

before(async () => {
  c = await startTestCluster();
  await admin("POST", "/api/v1/namespaces", { metadata: { name: "esc" } });
  await admin("POST", "/api/v1/namespaces", { metadata: { name: "other" } });
  for (const sa of ["dev", "agg", "binder"]) {
    await admin("POST", "/api/v1/namespaces/esc/serviceaccounts", { metadata: { name: sa } });
  }
  // dev: `admin` in the namespace; may write roles and rolebindings there, holds nothing cluster-wide.
  await admin("POST", `${RBAC}/namespaces/esc/rolebindings`, {
    metadata: { name: "dev-admin" },
    roleRef: ref("ClusterRole", "admin"),
    subjects: subject("dev"),
  });
  // agg: may write ClusterRoles (its own included, and a status subresource if there were one) and
  // read ConfigMaps, nothing more.
  await grant("agg", "agg-writer", [
    rbacRule(["clusterroles", "clusterroles/status"], WRITE),
    { apiGroups: [""], resources: ["configmaps"], verbs: ["get"] },
  ]);
  // binder: may write bindings anywhere; holds `view` cluster-wide and `edit` in esc; may bind `admin` in esc.
  await grant("binder", "binding-writer", [rbacRule(["rolebindings", "clusterrolebindings"], WRITE)]);
  await admin("POST", `${RBAC}/clusterrolebindings`, {
    metadata: { name: "binder-view" },
    roleRef: ref("ClusterRole", "view"),
    subjects: subject("binder"),
  });
  await admin("POST", `${RBAC}/namespaces/esc/rolebindings`, {
    metadata: { name: "binder-edit" },
    roleRef: ref("ClusterRole", "edit"),
    subjects: subject("binder"),
  });
  await grant(
    "binder",
    "bind-admin",
    [rbacRule(["clusterroles"], ["bind"], ["admin", "future-role"])],
    "esc",
  );
  for (const sa of ["dev", "agg", "binder"]) {
    const tr = await admin("POST", `/api/v1/namespaces/esc/serviceaccounts/${sa}/token`, { spec: {} });
    tokens[sa] = tr.json.status.token;
  }
});
after(() => c.stop());

function assertForbidden(r: HttpResult, resource: string, name: string, inner: string | RegExp) {
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.reason, "Forbidden");
  assert.deepEqual(r.json.details, { name, group: GROUP, kind: resource });
  const prefix = `${resource}.${GROUP} "${name}" is forbidden: `;
  if (typeof inner === "string") assert.equal(r.json.message, prefix + inner);
  else {
    assert.ok(r.json.message.startsWith(prefix), r.json.message);
    assert.match(r.json.message.slice(prefix.length), inner);
  }
}

const notHeld = (sa: string, ...missing: string[]) =>
  `user "${saUser(sa)}" (groups=${saGroups}) is attempting to grant RBAC permissions not currently held:\n${missing.join("\n")}`;
const AGGREGATION = "must have cluster-admin privileges to use the aggregationRule";

/** Every way a client writes an object; `changes` are merged into the stored object. */
const WRITE_PATHS: {
  name: string;
  write: (
    sa: string,
    collection: string,
    name: string,
    changes: Record<string, unknown>,
  ) => Promise<HttpResult>;
}[] = [
  {
    name: "update (PUT)",
    write: async (sa, collection, name, changes) => {
      const current = (await admin("GET", `${collection}/${name}`)).json;
      return as(sa, "PUT", `${collection}/${name}`, { ...current, ...changes });
    },
  },
  {
    name: "JSON merge patch",
    write: (sa, collection, name, changes) =>
      as(sa, "PATCH", `${collection}/${name}`, changes, "application/merge-patch+json"),
  },
  {
    name: "strategic merge patch",
    write: (sa, collection, name, changes) =>
      as(sa, "PATCH", `${collection}/${name}`, changes, "application/strategic-merge-patch+json"),
  },
  {
    name: "JSON patch",
    write: (sa, collection, name, changes) =>
      as(
        sa,
        "PATCH",
        `${collection}/${name}`,
        Object.entries(changes).map(([k, value]) => ({ op: "add", path: `/${k}`, value })),
        "application/json-patch+json",
      ),
  },
  {
    name: "server-side apply",
    write: async (sa, collection, name, changes) => {
      const current = (await admin("GET", `${collection}/${name}`)).json;
      const body = { apiVersion: current.apiVersion, kind: current.kind, metadata: { name }, ...changes };
      return as(
        sa,
        "PATCH",
        `${collection}/${name}?fieldManager=esc-test&force=true`,
        body,
        "application/apply-patch+yaml",
      );
    },
  },
  {
    name: "dry-run merge patch",
    write: (sa, collection, name, changes) =>
      as(sa, "PATCH", `${collection}/${name}?dryRun=All`, changes, "application/merge-patch+json"),
  },
];

test("binding a role whose permissions the user holds is allowed; binding cluster-admin is not", async () => {
  const ok = await as("dev", "POST", `${RBAC}/namespaces/esc/rolebindings`, {
    metadata: { name: "view-someone" },
    roleRef: ref("ClusterRole", "view"),
    subjects: [{ kind: "User", name: "someone" }],
  });
  assert.equal(ok.status, 201, ok.text);
  const denied = await as("dev", "POST", `${RBAC}/namespaces/esc/rolebindings`, {
    metadata: { name: "root" },
    roleRef: ref("ClusterRole", "cluster-admin"),
    subjects: [{ kind: "User", name: "someone" }],
  });
  assertForbidden(
    denied,
    "rolebindings",
    "root",
    notHeld("dev", '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}', '{NonResourceURLs:["*"], Verbs:["*"]}'),
  );
});

// The finding: a ServiceAccount that may only write ClusterRoles gave its own role an aggregationRule
// selecting every ClusterRole and became cluster-admin once the aggregation controller ran.
for (const path of WRITE_PATHS) {
  test(`an aggregationRule needs cluster-admin: ${path.name} of the writer's own ClusterRole`, async () => {
    const r = await path.write("agg", `${RBAC}/clusterroles`, "agg-writer", { aggregationRule: SELECT_ALL });
    assertForbidden(r, "clusterroles", "agg-writer", AGGREGATION);
    const stored = (await admin("GET", `${RBAC}/clusterroles/agg-writer`)).json;
    assert.equal(stored.aggregationRule, undefined);
    assert.equal(stored.rules.length, 2);
    assert.deepEqual(stored.rules[0].resources, ["clusterroles", "clusterroles/status"]);
    const secrets = await as("agg", "GET", "/api/v1/namespaces/esc/secrets");
    assert.equal(secrets.status, 403);
  });
}

test("an aggregationRule needs cluster-admin: create by POST and by server-side apply", async () => {
  const role = { metadata: { name: "agg-new" }, aggregationRule: SELECT_ALL, rules: [] };
  const posted = await as("agg", "POST", `${RBAC}/clusterroles`, role);
  assertForbidden(posted, "clusterroles", "agg-new", AGGREGATION);
  const dryRun = await as("agg", "POST", `${RBAC}/clusterroles?dryRun=All`, role);
  assertForbidden(dryRun, "clusterroles", "agg-new", AGGREGATION);
  const applied = await as(
    "agg",
    "PATCH",
    `${RBAC}/clusterroles/agg-new?fieldManager=esc-test`,
    { apiVersion: `${GROUP}/v1`, kind: "ClusterRole", ...role },
    "application/apply-patch+yaml",
  );
  assertForbidden(applied, "clusterroles", "agg-new", AGGREGATION);
  assert.equal((await c.admin("GET", `${RBAC}/clusterroles/agg-new`)).status, 404);
  // The same role without the aggregationRule holds nothing the writer lacks.
  const plain = await as("agg", "POST", `${RBAC}/clusterroles`, {
    metadata: { name: "agg-plain" },
    rules: [],
  });
  assert.equal(plain.status, 201, plain.text);
});

test("keeping or removing an existing aggregationRule needs cluster-admin too", async () => {
  // An aggregated role whose rules the writer holds (it reads ConfigMaps).
  await admin("POST", `${RBAC}/clusterroles`, {
    metadata: { name: "agg-source", labels: { "esc.test/agg": "true" } },
    rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }],
  });
  await admin("POST", `${RBAC}/clusterroles`, {
    metadata: { name: "agg-target" },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "esc.test/agg": "true" } }] },
  });
  const path = `${RBAC}/clusterroles/agg-target`;
  const removed = await as("agg", "PATCH", path, { aggregationRule: null }, "application/merge-patch+json");
  assertForbidden(removed, "clusterroles", "agg-target", AGGREGATION);
  const relabelled = await as(
    "agg",
    "PATCH",
    path,
    { metadata: { labels: { a: "b" } } },
    "application/merge-patch+json",
  );
  assertForbidden(relabelled, "clusterroles", "agg-target", AGGREGATION);
  assert.ok((await admin("GET", path)).json.aggregationRule);
});

for (const path of WRITE_PATHS) {
  test(`a Role update is checked after the patch is applied: ${path.name}`, async () => {
    const name = `cm-${path.name.replace(/\W+/g, "-").toLowerCase()}`;
    const created = await as("dev", "POST", `${RBAC}/namespaces/esc/roles`, {
      metadata: { name },
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }],
    });
    assert.equal(created.status, 201, created.text);
    const r = await path.write("dev", `${RBAC}/namespaces/esc/roles`, name, { rules: [EVERYTHING] });
    assertForbidden(r, "roles", name, notHeld("dev", '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}'));
    const stored = (await admin("GET", `${RBAC}/namespaces/esc/roles/${name}`)).json;
    assert.deepEqual(stored.rules, [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }]);
  });
}

test("a Role with rules the user lacks is refused until it holds `escalate`", async () => {
  const role = { metadata: { name: "everything" }, rules: [EVERYTHING] };
  const denied = await as("dev", "POST", `${RBAC}/namespaces/esc/roles`, role);
  assertForbidden(denied, "roles", "everything", /^user "system:serviceaccount:esc:dev"/);
  await grant("dev", "role-escalator", [rbacRule(["roles"], ["escalate"])], "esc");
  const allowed = await as("dev", "POST", `${RBAC}/namespaces/esc/roles`, role);
  assert.equal(allowed.status, 201, allowed.text);
  // In esc only: the escalate grant is a RoleBinding there.
  await admin("POST", `${RBAC}/namespaces/other/rolebindings`, {
    metadata: { name: "dev-admin" },
    roleRef: ref("ClusterRole", "admin"),
    subjects: subject("dev"),
  });
  const elsewhere = await as("dev", "POST", `${RBAC}/namespaces/other/roles`, role);
  assertForbidden(
    elsewhere,
    "roles",
    "everything",
    /attempting to grant RBAC permissions not currently held/,
  );
});

test("`escalate` limited to a role name covers updates of that role, not its creation by POST", async () => {
  await admin("POST", "/api/v1/namespaces/esc/serviceaccounts", { metadata: { name: "named" } });
  const tr = await admin("POST", "/api/v1/namespaces/esc/serviceaccounts/named/token", { spec: {} });
  tokens.named = tr.json.status.token;
  await grant(
    "named",
    "named-roles",
    [rbacRule(["roles"], WRITE), rbacRule(["roles"], ["escalate"], ["mine"])],
    "esc",
  );
  const role = { metadata: { name: "mine" }, rules: [EVERYTHING] };
  const posted = await as("named", "POST", `${RBAC}/namespaces/esc/roles`, role);
  assertForbidden(posted, "roles", "mine", /attempting to grant RBAC permissions not currently held/);
  await admin("POST", `${RBAC}/namespaces/esc/roles`, { metadata: { name: "mine" }, rules: [] });
  const patched = await as(
    "named",
    "PATCH",
    `${RBAC}/namespaces/esc/roles/mine`,
    { rules: [EVERYTHING] },
    "application/merge-patch+json",
  );
  assert.equal(patched.status, 200, patched.text);
  await admin("POST", `${RBAC}/namespaces/esc/roles`, { metadata: { name: "theirs" }, rules: [] });
  const other = await as(
    "named",
    "PATCH",
    `${RBAC}/namespaces/esc/roles/theirs`,
    { rules: [EVERYTHING] },
    "application/merge-patch+json",
  );
  assertForbidden(other, "roles", "theirs", /attempting to grant RBAC permissions not currently held/);
});

test("an update that only changes finalizers or ownerReferences needs no escalation check", async () => {
  // gc may write Roles in esc and holds nothing else (no `escalate`).
  await admin("POST", "/api/v1/namespaces/esc/serviceaccounts", { metadata: { name: "gc" } });
  const tr = await admin("POST", "/api/v1/namespaces/esc/serviceaccounts/gc/token", { spec: {} });
  tokens.gc = tr.json.status.token;
  await grant("gc", "gc-roles", [rbacRule(["roles"], WRITE)], "esc");
  await admin("POST", `${RBAC}/namespaces/esc/roles`, {
    metadata: { name: "powerful" },
    rules: [EVERYTHING],
  });
  const path = `${RBAC}/namespaces/esc/roles/powerful`;
  const finalizer = await as(
    "gc",
    "PATCH",
    path,
    { metadata: { finalizers: ["esc.test/hold"] } },
    "application/merge-patch+json",
  );
  assert.equal(finalizer.status, 200, finalizer.text);
  const cleared = await as(
    "gc",
    "PATCH",
    path,
    { metadata: { finalizers: null } },
    "application/merge-patch+json",
  );
  assert.equal(cleared.status, 200, cleared.text);
  const labelled = await as(
    "gc",
    "PATCH",
    path,
    { metadata: { labels: { a: "b" } } },
    "application/merge-patch+json",
  );
  assertForbidden(labelled, "roles", "powerful", /attempting to grant RBAC permissions not currently held/);
});

test("joining an existing cluster-admin binding is refused on every write path", async () => {
  const collection = `${RBAC}/clusterrolebindings`;
  await admin("POST", collection, {
    metadata: { name: "root-binding" },
    roleRef: ref("ClusterRole", "cluster-admin"),
    subjects: [{ kind: "User", name: "root" }],
  });
  const missing = ['{APIGroups:["*"], Resources:["*"], Verbs:["*"]}', '{NonResourceURLs:["*"], Verbs:["*"]}'];
  for (const path of WRITE_PATHS) {
    const r = await path.write("binder", collection, "root-binding", {
      subjects: [{ kind: "User", name: "root" }, ...subject("binder")],
    });
    assertForbidden(r, "clusterrolebindings", "root-binding", notHeld("binder", ...missing));
  }
  const stored = (await admin("GET", `${collection}/root-binding`)).json;
  assert.deepEqual(
    stored.subjects.map((s: { name: string }) => s.name),
    ["root"],
  );
});

test("a RoleBinding of a ClusterRole is checked against the binding's namespace", async () => {
  const binding = (name: string, role: string) => ({
    metadata: { name },
    roleRef: ref("ClusterRole", role),
    subjects: [{ kind: "User", name: "someone" }],
  });
  // binder holds edit in esc only (view everywhere).
  const inEsc = await as(
    "binder",
    "POST",
    `${RBAC}/namespaces/esc/rolebindings`,
    binding("edit-esc", "edit"),
  );
  assert.equal(inEsc.status, 201, inEsc.text);
  const inOther = await as(
    "binder",
    "POST",
    `${RBAC}/namespaces/other/rolebindings`,
    binding("edit-other", "edit"),
  );
  assertForbidden(
    inOther,
    "rolebindings",
    "edit-other",
    /attempting to grant RBAC permissions not currently held:\n/,
  );
  const clusterWide = await as("binder", "POST", `${RBAC}/clusterrolebindings`, binding("edit-all", "edit"));
  assertForbidden(
    clusterWide,
    "clusterrolebindings",
    "edit-all",
    /attempting to grant RBAC permissions not currently held:\n/,
  );
  const view = await as("binder", "POST", `${RBAC}/clusterrolebindings`, binding("view-all", "view"));
  assert.equal(view.status, 201, view.text);
});

test("`bind` on one role name, in one namespace, allows binding just that role there", async () => {
  const binding = (name: string, role: string) => ({
    metadata: { name },
    roleRef: ref("ClusterRole", role),
    subjects: [{ kind: "User", name: "someone" }],
  });
  const admin_ = await as(
    "binder",
    "POST",
    `${RBAC}/namespaces/esc/rolebindings`,
    binding("admin-esc", "admin"),
  );
  assert.equal(admin_.status, 201, admin_.text);
  const other = await as(
    "binder",
    "POST",
    `${RBAC}/namespaces/other/rolebindings`,
    binding("admin-other", "admin"),
  );
  assertForbidden(
    other,
    "rolebindings",
    "admin-other",
    /attempting to grant RBAC permissions not currently held/,
  );
  const root = await as(
    "binder",
    "POST",
    `${RBAC}/namespaces/esc/rolebindings`,
    binding("root-esc", "cluster-admin"),
  );
  assertForbidden(
    root,
    "rolebindings",
    "root-esc",
    /attempting to grant RBAC permissions not currently held/,
  );
  const dryRun = await as(
    "binder",
    "POST",
    `${RBAC}/namespaces/esc/rolebindings?dryRun=All`,
    binding("root-esc", "cluster-admin"),
  );
  assert.equal(dryRun.status, 403, dryRun.text);
});

test("binding a role that does not exist: the registry's 404, unless `bind` covers the name", async () => {
  const binding = (name: string, kind: string, role: string) => ({
    metadata: { name },
    roleRef: ref(kind, role),
    subjects: [{ kind: "User", name: "someone" }],
  });
  const cluster = await as(
    "binder",
    "POST",
    `${RBAC}/namespaces/esc/rolebindings`,
    binding("ghost", "ClusterRole", "no-such-role"),
  );
  assert.equal(cluster.status, 404, cluster.text);
  assert.equal(cluster.json.reason, "NotFound");
  assert.equal(cluster.json.message, `clusterroles.${GROUP} "no-such-role" not found`);
  assert.deepEqual(cluster.json.details, { name: "no-such-role", group: GROUP, kind: "clusterroles" });
  const role = await as(
    "binder",
    "POST",
    `${RBAC}/namespaces/esc/rolebindings`,
    binding("ghost", "Role", "no-such-role"),
  );
  assert.equal(role.status, 404, role.text);
  assert.equal(role.json.message, `roles.${GROUP} "no-such-role" not found`);
  // bind-admin names "future-role" in esc: binding it ahead of its creation is allowed.
  const future = await as(
    "binder",
    "POST",
    `${RBAC}/namespaces/esc/rolebindings`,
    binding("future", "ClusterRole", "future-role"),
  );
  assert.equal(future.status, 201, future.text);
});

test("an unusable roleRef fails the role lookup as kube-apiserver's registry does", async () => {
  const post = (collection: string, roleRef: unknown) =>
    as("binder", "POST", collection, {
      metadata: { name: "odd" },
      roleRef,
      subjects: [{ kind: "User", name: "someone" }],
    });
  const namespaced = `${RBAC}/namespaces/esc/rolebindings`;
  const cases: [string, unknown, number, string][] = [
    [namespaced, ref("ClusterRole", ""), 400, "Name parameter required."],
    [namespaced, ref("ClusterRole", "a/b"), 400, `Name parameter invalid: "a/b": may not contain '/'`],
    [`${RBAC}/clusterrolebindings`, ref("Role", "x"), 400, "Namespace parameter required."],
    // A plain Go error upstream: 500 with an empty reason.
    [namespaced, ref("Group", "x"), 500, 'unsupported role reference kind: "Group"'],
  ];
  for (const [collection, roleRef, code, message] of cases) {
    const r = await post(collection, roleRef);
    assert.equal(r.status, code, r.text);
    assert.equal(r.json.message, message);
    assert.equal(r.json.reason, code === 500 ? undefined : "BadRequest");
  }
});

test("RBAC objects have no subresource through which to skip the check", async () => {
  const r = await as(
    "agg",
    "PATCH",
    `${RBAC}/clusterroles/agg-writer/status`,
    { aggregationRule: SELECT_ALL },
    "application/merge-patch+json",
  );
  assert.equal(r.status, 404, r.text);
  assert.equal((await admin("GET", `${RBAC}/clusterroles/agg-writer`)).json.aggregationRule, undefined);
});

test("kubectl, as the ServiceAccount, shows kube-apiserver's refusal", async () => {
  const kubeconfig = await writeTokenKubeconfig(c, "agg", tokens.agg);
  const patch = JSON.stringify({ aggregationRule: SELECT_ALL });
  const r = await c.kubectl([
    "--kubeconfig",
    kubeconfig,
    "patch",
    "clusterrole",
    "agg-writer",
    "--type=merge",
    "-p",
    patch,
  ]);
  assert.equal(r.code, 1, r.stdout);
  assert.equal(
    r.stderr.trim(),
    `Error from server (Forbidden): clusterroles.${GROUP} "agg-writer" is forbidden: ${AGGREGATION}`,
  );
});
