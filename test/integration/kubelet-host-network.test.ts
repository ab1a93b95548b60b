// The host-network mode (network: false, as without root or off Linux): Pods share the host's ports, so the
// second Pod listening on a port the first holds fails; the runtime names the first Pod in an Event and in
// the condition incluster.dev/PortsAvailable, and says the mode once at start.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import pino from "pino";
import { eventually } from "../helpers/cluster.ts";
import {
  createNamespace,
  createPod,
  NODE,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "hostnet";
let c: RuntimeCluster;
const lines: string[] = [];

before(async () => {
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
  c = await startRuntimeCluster({ allowHostCommands: true, network: false, logger });
  await createNamespace(c, NS);
});
after(() => c.stop());

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "0.0.0.0", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

test("says once at start that Pods share the host's network", () => {
  assert.equal(lines.filter((l) => l.includes("Pods share this host's network")).length, 1);
});

test("a port conflict names the Pod holding the port (Event + condition)", async () => {
  const port = await freePort();
  const script = await c.script(
    "listen.cjs",
    `require("node:http").createServer((q, s) => s.end("ok")).listen(${port}, "0.0.0.0");`,
  );
  const pod = (name: string): Pod => ({
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "web", image: "x", command: [NODE, script], ports: [{ containerPort: port }] }],
    },
  });
  await createPod(c, NS, pod("first"));
  await c.waitForPod(NS, "first", (p) => p.status?.phase === "Running", "Running");
  await eventually(
    async () => (await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined))?.ok,
    10_000,
    "first listens",
  );
  await createPod(c, NS, pod("second"));
  const second = await c.waitForPod(
    NS,
    "second",
    (p) => Boolean(p.status?.conditions?.some((x) => x.type === "incluster.dev/PortsAvailable")),
    "the PortsAvailable condition",
    20_000,
  );
  const condition = second.status!.conditions!.find((x) => x.type === "incluster.dev/PortsAvailable")!;
  assert.equal(condition.status, "False");
  assert.equal(condition.reason, "PortConflict");
  assert.match(
    condition.message!,
    new RegExp(`container web: port ${port}/TCP is already in use by Pod ${NS}/first`),
  );
  const events = await eventually(
    async () => {
      const out = (
        await c.kubectl(["get", "events", "-n", NS, "--field-selector", "involvedObject.name=second"])
      ).stdout;
      return out.includes("PortConflict") && out;
    },
    10_000,
    "the PortConflict event",
  );
  assert.match(
    events,
    new RegExp(
      `Warning\\s+PortConflict\\s+pod/second\\s+Container web failed: port ${port}/TCP is already in use by Pod ${NS}/first`,
    ),
  );
  const first = await c.pod(NS, "first");
  assert.ok(
    !first?.status?.conditions?.some((x) => x.type === "incluster.dev/PortsAvailable"),
    "the holder has no conflict",
  );
});
