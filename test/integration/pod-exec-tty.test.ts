// Terminals on the real server and runtime, driven by a raw v5 websocket client: exec -t in a host-process
// container and in the sandbox (its own devpts), resizes on channel 4, exit codes, the client leaving, and a
// `tty: true` container's terminal through attach and the container log.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import WebSocket from "ws";
import { eventually } from "../helpers/cluster.ts";
import {
  createNamespace,
  createPod,
  type RuntimeCluster,
  sandboxSkipReason,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "tty";
let c: RuntimeCluster;
const sandboxSkip = await sandboxSkipReason();

/** A sandboxed container (the incluster image) that keeps running: NODE_OPTIONS imports a sleep. */
const sleeper = encodeURIComponent(`process.getBuiltinModule("node:child_process").execSync("sleep 600")`);
/** A sandboxed `tty: true` container whose process reports its terminal, then waits. */
const ttyReporter = encodeURIComponent(
  `process.getBuiltinModule("node:child_process").execSync("tty; stty size; sleep 600", { stdio: "inherit" })`,
);

before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
  const pods = [
    createPod(c, NS, {
      metadata: { name: "host" },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: "main", image: "busybox", command: ["sleep", "600"] }],
      },
    }),
    createPod(c, NS, {
      metadata: { name: "console" },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [
          {
            name: "main",
            image: "busybox",
            tty: true,
            stdin: true,
            command: ["sh", "-c", "tty; while read line; do echo got:$line; stty size; done"],
          },
        ],
      },
    }),
  ];
  if (!sandboxSkip) {
    const incluster = (name: string, options: string, tty: boolean) =>
      createPod(c, NS, {
        metadata: { name },
        spec: {
          terminationGracePeriodSeconds: 0,
          automountServiceAccountToken: false,
          containers: [
            {
              name: "main",
              image: "ghcr.io/incluster/incluster",
              args: ["--help"],
              tty,
              env: [{ name: "NODE_OPTIONS", value: `--import=data:text/javascript,${options}` }],
            },
          ],
        },
      });
    pods.push(incluster("sandboxed", sleeper, false), incluster("sandboxed-tty", ttyReporter, true));
  }
  await Promise.all(pods);
  for (const name of ["host", "console", ...(sandboxSkip ? [] : ["sandboxed", "sandboxed-tty"])])
    await c.waitForPod(NS, name, (p) => p.status?.phase === "Running", "Running", 30_000);
});
after(async () => {
  await c?.stop();
});

interface Terminal {
  ws: WebSocket;
  /** Everything on stdout so far. */
  output(): string;
  waitFor(pattern: RegExp): Promise<string>;
  type(text: string): void;
  resize(width: number, height: number): void;
  /** The Status on channel 3 once the server closes the connection. */
  status: Promise<{ status: string; reason?: string; details?: { causes: { message: string }[] } }>;
}

