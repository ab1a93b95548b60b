// Leader election against the local API server over HTTPS, as ServiceAccounts that may only get, create
// and update Leases — the least privilege client-go's LeaseLock needs.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createClient, isForbidden, type KubeClient, type LeaderElector } from "../../src/client/index.ts";
import { microTime } from "../../src/client/leader-election.ts";
import type { KubeObject } from "../../src/meta/types.ts";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const NS = "it-leader";
const FAST = { leaseDuration: 2000, renewDeadline: 1500, retryPeriod: 200 };

let cluster: TestCluster;
let admin: KubeClient;
const clients: KubeClient[] = [];

before(async () => {
  cluster = await startTestCluster();
  admin = await createClient({ kubeconfig: cluster.kubeconfigPath });
  await admin.resource("namespaces").create({ metadata: { name: NS } });
  await admin.resource("roles.rbac.authorization.k8s.io").create(
    {
      metadata: { name: "leader-election" },
      rules: [
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
      ],
    } as KubeObject,
    { namespace: NS },
  );
  await admin.resource("rolebindings.rbac.authorization.k8s.io").create(
    {
      metadata: { name: "leader-election" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "leader-election" },
      subjects: [{ kind: "ServiceAccount", name: "candidate", namespace: NS }],
    } as KubeObject,
    { namespace: NS },
  );
  await admin.resource("serviceaccounts").create({ metadata: { name: "candidate" } }, { namespace: NS });
  await admin.resource("serviceaccounts").create({ metadata: { name: "nobody" } }, { namespace: NS });
});

after(async () => {
  for (const c of clients) c.close();
  admin.close();
  await cluster.stop();
});

async function clientAs(serviceAccount: string): Promise<KubeClient> {
  const { token } = await admin.createToken(NS, serviceAccount, { expirationSeconds: 3600 });
  const client = await createClient({
    server: cluster.server.url,
    token,
    caData: cluster.server.caPem,
    namespace: NS,
    retries: 0,
  });
  clients.push(client);
  return client;
}

async function lease(name: string): Promise<any> {
  return admin.resource("leases.coordination.k8s.io").get(name, { namespace: NS });
}

interface Candidate {
  elector: LeaderElector;
  stop: AbortController;
  done: Promise<void>;
  events: string[];
  leading?: AbortSignal;
}

async function campaign(name: string, identity: string, extra = {}): Promise<Candidate> {
  const client = await clientAs("candidate");
  const stop = new AbortController();
  const events: string[] = [];
  const candidate = {} as Candidate;
  const elector = client.leaderElection({
    lease: name,
    identity,
    ...FAST,
    ...extra,
    signal: stop.signal,
    onStartedLeading: (signal) => {
      candidate.leading = signal;
      events.push("started");
    },
    onStoppedLeading: () => events.push("stopped"),
    onNewLeader: (leader) => events.push(`leader:${leader}`),
  });
  Object.assign(candidate, { elector, stop, events, done: elector.run() });
  return candidate;
}

