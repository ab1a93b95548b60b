// One probe attempt's bounds (pkg/probe/http: a 10 KiB body read, Client.Timeout over the whole answer), and
// timeouts beyond Node's longest timer, against real HTTP servers on loopback.
import assert from "node:assert/strict";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { test } from "node:test";
import { type ProbeTarget, runProbe } from "../../../src/kubelet/probes.ts";
import { eventually } from "../../helpers/cluster.ts";

const target = (command?: string[]): ProbeTarget => ({
  podIP: "127.0.0.1",
  ports: [],
  exec: () => (command ? { argv: command, env: process.env, cwd: "/" } : new Error("no exec here")),
});

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

test("an httpGet probe reads at most 10 KiB of an endless body, then closes the connection", async () => {
  let open = 0;
  const { server, port } = await listen((_req, res) => {
    open++;
    res.on("close", () => open--);
    res.writeHead(200);
    const chunk = Buffer.alloc(4096, 120);
    const pump = () => {
      while (res.write(chunk)) if (res.destroyed) return;
      res.once("drain", pump);
    };
    pump();
  });
  try {
    for (let i = 0; i < 3; i++) {
      const result = await runProbe({ httpGet: { port } }, target());
      assert.deepEqual(result, { ok: true, message: "" });
    }
    // Before: each run left its response streaming (three connections open after three probes).
    await eventually(async () => open === 0, 10_000, "the probes' connections closed");
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test("an httpGet probe's timeout bounds the whole wait, not each idle spell of the socket", async () => {
  // The headers never end, but the socket is never idle: a header line every 100 ms.
  const server = net.createServer((socket) => {
    socket.on("error", () => undefined);
    socket.write("HTTP/1.1 200 OK\r\n");
    const drip = setInterval(() => socket.write("X-Drip: 1\r\n"), 100);
    socket.on("close", () => clearInterval(drip));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const started = Date.now();
    const result = await Promise.race([
      runProbe({ httpGet: { port }, timeoutSeconds: 1 }, target()),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 15_000)),
    ]);
    assert.ok(result, "the probe ended by its deadline (before: it waited as long as the drip went on)");
    assert.equal(result.ok, false);
    assert.match(result.message, /Client\.Timeout exceeded while awaiting headers/);
    assert.ok(Date.now() - started < 15_000);
  } finally {
    server.close();
  }
});

test("a timeoutSeconds beyond Node's timer range does not fail the probe at once", async () => {
  // Before: setTimeout(…, 3e9 s in ms) fired after 1 ms, so every exec probe "timed out" and a liveness probe
  // restarted its container forever.
  const result = await runProbe(
    { exec: { command: ["sleep"] }, timeoutSeconds: 3_000_000 },
    target(["/bin/sh", "-c", "sleep 0.3; echo fine"]),
  );
  assert.deepEqual(result, { ok: true, message: "fine" });
});