/** exec (with command) or attach on pod, with a terminal, over v5.channel.k8s.io. */
async function terminal(pod: string, command?: string[]): Promise<Terminal> {
  const kind = command ? "exec" : "attach";
  const query = [
    ...(command ?? []).map((a) => `command=${encodeURIComponent(a)}`),
    "stdin=1",
    "stdout=1",
    "tty=1",
  ].join("&");
  const ws = new WebSocket(
    `${c.server.url.replace("https", "wss")}/api/v1/namespaces/${NS}/pods/${pod}/${kind}?${query}`,
    ["v5.channel.k8s.io"],
    { ca: c.server.caPem, cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
  );
  let stdout = "";
  let error = "";
  ws.on("message", (data: Buffer) => {
    if (data[0] === 1) stdout += data.subarray(1).toString();
    if (data[0] === 3) error += data.subarray(1).toString();
  });
  const status = new Promise<Terminal["status"] extends Promise<infer S> ? S : never>((resolve, reject) => {
    ws.on("close", () => resolve(JSON.parse(error || "{}")));
    ws.on("error", reject);
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return {
    ws,
    output: () => stdout,
    waitFor: (pattern) =>
      eventually(async () => pattern.exec(stdout)?.[0], 10_000, `${pattern} in ${JSON.stringify(stdout)}`),
    type: (text) => ws.send(Buffer.concat([Buffer.of(0), Buffer.from(text)])),
    resize: (width, height) =>
      ws.send(Buffer.concat([Buffer.of(4), Buffer.from(JSON.stringify({ Width: width, Height: height }))])),
    status,
  };
}

test("exec -t: a terminal with echo and line editing, sized by the client, the exit code kept", async () => {
  const t = await terminal("host", ["sh"]);
  t.resize(120, 33);
  t.type("tty; stty size\r");
  await t.waitFor(/33 120\r\n/);
  // The terminal echoes the line as it arrives, the shell's prompt may follow it.
  assert.match(t.output(), /tty; stty size\r\n(# )?\/dev\/pts\/\d+\r\n33 120\r\n/);
  // ^U erases the line typed so far (the terminal's line discipline, not the shell's).
  t.type("echo wrong\x15echo right\r");
  await t.waitFor(/\r\nright\r\n/);
  assert.doesNotMatch(t.output(), /\r\nwrong\r\n/);
  t.resize(90, 20);
  t.type("stty size; exit 7\r");
  const status = await t.status;
  assert.match(t.output(), /20 90\r\n/);
  assert.equal(status.reason, "NonZeroExitCode");
  assert.equal(status.details?.causes[0].message, "7");
});

test("exec -t: sizes with a zero side are skipped, a malformed size ends resizing only", async () => {
  const t = await terminal("host", ["sh"]);
  t.resize(100, 30);
  t.resize(0, 50);
  t.type("stty size\r");
  await t.waitFor(/30 100\r\n/);
  t.ws.send(Buffer.concat([Buffer.of(4), Buffer.from('{"Width":"wide"}')]));
  t.resize(70, 10);
  t.type("stty size; exit\r");
  const status = await t.status;
  assert.equal(status.status, "Success");
  assert.doesNotMatch(t.output(), /10 70/);
  assert.equal(t.output().match(/30 100\r\n/g)?.length, 2);
});

test("exec -t: the client leaving kills the command, even one ignoring SIGHUP", async () => {
  const t = await terminal("host", ["sh", "-c", `trap "" HUP; echo pid=$$; exec sleep 600`]);
  const pid = Number((await t.waitFor(/pid=\d+/)).slice(4));
  process.kill(pid, 0); // running
  t.ws.terminate();
  await eventually(
    async () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    10_000,
    `process ${pid} to be killed`,
  );
});

test("tty: true — the container runs under a terminal; attach -t types into it and resizes it; logs show it", async () => {
  const t = await terminal("console");
  t.resize(101, 31);
  await new Promise((r) => setTimeout(r, 200)); // the resize reaches the relay before the line
  t.type("hello\r");
  await t.waitFor(/got:hello\r\n31 101\r\n/);
  t.ws.close();
  const logs = await c.kubectl(["logs", "-n", NS, "console"]);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /^\/dev\/pts\/\d+\r\n/);
  assert.match(logs.stdout, /hello\r\ngot:hello\r\n31 101\r\n/, "the terminal's echo is in the log too");
});

test("exec -t in the sandbox: the sandbox's own devpts, as the container's user", {
  skip: sandboxSkip,
}, async () => {
  const t = await terminal("sandboxed", [
    "sh",
    "-c",
    "sleep 0.3; tty; echo /dev/pts/*; readlink /dev/ptmx; stty size; id -u; exit 4",
  ]);
  t.resize(100, 40);
  const status = await t.status;
  const lines = t.output().split("\r\n");
  assert.equal(lines[0], "/dev/pts/0", t.output());
  assert.equal(lines[1], "/dev/pts/0 /dev/pts/ptmx", "no host terminal is visible");
  assert.equal(lines[2], "pts/ptmx");
  assert.deepEqual(lines.slice(3, 5), ["40 100", "65532"]);
  assert.equal(status.details?.causes[0].message, "4");
});

test("tty: true in the sandbox: the container's process has the sandbox's terminal", {
  skip: sandboxSkip,
}, async () => {
  const logs = await eventually(
    async () => {
      const r = await c.kubectl(["logs", "-n", NS, "sandboxed-tty"]);
      return /24 80/.test(r.stdout) && r.stdout;
    },
    10_000,
    "the sandboxed tty container's log",
  );
  assert.equal(logs, "/dev/pts/0\r\n24 80\r\n");
});

test("exec -t in the sandbox: the client leaving kills the command inside it", {
  skip: sandboxSkip,
}, async () => {
  const t = await terminal("sandboxed", ["sh", "-c", `trap "" HUP; echo started; exec sleep 601`]);
  await t.waitFor(/started/);
  const sleeping = async () => {
    const r = await c.kubectl([
      "exec",
      "-n",
      NS,
      "sandboxed",
      "--",
      "sh",
      "-c",
      "ps -eo args | grep -c '^sleep 601$' || true",
    ]);
    assert.equal(r.code, 0, r.stderr);
    return Number(r.stdout.trim());
  };
  assert.equal(await sleeping(), 1);
  t.ws.terminate();
  await eventually(async () => (await sleeping()) === 0, 10_000, "the sandboxed command to be killed");
});