describe("leader election", () => {
  test("two candidates: exactly one leads; the Lease carries client-go's record", async () => {
    const a = await campaign("two", "a");
    await eventually(async () => a.elector.isLeader);
    const b = await campaign("two", "b");
    await eventually(async () => b.elector.leader === "a");
    await new Promise((r) => setTimeout(r, 3 * FAST.retryPeriod));
    assert.equal(a.elector.isLeader, true);
    assert.equal(b.elector.isLeader, false);
    assert.deepEqual(b.events, ["leader:a"]);
    const spec = (await lease("two")).spec;
    assert.equal(spec.holderIdentity, "a");
    assert.equal(spec.leaseDurationSeconds, 2);
    assert.equal(spec.leaseTransitions, 0);
    assert.match(spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.ok(Date.parse(spec.renewTime) > Date.parse(spec.acquireTime), "the leader renews");
    a.stop.abort();
    b.stop.abort();
    await Promise.all([a.done, b.done]);
  });

  test("a stopped leader releases the Lease and the standby takes over at once", async () => {
    const a = await campaign("handover", "a");
    await eventually(async () => a.elector.isLeader);
    const b = await campaign("handover", "b");
    await eventually(async () => b.elector.leader === "a");
    const stoppedAt = Date.now();
    a.stop.abort();
    await a.done;
    assert.ok(a.leading?.aborted, "the leader's signal fired");
    assert.deepEqual(a.events, ["leader:a", "started", "stopped"]);
    await eventually(async () => b.elector.isLeader);
    // Released (holder "", 1 s): b waits that second at most, not the 2 s lease duration.
    assert.ok(Date.now() - stoppedAt < FAST.leaseDuration, `took ${Date.now() - stoppedAt} ms`);
    assert.equal((await lease("handover")).spec.leaseTransitions, 1);
    b.stop.abort();
    await b.done;
  });

  test("a leader whose Lease is taken loses leadership within renewDeadline and its signal fires", async () => {
    const a = await campaign("stolen", "a");
    await eventually(async () => a.elector.isLeader);
    const stealer = async () => {
      const current = await lease("stolen");
      current.spec = { ...current.spec, holderIdentity: "intruder", renewTime: microTime(Date.now()) };
      await admin.resource("leases.coordination.k8s.io").update(current, { namespace: NS });
    };
    // Keep the intruder's record fresh so `a` never sees it expire.
    const keepStealing = setInterval(() => void stealer().catch(() => {}), 100);
    try {
      await stealer();
      await eventually(async () => a.events.includes("stopped"), 5000);
      assert.equal(a.leading?.aborted, true);
      assert.equal(a.elector.leader, "intruder");
      assert.ok(a.events.includes("leader:intruder"));
    } finally {
      clearInterval(keepStealing);
    }
    await a.done;
  });

  test("a Lease held in client-go's format is respected until it expires", async () => {
    // What a client-go LeaseLock writes (kube-controller-manager's lease, for instance).
    await admin.resource("leases.coordination.k8s.io").create(
      {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: "held" },
        spec: {
          holderIdentity: "node-1_5f0c3f5e-4a1e-4a5e-9d2a-2b1f4c1d8e7a",
          leaseDurationSeconds: 2,
          acquireTime: microTime(Date.now()),
          renewTime: microTime(Date.now()),
          leaseTransitions: 4,
        },
      } as KubeObject,
      { namespace: NS },
    );
    const started = Date.now();
    const a = await campaign("held", "a");
    await eventually(async () => a.elector.isLeader, 6000);
    assert.ok(Date.now() - started >= FAST.leaseDuration, "waited for the old holder's lease to run out");
    assert.deepEqual(a.events.slice(0, 2), [
      "leader:node-1_5f0c3f5e-4a1e-4a5e-9d2a-2b1f4c1d8e7a",
      "leader:a",
    ]);
    assert.equal((await lease("held")).spec.leaseTransitions, 5);
    a.stop.abort();
    await a.done;
  });

  test("without RBAC on Leases the candidate reports 403s and never leads", async () => {
    const client = await clientAs("nobody");
    const stop = new AbortController();
    const errors: unknown[] = [];
    const elector = client.leaderElection({
      lease: "denied",
      identity: "x",
      ...FAST,
      signal: stop.signal,
      onError: (e) => errors.push(e),
    });
    const done = elector.run();
    await eventually(async () => errors.length > 0);
    assert.ok(isForbidden(errors[0]), String(errors[0]));
    assert.equal(elector.isLeader, false);
    stop.abort();
    await done;
  });

  test("candidates starting together race to create the Lease: the losers stand by without an error", async () => {
    const clients = await Promise.all(Array.from({ length: 5 }, () => clientAs("candidate")));
    const stop = new AbortController();
    const errors: unknown[] = [];
    // Started in one tick, so they all read NotFound and all POST the Lease: one 201, four AlreadyExists.
    const electors = clients.map((client, i) =>
      client.leaderElection({
        lease: "together",
        identity: `c${i}`,
        ...FAST,
        signal: stop.signal,
        onError: (e) => errors.push(e),
      }),
    );
    const done = electors.map((e) => e.run());
    try {
      await eventually(async () => electors.every((e) => e.leader !== undefined && e.leader !== ""));
      assert.equal(electors.filter((e) => e.isLeader).length, 1);
      assert.deepEqual(errors.map(String), []);
    } finally {
      stop.abort();
      await Promise.all(done);
    }
  });

  test("timings are checked as client-go's NewLeaderElector does", async () => {
    assert.throws(
      () => admin.leaderElection({ lease: "x/y", leaseDuration: 10_000, renewDeadline: 10_000 }),
      /leaseDuration must be greater than renewDeadline/,
    );
    assert.throws(
      () => admin.leaderElection({ lease: "x/y", renewDeadline: 2000, retryPeriod: 2000 }),
      /renewDeadline must be greater than retryPeriod\*JitterFactor/,
    );
  });

  test("Leases are validated as upstream and print Name, Holder, Age", async () => {
    const bad = await cluster.admin("POST", `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`, {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "bad" },
      spec: { leaseDurationSeconds: 0, leaseTransitions: -1 },
    });
    assert.equal(bad.status, 422);
    assert.equal(
      bad.json.message,
      'Lease.coordination.k8s.io "bad" is invalid: [spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0, spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0]',
    );
    const { stdout, code } = await cluster.kubectl(["get", "leases", "-n", NS, "two"]);
    assert.equal(code, 0);
    assert.match(stdout, /^NAME\s+HOLDER\s+AGE\n/);
    assert.match(stdout, /\ntwo\s+\S*\s+\d+s\n$/);
  });
});
