// `incluster pods count --leader-elect`: two replicas "in Pods" (in-cluster config, their own
// ServiceAccount) against the local API server with exactly the Role of deploy/overlays/leader-elect.
// One counts, the other stands by; when the leader stops it releases the Lease and the standby takes over.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { parse } from "yaml";
import type { KubeObject } from "../../src/meta/types.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  type AppsCluster,
  type CliRun,
  metricValue,
  pod,
  probe,
  runCli,
  startAppsCluster,
} from "./apps-harness.ts";

const NS = "incluster";
const STATUS = `leader_election_master_status{name="${NS}/pod-counter"}`;
let c: AppsCluster;
let env: Record<string, string>;

const overlay = async (file: string) =>
  parse(
    await readFile(new URL(`../../deploy/overlays/leader-elect/${file}`, import.meta.url), "utf8"),
  ) as KubeObject;

before(async () => {
  c = await startAppsCluster();
  await c.admin.resource("namespaces").create({ metadata: { name: NS } });
  await c.cluster.server.settle();
  for (let i = 1; i <= 2; i++) await c.admin.resource<Pod>("pods").create(pod(NS, `worker-${i}`));
  await c.admin.resource("roles.rbac.authorization.k8s.io").create(await overlay("role.yaml"));
  await c.admin.resource("rolebindings.rbac.authorization.k8s.io").create(await overlay("rolebinding.yaml"));
  await c.admin.resource("roles.rbac.authorization.k8s.io").create({
    metadata: { name: "pod-reader", namespace: NS },
    rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
  } as KubeObject);
  await c.admin.resource("rolebindings.rbac.authorization.k8s.io").create({
    metadata: { name: "pod-reader", namespace: NS },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
    subjects: [{ kind: "ServiceAccount", name: "pod-counter", namespace: NS }],
  } as KubeObject);
  env = c.podEnv(await c.serviceAccountDir(NS, "pod-counter"));
});
after(() => c.stop());

const replica = () =>
  runCli(
    [
      "pods",
      "count",
      "-n",
      NS,
      "--every",
      "200ms",
      "--no-timestamps",
      "--metrics-port",
      "0",
      "--leader-elect",
      "--leader-elect-lease-duration",
      "2s",
      "--leader-elect-renew-deadline",
      "1500ms",
      "--leader-elect-retry-period",
      "200ms",
    ],
    env,
  );

const status = async (app: CliRun) =>
  metricValue((await probe(await app.metricsPort(), "/metrics")).text, STATUS);

test("two replicas: one counts, the other stands by ready; SIGTERM hands over at once", async () => {
  const first = replica();
  const second = replica();
  try {
    await eventually(async () => first.stdout.length + second.stdout.length > 0, 10_000, "a count");
    const [leader, standby] = first.stdout.length > 0 ? [first, second] : [second, first];
    await standby.line("stderr", /standing by/, 5000);
    await new Promise((r) => setTimeout(r, 600)); // three more counting periods
    assert.equal(standby.stdout.length, 0, "the standby does not count");
    assert.match(leader.stdout[0], /^There are 2 pods in namespace incluster$/);
    assert.equal(await status(leader), 1);
    assert.equal(await status(standby), 0);
    assert.equal((await probe(await standby.metricsPort(), "/readyz")).status, 200);
    const lease = (await c.admin
      .resource("leases.coordination.k8s.io")
      .get("pod-counter", { namespace: NS })) as any;
    assert.ok(lease.spec.holderIdentity, "the Lease names its holder");

    const holder = lease.spec.holderIdentity;
    leader.kill("SIGTERM");
    assert.equal(await leader.exited, 0);
    // Released on shutdown (client-go's release: holder cleared, duration 1 s), so the standby need not
    // wait out the 2 s lease; checked on the Lease itself, not with a wall-clock bound a loaded machine breaks.
    const after = (await c.admin
      .resource("leases.coordination.k8s.io")
      .get("pod-counter", { namespace: NS })) as any;
    assert.notEqual(after.spec.holderIdentity, holder, "the leader released its Lease before exiting");
    if (after.spec.holderIdentity === "") assert.equal(after.spec.leaseDurationSeconds, 1);
    await standby.line("stdout", /^There are 2 pods in namespace incluster$/, 5000);
    assert.equal(await status(standby), 1);
  } finally {
    first.kill();
    second.kill();
  }
});

test("--leader-elect with --once is a usage error (exit 2)", async () => {
  const app = runCli(["pods", "count", "--once", "--leader-elect"], env);
  assert.equal(await app.exited, 2);
  assert.ok(app.stderr.join("\n").includes("--leader-elect needs a long-running mode"));
});
