// Real kubectl with a real terminal on its side (kubectl runs under a pty of node-pty, as in a person's
// terminal emulator): exec -it with a prompt, line editing and window resizes (SIGWINCH → resize stream),
// over SPDY (1.27) and websocket v5 (1.33); attach -it to a `tty: true` container; run -it --rm.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { loadNodePty } from "../../src/kubelet/pty-relay.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  createNamespace,
  createPod,
  type RuntimeCluster,
  startRuntimeCluster,
} from "../integration/kubelet-harness.ts";

const NS = "tty";
const kubectlAt = (version: string) => `/usr/lib/google-cloud-sdk/bin/kubectl.${version}`;
let c: RuntimeCluster;

before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
  await Promise.all([
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
            command: [
              "sh",
              "-c",
              'while read line; do echo got:$line; stty size; [ "$line" = quit ] && exit; done',
            ],
          },
        ],
      },
    }),
  ]);
  for (const name of ["host", "console"])
    await c.waitForPod(NS, name, (p) => p.status?.phase === "Running", "Running");
});
after(async () => {
  await c?.stop();
});

/** kubectl under a terminal of cols x rows: type into it, read its screen output, resize it. */
function kubectlInTerminal(args: string[], o: { binary?: string; cols: number; rows: number }) {
  const loaded = loadNodePty();
  if ("error" in loaded) throw new Error(loaded.error);
  const term = loaded.pty.spawn(
    o.binary ?? "kubectl",
    ["--kubeconfig", c.kubeconfigPath, "--cache-dir", path.join(c.dir, "cache"), ...args],
    {
      name: "xterm",
      cols: o.cols,
      rows: o.rows,
      cwd: c.dir,
      env: { PATH: process.env.PATH ?? "", HOME: c.dir },
      encoding: null,
    },
  );
  let output = "";
  term.onData((d) => {
    output += d.toString();
  });
  const exit = new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
  return {
    output: () => output,
    type: (text: string) => term.write(Buffer.from(text)),
    resize: (cols: number, rows: number) => term.resize(cols, rows),
    waitFor: (pattern: RegExp, what = String(pattern)) =>
      eventually(async () => pattern.test(output), 20_000, `${what} in ${JSON.stringify(output)}`),
    exit,
  };
}

for (const version of ["1.27", "1.33"]) {
  test(`kubectl ${version} exec -it: a shell on a terminal, resized with kubectl's window, exit code kept`, async () => {
    const k = kubectlInTerminal(["exec", "-it", "-n", NS, "host", "--", "sh"], {
      binary: kubectlAt(version),
      cols: 100,
      rows: 30,
    });
    k.type("tty; stty size\r");
    await k.waitFor(/\/dev\/pts\/\d+\r\n30 100\r\n/, "the terminal and kubectl's window size");
    k.resize(120, 40); // kubectl's SIGWINCH: a new size on the resize stream
    // kubectl sends it on its own schedule: ask until the terminal has it.
    await eventually(
      async () => {
        k.type("stty size\r");
        await new Promise((r) => setTimeout(r, 300));
        return /\r\n40 120\r\n/.test(k.output());
      },
      20_000,
      `the new size in ${JSON.stringify(k.output())}`,
    );
    k.type("echo typo\x7f\x7f\x7f\x7fdone\r"); // the terminal's erase key
    await k.waitFor(/\r\ndone\r\n/, "the edited line's output");
    k.type("exit 3\r");
    assert.equal(await k.exit, 3, k.output());
  });
}

test("kubectl attach -it joins a tty: true container's terminal and sizes it", async () => {
  const k = kubectlInTerminal(["attach", "-it", "-n", NS, "console"], {
    binary: kubectlAt("1.33"),
    cols: 77,
    rows: 22,
  });
  await k.waitFor(/If you don't see a command prompt, try pressing enter\./);
  k.type("hello\r");
  await k.waitFor(/got:hello\r\n22 77\r\n/, "the container's answer at kubectl's size");
  k.type("quit\r"); // the container's process ends, and with it the attach
  assert.equal(await k.exit, 0, k.output());
  assert.match(k.output(), /Session ended, resume using/);
});

test("kubectl run -it --rm: a terminal from the first prompt, the Pod deleted afterwards", async () => {
  const k = kubectlInTerminal(
    ["run", "-it", "--rm", "--restart=Never", "-n", NS, "--image=busybox", "shell", "--command", "--", "sh"],
    { binary: kubectlAt("1.33"), cols: 90, rows: 25 },
  );
  await k.waitFor(/If you don't see a command prompt, try pressing enter\./);
  k.type("tty; stty size; exit 0\r");
  assert.equal(await k.exit, 0, k.output());
  assert.match(k.output(), /\/dev\/pts\/\d+\r\n25 90\r\n/);
  await eventually(async () => (await c.pod(NS, "shell")) === undefined, 20_000, "the Pod to be deleted");
});
