// gRPC probes on the runtime, against real gRPC servers (@grpc/grpc-js with grpc-health-check) in Pods:
// readiness follows the grpc.health.v1 serving status, and the failures carry the kubelet's messages
// (pkg/probe/grpc/grpc.go): unhealthy, an unknown service, no health service, nothing listening.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Event, Pod } from "kubernetes-types/core/v1.d.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  containerState,
  createNamespace,
  createPod,
  NODE,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "grpc-probes";
const REPO = fileURLToPath(new URL("../../", import.meta.url));

let c: RuntimeCluster;
let server: string;
before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
  // argv: health|plain, port, a file whose existence turns the server's overall status to NOT_SERVING.
  server = await c.script(
    "grpc-server.mjs",
    `import { existsSync } from "node:fs";
import { createRequire } from "node:module";
const require = createRequire(${JSON.stringify(path.join(REPO, "package.json"))});
const grpc = require("@grpc/grpc-js");
const { HealthImplementation } = require("grpc-health-check");
const [mode, port, flip] = process.argv.slice(2);
const server = new grpc.Server();
if (mode === "health") {
  const health = new HealthImplementation({ "": "SERVING", "app.Worker": "NOT_SERVING" });
  health.addToServer(server);
  setInterval(() => { if (flip && existsSync(flip)) health.setStatus("", "NOT_SERVING"); }, 100);
}
server.bindAsync(process.env.POD_IP + ":" + port, grpc.ServerCredentials.createInsecure(), (error) => {
  if (error) { console.error(error.message); process.exit(1); }
  console.log("serving on " + port);
});`,
  );
});
after(() => c.stop());

const podIP = { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } };

const eventMessages = async (pod: string) => {
  const r = await c.admin("GET", `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name=${pod}`);
  return ((r.json as { items: Event[] }).items ?? []).map((e) => `${e.reason}: ${e.message}`);
};
const ready = (p: Pod) =>
  p.status?.conditions?.some((k) => k.type === "Ready" && k.status === "True") ?? false;

test("readiness follows the health service's status; NOT_SERVING is reported as the kubelet does", async () => {
  const flip = path.join(c.scratch, "not-serving");
  await createPod(c, NS, {
    metadata: { name: "health" },
    spec: {
      containers: [
        {
          name: "server",
          image: "busybox",
          command: [NODE, server, "health", "50051", flip],
          env: [podIP],
          readinessProbe: { grpc: { port: 50051 }, periodSeconds: 1 },
        },
      ],
    },
  });
  await c.waitForPod(NS, "health", ready, "Ready", 30_000);
  await writeFile(flip, "");
  const notReady = await c.waitForPod(NS, "health", (p) => !ready(p), "not Ready", 30_000);
  assert.equal(containerState(notReady)?.ready, false);
  assert.notEqual(containerState(notReady)?.state?.running, undefined, "readiness does not restart");
  await eventually(
    async () =>
      (await eventMessages("health")).includes(
        'Unhealthy: Readiness probe failed: service unhealthy (responded with "NOT_SERVING")',
      ),
    30_000,
    "the NOT_SERVING event",
  );
});

test("an unknown service, a server without the health service and a closed port fail with upstream's messages", async () => {
  await createPod(c, NS, {
    metadata: { name: "failing" },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "unknown-service",
          image: "busybox",
          command: [NODE, server, "health", "50061"],
          env: [podIP],
          readinessProbe: { grpc: { port: 50061, service: "app.Missing" }, periodSeconds: 1 },
        },
        {
          name: "service-not-serving",
          image: "busybox",
          command: [NODE, server, "health", "50062"],
          env: [podIP],
          readinessProbe: { grpc: { port: 50062, service: "app.Worker" }, periodSeconds: 1 },
        },
        {
          name: "no-health",
          image: "busybox",
          command: [NODE, server, "plain", "50063"],
          env: [podIP],
          readinessProbe: { grpc: { port: 50063 }, periodSeconds: 1 },
        },
        {
          name: "nothing-listening",
          image: "busybox",
          command: ["sleep", "600"],
          readinessProbe: { grpc: { port: 50064 }, periodSeconds: 2, timeoutSeconds: 1 },
        },
      ],
    },
  });
  const pod = await c.waitForPod(
    NS,
    "failing",
    (p) => (p.status?.containerStatuses ?? []).filter((s) => s.state?.running).length === 4,
    "all four containers running",
    30_000,
  );
  const ip = pod.status?.podIP;
  const expected = [
    "Unhealthy: Readiness probe failed: error: health rpc probe failed: rpc error: code = NotFound desc = Health status unknown for service app.Missing",
    'Unhealthy: Readiness probe failed: service unhealthy (responded with "NOT_SERVING")',
    "Unhealthy: Readiness probe failed: error: this server does not implement the grpc health protocol (grpc.health.v1.Health): The server does not implement the method /grpc.health.v1.Health/Check",
    `Unhealthy: Readiness probe failed: timeout: failed to connect service "${ip}:50064" within 1s: context deadline exceeded`,
  ];
  await eventually(
    async () => {
      const messages = await eventMessages("failing");
      return expected.every((e) => messages.includes(e)) || undefined;
    },
    40_000,
    "the four probe failures",
  ).catch(async (error) => {
    assert.fail(`${error.message}\nevents:\n${(await eventMessages("failing")).join("\n")}`);
  });
  const current = await c.pod(NS, "failing");
  assert.equal(ready(current!), false);
  assert.deepEqual(
    current?.status?.containerStatuses?.map((s) => [s.name, s.ready, s.restartCount]).sort(),
    [
      ["no-health", false, 0],
      ["nothing-listening", false, 0],
      ["service-not-serving", false, 0],
      ["unknown-service", false, 0],
    ].sort(),
  );
});
