// Probes and lifecycle hooks of a Pod with a network namespace of its own must not reach the host's
// loopback (review finding). The runtime makes httpGet/tcpSocket requests from the host's namespace, as
// the kubelet does, so `host: 127.0.0.1` (or a name that resolves there) led a Pod's creator to services
// the host keeps on loopback only, which docs/security.md promises Pods cannot reach: a GET with their
// own headers, and an open/closed answer per port. The Pod's own IP, other Pods and Services still work.
import assert from "node:assert/strict";
import http, { type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import type { Event } from "kubernetes-types/core/v1.d.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  containerState,
  createNamespace,
  createPod,
  NODE,
  networkSkipReason,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "hook-loopback";
const skip = await networkSkipReason();

let c: RuntimeCluster;
let host: Server;
let port: number;
const hits: string[] = [];

before(async () => {
  if (skip) return;
  host = http.createServer((req, res) => {
    hits.push(`${req.url} ${req.headers["x-from"] ?? ""}`);
    res.end("host loopback");
  });
  await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve));
  port = (host.address() as AddressInfo).port;
  c = await startRuntimeCluster({ allowHostCommands: true, network: true });
  await createNamespace(c, NS);
});
after(async () => {
  await c?.stop();
  host?.close();
});

const eventsOf = async (pod: string) => {
  const r = await c.admin("GET", `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name=${pod}`);
  return ((r.json as { items: Event[] }).items ?? []).map((e) => `${e.reason} ${e.message}`);
};

test("an httpGet postStart hook and probes aimed at the host's loopback do not reach it", {
  skip,
}, async () => {
  await createPod(c, NS, {
    metadata: { name: "ssrf" },
    spec: {
      restartPolicy: "Never",
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "main",
          image: "busybox",
          command: ["sleep", "60"],
          lifecycle: {
            postStart: {
              httpGet: {
                host: "127.0.0.1",
                port,
                path: "/hook",
                httpHeaders: [{ name: "X-From", value: "hook" }],
              },
            },
          },
        },
      ],
    },
  });
  await createPod(c, NS, {
    metadata: { name: "ssrf-probe" },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "main",
          image: "busybox",
          command: ["sleep", "60"],
          readinessProbe: { httpGet: { host: "localhost", port, path: "/probe" }, periodSeconds: 1 },
          livenessProbe: { tcpSocket: { host: "127.0.0.2", port }, periodSeconds: 1, failureThreshold: 100 },
        },
      ],
    },
  });
  const failed = await eventually(
    async () => (await eventsOf("ssrf")).includes("FailedPostStartHook PostStartHook failed") || undefined,
    20_000,
    "the hook to fail",
  );
  assert.ok(failed);
  const unhealthy = await eventually(
    async () => {
      const events = await eventsOf("ssrf-probe");
      const readiness = events.find((e) => e.startsWith("Unhealthy Readiness probe failed"));
      const liveness = events.find((e) => e.startsWith("Unhealthy Liveness probe failed"));
      return readiness && liveness ? [readiness, liveness] : undefined;
    },
    20_000,
    "both probes to fail",
  );
  for (const message of unhealthy) assert.match(message, /host's loopback/, message);
  const pod = await c.waitForPod(
    NS,
    "ssrf-probe",
    (p) => containerState(p)?.state?.running !== undefined,
    "running",
  );
  assert.equal(containerState(pod)?.ready, false);
  assert.deepEqual(hits, [], "nothing reached the host's loopback server");
});

test("the Pod's own address still serves its hooks and probes", { skip }, async () => {
  const server = `require("node:http").createServer((q, s) => s.end("ok")).listen(8080)`;
  await createPod(c, NS, {
    metadata: { name: "own" },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "main",
          image: "busybox",
          command: [NODE, "-e", server],
          startupProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
          readinessProbe: { httpGet: { port: 8080, path: "/ready" }, periodSeconds: 1 },
          lifecycle: { preStop: { httpGet: { port: 8080, path: "/stop" } } },
        },
      ],
    },
  });
  const pod = await c.waitForPod(NS, "own", (p) => containerState(p)?.ready === true, "ready", 20_000);
  assert.notEqual(pod.status?.podIP, "127.0.0.1");
});
