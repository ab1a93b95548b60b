// pods/portforward to Pods with their own network namespace (root on Linux): a container listening on
// 0.0.0.0 is reached at its Pod IP through the bridge, one listening only on 127.0.0.1 inside its namespace
// as containerd reaches it (localhost in the namespace), and a refused port reports containerd's text.
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import { eventually } from "../helpers/cluster.ts";
import { portForward, WEB_SERVER_SOURCE, webPod } from "../helpers/port-forward.ts";
import {
  createNamespace,
  createPod,
  NODE,
  networkSkipReason,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "pfnet";
const skip = await networkSkipReason();
let c: RuntimeCluster;

before(async () => {
  if (skip) return;
  c = await startRuntimeCluster({ allowHostCommands: true, network: true });
  await createNamespace(c, NS);
  const script = await c.script("web.cjs", WEB_SERVER_SOURCE);
  await createPod(c, NS, webPod("wide", NODE, script, "0.0.0.0"));
  await createPod(c, NS, webPod("local", NODE, script, "127.0.0.1"));
  for (const name of ["wide", "local"])
    await c.waitForPod(NS, name, (p) => p.status?.phase === "Running", "Running", 30_000);
});
after(() => c?.stop());

for (const name of ["wide", "local"]) {
  test(`kubectl port-forward reaches a Pod listening on ${name === "wide" ? "0.0.0.0" : "127.0.0.1"}`, {
    skip,
  }, async () => {
    const pf = await portForward(
      "/usr/bin/kubectl",
      c.kubeconfigPath,
      c.dir,
      ["-n", NS, `pod/${name}`],
      [8080],
    );
    try {
      const ip = (await c.pod(NS, name))!.status!.podIP!;
      assert.match(ip, /^10\./, "the Pod has an address on the bridge");
      const body = await eventually(
        async () =>
          (await fetch(`http://127.0.0.1:${pf.local.get(8080)}/hello`).catch(() => undefined))?.text(),
        10_000,
        "an answer through the forward",
      );
      assert.equal(body, `hello from ${ip}`);
      const payload = Buffer.alloc(256 << 10, 7);
      const echoed = await fetch(`http://127.0.0.1:${pf.local.get(8080)}/echo`, {
        method: "POST",
        body: payload,
      });
      assert.ok(Buffer.from(await echoed.arrayBuffer()).equals(payload));
    } finally {
      await pf.stop();
    }
  });
}

test("a refused port inside the namespace is reported as containerd reports it", { skip }, async () => {
  const pf = await portForward("/usr/bin/kubectl", c.kubeconfigPath, c.dir, ["-n", NS, "pod/wide"], [9]);
  try {
    await fetch(`http://127.0.0.1:${pf.local.get(9)}/`).catch(() => undefined);
    const said = await eventually(
      async () => /error forwarding port 9/.test(pf.output()) && pf.output(),
      10_000,
      "the error",
    );
    const uid = (await c.pod(NS, "wide"))!.metadata!.uid!;
    // kubectl logs the error as a quoted value (err="…"), its quotes escaped.
    const text = said.replaceAll('\\"', '"');
    assert.match(
      text,
      new RegExp(
        `error forwarding port 9 to pod ${uid}, uid : failed to execute portforward in network namespace "[^"]+": ` +
          `failed to connect to localhost:9 inside namespace "${uid}", IPv4: dial tcp4 127\\.0\\.0\\.1:9: connect: connection refused ` +
          "IPv6 dial tcp6 \\[::1\\]:9: connect: (connection refused|cannot assign requested address)",
      ),
    );
  } finally {
    await pf.stop();
  }
});

test("connections through the in-namespace helper end when kubectl goes away", { skip }, async () => {
  const connections = async (local: number) =>
    Number(await (await fetch(`http://127.0.0.1:${local}/connections`)).text());
  const first = await portForward(
    "/usr/bin/kubectl",
    c.kubeconfigPath,
    c.dir,
    ["-n", NS, "pod/local"],
    [8080],
  );
  const held = net.connect(first.local.get(8080)!, "127.0.0.1");
  held.on("error", () => undefined);
  held.write("GET /hello HTTP/1.1\r\nHost: x\r\n"); // an unfinished request keeps the connection open
  await eventually(async () => (await connections(first.local.get(8080)!)) === 2, 10_000, "two connections");
  await first.kill();
  held.destroy();
  const second = await portForward(
    "/usr/bin/kubectl",
    c.kubeconfigPath,
    c.dir,
    ["-n", NS, "pod/local"],
    [8080],
  );
  try {
    await eventually(
      async () => (await connections(second.local.get(8080)!)) === 1,
      10_000,
      "only this one left",
    );
  } finally {
    await second.stop();
  }
});
