// The lifecycle hook runner on its own: upstream's failure messages (exec, httpGet, sleep, tcpSocket), what an
// httpGet hook sends and what counts as success, and the preStop time accounting against the grace period.
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import type { Container, LifecycleHandler, Pod } from "kubernetes-types/core/v1.d.ts";
import { ContainerProcess } from "../../../src/kubelet/container-process.ts";
import {
  ContainerCommands,
  type ExecOutcome,
  type HookTarget,
  resolveContainerPort,
  runLifecycleHandler,
  runPreStop,
} from "../../../src/kubelet/lifecycle-hooks.ts";
import type { LogWriter } from "../../../src/kubelet/logs.ts";
import { testPki } from "../../helpers/cluster.ts";

const pod: Pod = { metadata: { name: "web", namespace: "demo", uid: "u-1" } };
const container: Container = { name: "app", ports: [{ name: "http", containerPort: 8080 }] };
const WHERE = 'for Container "app" in Pod "web_demo(u-1)"';

function target(overrides: Partial<HookTarget> = {}): HookTarget & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    pod,
    container,
    podIP: "127.0.0.1",
    exec: async () => ({ exitCode: 0, stdout: "", stderr: "" }),
    podWarning: (reason, message) => warnings.push(`${reason}: ${message}`),
    warnings,
    ...overrides,
  };
}

const run = (handler: LifecycleHandler, t: HookTarget = target(), signal = new AbortController().signal) =>
  runLifecycleHandler(handler, t, signal);

test("exec: success is exit code 0; a failure names the command, its code, stderr, and quotes all output", async () => {
  const ran: (readonly string[])[] = [];
  const exec = async (command: readonly string[]): Promise<ExecOutcome> => {
    ran.push(command);
    return command[0] === "ok"
      ? { exitCode: 0, stdout: "ignored", stderr: "" }
      : { exitCode: 3, stdout: 'out "quoted"\n', stderr: "err\ttab\n" };
  };
  assert.equal(await run({ exec: { command: ["ok"] } }, target({ exec })), undefined);
  assert.equal(
    await run({ exec: { command: ["sh", "-c", "exit 3"] } }, target({ exec })),
    `Exec lifecycle hook ([sh -c exit 3]) ${WHERE} failed - error: command 'sh -c exit 3' exited with 3: err\ttab\n, message: "out \\"quoted\\"\\nerr\\ttab\\n"`,
  );
  assert.deepEqual(ran, [["ok"], ["sh", "-c", "exit 3"]]);
  assert.equal(
    await run({ exec: { command: ["x"] } }, target({ exec: async () => ({ error: "container not found" }) })),
    `Exec lifecycle hook ([x]) ${WHERE} failed - error: container not found, message: ""`,
  );
});

test("httpGet: Pod IP, named port, path, headers and the lifecycle User-Agent; any response is success", async () => {
  const seen: http.IncomingHttpHeaders[] = [];
  const urls: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    urls.push(req.url ?? "");
    res.statusCode = 500; // the kubelet does not look at the status code of a hook's response
    res.end("no");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  try {
    const named = target({ container: { name: "app", ports: [{ name: "http", containerPort: port }] } });
    const handler: LifecycleHandler = {
      httpGet: { path: "/hook?x=1", port: "http", httpHeaders: [{ name: "X-Hook", value: "yes" }] },
    };
    assert.equal(await run(handler, named), undefined);
    assert.equal(urls[0], "/hook?x=1");
    assert.equal(seen[0]?.["x-hook"], "yes");
    assert.equal(seen[0]?.["user-agent"], "kube-lifecycle/1.33");
    // An HTTP server behind an HTTPS hook: the request is repeated over HTTP, with a warning event.
    const tls = target({ podIP: "127.0.0.1" });
    assert.equal(await run({ httpGet: { path: "/s", port, scheme: "HTTPS" } }, tls), undefined);
    assert.equal(urls[1], "/s");
    assert.deepEqual(tls.warnings, [
      `LifecycleHTTPFallback: request to HTTPS lifecycle hook 127.0.0.1:${port} got HTTP response, retry with HTTP succeeded`,
    ]);
  } finally {
    server.close();
  }
  // Nothing listens there any more.
  assert.equal(
    await run({ httpGet: { path: "/gone", port } }),
    `HTTP lifecycle hook (/gone) ${WHERE} failed - error: Get "http://127.0.0.1:${port}/gone": dial tcp 127.0.0.1:${port}: connect: connection refused`,
  );
});

