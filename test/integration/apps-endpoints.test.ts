// `incluster endpoints watch` against the local server's EndpointSlice controller: a namespaced Role is
// enough (seed 003), readiness flips of a Pod show up within a second, and a 403 is explained with its fix.

import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { KubeObject } from "../../src/meta/types.ts";
import { eventually } from "../helpers/cluster.ts";
import { type AppsCluster, metricValue, pod, probe, runCli, startAppsCluster } from "./apps-harness.ts";

const NS = "shop";
const IPS = { "web-1": "10.244.0.11", "web-2": "10.244.0.12" };

let c: AppsCluster;
let discoveryEnv: Record<string, string>;

before(async () => {
  c = await startAppsCluster();
  await c.admin.resource("namespaces").create({ metadata: { name: NS } });
  await c.cluster.server.settle();
  await c.admin.resource("services").create({
    metadata: { name: "web", namespace: NS },
    spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
  });
  for (const [name, ip] of Object.entries(IPS)) {
    await c.admin.resource<Pod>("pods").create(pod(NS, name, { app: "web" }));
    await setPodStatus(name, { phase: "Running", podIP: ip, podIPs: [{ ip }] });
    await setReady(name, true);
  }
  await createRbac([role("endpointslice-reader"), roleBinding("discovery", "endpointslice-reader")]);
  discoveryEnv = c.podEnv(await c.serviceAccountDir(NS, "discovery"));
});
after(() => c.stop());

function role(name: string): KubeObject {
  return {
    kind: "Role",
    metadata: { name, namespace: NS },
    rules: [
      { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
    ],
  };
}

function roleBinding(sa: string, roleName: string): KubeObject {
  return {
    kind: "RoleBinding",
    metadata: { name: `${sa}-${roleName}`, namespace: NS },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName },
    subjects: [{ kind: "ServiceAccount", name: sa, namespace: NS }],
  };
}

async function createRbac(objects: KubeObject[]): Promise<void> {
  for (const object of objects) {
    await c.admin.resource(`${object.kind!.toLowerCase()}s.rbac.authorization.k8s.io`).create(object);
  }
}

async function setPodStatus(name: string, status: Record<string, unknown>): Promise<void> {
  const result = await c.cluster.admin(
    "PATCH",
    `/api/v1/namespaces/${NS}/pods/${name}/status`,
    { status },
    "application/merge-patch+json",
  );
  assert.equal(result.status, 200, result.text);
}

/** What the kubelet does when a readiness probe starts or stops passing. */
function setReady(name: string, ready: boolean): Promise<void> {
  return setPodStatus(name, {
    conditions: [
      { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: new Date().toISOString() },
    ],
  });
}

test("prints the ready addresses as JSON and follows a Pod's readiness within a second", async () => {
  const app = runCli(
    ["endpoints", "watch", "web", "-n", NS, "-o", "json", "--metrics-port", "0"],
    discoveryEnv,
  );
  const records = () => app.stdout.map((line) => JSON.parse(line));
  const ports = [{ name: "http", port: 8080, protocol: "TCP" }];
  try {
    const port = await app.metricsPort();
    await app.line("stdout", /addresses/);
    const [first] = records();
    assert.ok(!Number.isNaN(Date.parse(first.time)));
    assert.deepEqual(
      { ...first, time: undefined },
      {
        time: undefined,
        namespace: NS,
        service: "web",
        ready: 2,
        addresses: [IPS["web-1"], IPS["web-2"]],
        ports,
      },
    );
    assert.equal((await probe(port, "/readyz")).status, 200);

    for (const [ready, expected] of [
      [false, [IPS["web-1"]]],
      [true, [IPS["web-1"], IPS["web-2"]]],
    ] as const) {
      const before = app.stdout.length;
      const flippedAt = Date.now();
      await setReady("web-2", ready);
      await eventually(async () => app.stdout.length > before, 1000, `endpoints after Ready=${ready}`);
      assert.ok(Date.now() - flippedAt < 1000);
      assert.deepEqual(records().at(-1).addresses, expected);
    }
    const metrics = (await probe(port, "/metrics")).text;
    assert.equal(
      metricValue(metrics, 'incluster_service_ready_endpoints{namespace="shop",service="web"}'),
      2,
    );
  } finally {
    app.kill();
  }
  assert.equal(await app.exited, 0);
});