test("httpGet over HTTPS does not verify the Pod's certificate, as the kubelet does not", async () => {
  const pki = await testPki();
  const paths: string[] = [];
  const server = https.createServer({ cert: pki.servingCertPem, key: pki.servingKeyPem }, (req, res) => {
    paths.push(req.url ?? "");
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  try {
    const t = target();
    assert.equal(await run({ httpGet: { path: "/tls", port, scheme: "HTTPS" } }, t), undefined);
    assert.deepEqual(paths, ["/tls"]);
    assert.deepEqual(t.warnings, [], "no fallback to HTTP");
  } finally {
    server.close();
  }
});

test("port resolution follows probe.ResolveContainerPort", () => {
  assert.equal(resolveContainerPort("http", container), 8080);
  assert.equal(resolveContainerPort("9090", container), 9090);
  assert.equal(resolveContainerPort(81, container), 81);
  assert.equal(
    (resolveContainerPort("metrics", container) as Error).message,
    'strconv.Atoi: parsing "metrics": invalid syntax',
  );
  assert.equal((resolveContainerPort(70000, container) as Error).message, "invalid port number: 70000");
});

test("sleep: waits its seconds, or fails when the container ends first", async () => {
  const started = Date.now();
  assert.equal(await run({ sleep: { seconds: 1 } }), undefined);
  assert.ok(Date.now() - started >= 990, "slept a second");
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 50);
  assert.equal(
    await run({ sleep: { seconds: 30 } }, target(), abort.signal),
    `Sleep lifecycle hook (30) ${WHERE} failed - error: container terminated before sleep hook finished`,
  );
});

test("tcpSocket is accepted by validation but cannot run (the kubelet's invalid handler message)", async () => {
  assert.equal(
    await run({ tcpSocket: { port: 8080 } }),
    "Cannot run handler: invalid handler: &LifecycleHandler{Exec:nil,HTTPGet:nil,TCPSocket:&TCPSocketAction{Port:{0 8080 },Host:,},Sleep:nil,}",
  );
  assert.equal(
    await run({ tcpSocket: { port: "http", host: "10.0.0.1" } }),
    "Cannot run handler: invalid handler: &LifecycleHandler{Exec:nil,HTTPGet:nil,TCPSocket:&TCPSocketAction{Port:{1 0 http},Host:10.0.0.1,},Sleep:nil,}",
  );
});

test("preStop: its time comes off the grace period in whole seconds; a slow hook is cut at the grace period", async () => {
  const failures: string[] = [];
  const quick = await runPreStop(
    { sleep: { seconds: 1 } },
    target(),
    30_000,
    new AbortController().signal,
    (m) => failures.push(m),
  );
  assert.equal(quick, 29_000);
  const started = Date.now();
  const abort = new AbortController();
  const slow = await runPreStop({ sleep: { seconds: 30 } }, target(), 1500, abort.signal, (m) =>
    failures.push(m),
  );
  assert.ok(Date.now() - started < 2500, "bounded by the grace period");
  assert.equal(slow, 500, "1.5 s less the whole second spent");
  abort.abort(); // the container ended: the hook still running fails
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(failures, [
    `Sleep lifecycle hook (30) ${WHERE} failed - error: container terminated before sleep hook finished`,
  ]);
});

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<string>((resolve) => setTimeout(() => resolve("still running"), ms))]);

test("an aborted exec hook ends at once: aborted while being prepared, or with a descendant holding its output", async () => {
  // The Pod's deletion aborts postStart and then waits for it; a sandboxed hook command lives as long as
  // its container, which is only stopped after that wait: a missed abort would hang the deletion.
  const main = new ContainerProcess(
    { argv: ["sleep", "60"], env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, cwd: "/tmp" },
    { write: () => undefined } as unknown as LogWriter,
  );
  const commands = new ContainerCommands(
    {
      container: () => (main.running && main.pid ? { process: main, pid: main.pid } : undefined),
      allowHostCommands: true,
      mountNamespace: false,
    },
    { namespace: "ns", name: "p", uid: "uid-1" },
  );
  try {
    const abort = new AbortController();
    const outcome = commands.run("app", ["sleep", "600"], abort.signal);
    abort.abort(); // while run() awaits the exec's preparation
    assert.notEqual(await within(outcome, 5000), "still running");
    // A hook whose descendant left its process group keeps the output pipes open after the kill: the
    // abort ends the hook all the same.
    const escaping = new AbortController();
    const hook = commands.run("app", ["sh", "-c", "setsid sleep 6 & exec sleep 30"], escaping.signal);
    await new Promise((resolve) => setTimeout(resolve, 500));
    escaping.abort();
    assert.deepEqual(await within(hook, 2000), { error: "context canceled" });
  } finally {
    await main.terminate(0);
  }
});

test("a grace period beyond Node's timer range (about 24.8 days) still bounds, it does not skip", async () => {
  // setTimeout fires after 1 ms for anything above 2^31-1 ms: preStop would not be waited for, and the
  // container would get SIGKILL right after SIGTERM.
  const graceMs = 40 * 24 * 3600 * 1000;
  let finished = false;
  const slow = target({
    exec: async () => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      finished = true;
      return { exitCode: 0, stdout: "", stderr: "" };
    },
  });
  const left = await runPreStop(
    { exec: { command: ["drain"] } },
    slow,
    graceMs,
    new AbortController().signal,
    () => {
      throw new Error("no failure expected");
    },
  );
  assert.equal(finished, true, "preStop was waited for");
  assert.equal(left, graceMs);
  const stubborn = new ContainerProcess(
    {
      argv: ["sh", "-c", "trap '' TERM; sleep 30 & wait; sleep 30"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      cwd: "/tmp",
    },
    { write: () => undefined } as unknown as LogWriter,
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  const stopping = stubborn.terminate(graceMs);
  assert.equal(
    await within(stopping, 1000),
    "still running",
    "SIGTERM ignored: it keeps running for the grace period",
  );
  await stubborn.terminate(0);
});

test("httpGet: a response body without end is read to 10 KiB, then the connection is closed (discardHTTPRespBody)", async () => {
  // A Pod's server answering a hook with an endless body kept the runtime reading it for as long as the
  // server wrote (a connection and CPU per hook run, a new one at every restart).
  let sent = 0;
  let closed: () => void = () => {};
  const hungUp = new Promise<void>((resolve) => {
    closed = resolve;
  });
  const chunk = Buffer.alloc(64 * 1024, "x");
  const server = http.createServer((_req, res) => {
    res.on("close", () => closed());
    const pump = () => {
      while (!res.destroyed && sent < 1024 ** 3) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  try {
    assert.equal(await run({ httpGet: { path: "/endless", port } }), undefined);
    const timeout = new Promise<"open">((r) => setTimeout(() => r("open"), 30_000).unref());
    assert.equal(await Promise.race([hungUp.then(() => "closed" as const), timeout]), "closed");
    assert.ok(sent < 64 * 1024 ** 2, `the runtime read ${sent} bytes of the hook's response`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