test("text output, in the Pod's own namespace when -n is not given", async () => {
  const app = runCli(["endpoints", "watch", "web", "--no-timestamps", "--metrics-port", "-1"], discoveryEnv);
  try {
    assert.equal(
      await app.line("stdout", /^Service/),
      "Service shop/web: 2 ready endpoints: 10.244.0.11, 10.244.0.12 (ports: http 8080/TCP)",
    );
  } finally {
    app.kill();
  }
  assert.equal(await app.exited, 0);
});

test("forbidden: the Role it needs is explained once, and it starts watching once granted", async () => {
  const env = c.podEnv(await c.serviceAccountDir(NS, "stranger"));
  const app = runCli(["endpoints", "watch", "web", "--no-timestamps", "--metrics-port", "0"], env);
  try {
    const port = await app.metricsPort();
    await app.line(
      "stderr",
      /403 Forbidden on GET \/apis\/discovery\.k8s\.io\/v1\/namespaces\/shop\/endpointslices/,
    );
    const explanation = app.stderr.join("\n");
    assert.match(explanation, /Scope: namespace "shop" \(a Role \+ RoleBinding there is enough\)/);
    assert.match(explanation, /kind: Role\n/);
    assert.doesNotMatch(explanation, /kind: ClusterRole\n/);
    assert.equal((await probe(port, "/readyz")).status, 503);
    await createRbac([roleBinding("stranger", "endpointslice-reader")]);
    await app.line("stdout", /^Service shop\/web: 2 ready endpoints/, 20_000);
    await eventually(async () => (await probe(port, "/readyz")).status === 200, 5000, "ready");
  } finally {
    app.kill();
  }
  assert.equal(await app.exited, 0);
});

test("--probe: an HTTP GET of each ready endpoint (loopback Pod IPs, as on the host network), with gauges", async () => {
  // One endpoint serves /metrics, the other address has nothing listening: connection refused.
  const listening = "127.0.3.1";
  const closed = "127.0.3.2";
  const server = http.createServer((_req, res) => res.end("incluster_pods 1\n"));
  await new Promise<void>((resolve) => server.listen(0, listening, resolve));
  const targetPort = (server.address() as AddressInfo).port;
  await c.admin.resource("services").create({
    metadata: { name: "counter", namespace: NS },
    spec: { selector: { app: "counter" }, ports: [{ name: "metrics", port: 9090, targetPort }] },
  });
  for (const [name, ip] of [
    ["counter-1", listening],
    ["counter-2", closed],
  ]) {
    await c.admin.resource<Pod>("pods").create(pod(NS, name, { app: "counter" }));
    await setPodStatus(name, { phase: "Running", podIP: ip, podIPs: [{ ip }] });
    await setReady(name, true);
  }
  const app = runCli(
    ["endpoints", "watch", "counter", "-n", NS, "-o", "json", "--metrics-port", "0"].concat([
      "--probe",
      "metrics",
      "--probe-path",
      "/metrics",
      "--probe-timeout",
      "2s",
    ]),
    discoveryEnv,
  );
  try {
    const port = await app.metricsPort();
    await app.line("stdout", /"ready":2/, 20_000);
    const record = JSON.parse(app.stdout.find((line) => line.includes('"ready":2')) ?? "");
    assert.deepEqual(record.probe, {
      port: targetPort,
      path: "/metrics",
      answered: 1,
      results: [
        { address: listening, answered: true, detail: "HTTP 200" },
        { address: closed, answered: false, detail: "connect ECONNREFUSED" },
      ],
    });
    const metrics = (await probe(port, "/metrics")).text;
    const gauge = (state: string) =>
      metricValue(
        metrics,
        `incluster_service_probed_endpoints{namespace="shop",service="counter",state="${state}"}`,
      );
    assert.equal(gauge("answered"), 1);
    assert.equal(gauge("failed"), 1);
  } finally {
    app.kill();
    server.close();
  }
  assert.equal(await app.exited, 0);
});

test("bad --probe flags are usage errors that say what to write", async () => {
  for (const [args, message] of [
    [["--probe-path", "/metrics"], /--probe-path needs --probe PORT/],
    [["--probe", "70000"], /--probe "70000" must be a port number \(1-65535\) or a Service port name/],
    [["--probe", "metrics", "--probe-path", "metrics"], /--probe-path "metrics" must start with "\/"/],
  ] as const) {
    const app = runCli(["endpoints", "watch", "web", ...args], discoveryEnv);
    const stillRunning = setTimeout(() => app.kill(), 15_000); // a flag it accepted: fail, don't hang
    assert.equal(await app.exited, 2, args.join(" "));
    clearTimeout(stillRunning);
    assert.match(app.stderr.join("\n"), message);
  }
});
