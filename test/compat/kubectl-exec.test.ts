// kubectl exec, attach and cp against the real server and runtime: websocket v5 for kubectl 1.30+, SPDY for
// 1.27–1.29 (the protocol's edges are test/integration/pod-exec-protocol.test.ts).
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import {
  createNamespace,
  createPod,
  type RuntimeCluster,
  sandboxSkipReason,
  startRuntimeCluster,
} from "../integration/kubelet-harness.ts";

const NS = "exec";
const KUBECTLS = ["1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"].map(
  (v) => `/usr/lib/google-cloud-sdk/bin/kubectl.${v}`,
);
let c: RuntimeCluster;
let scratch: string;
const sandboxSkip = await sandboxSkipReason();

const sleeper = encodeURIComponent(`process.getBuiltinModule("node:child_process").execSync("sleep 600")`);

before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "pod-exec-"));
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
  const pods = [
    createPod(c, NS, {
      metadata: { name: "host" },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [
          {
            name: "main",
            image: "busybox",
            command: ["sh", "-c", "sleep 600"],
            workingDir: "/tmp",
            env: [{ name: "GREETING", value: "hello from the container" }],
          },
        ],
      },
    }),
    createPod(c, NS, {
      metadata: { name: "two" },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [
          { name: "a", image: "busybox", command: ["sleep", "600"] },
          { name: "b", image: "busybox", command: ["sleep", "600"] },
        ],
      },
    }),
    createPod(c, NS, {
      metadata: { name: "reader" },
      spec: {
        terminationGracePeriodSeconds: 0,
        restartPolicy: "Never",
        containers: [
          {
            name: "main",
            image: "busybox",
            stdin: true,
            stdinOnce: true,
            command: ["sh", "-c", "echo ready; while read line; do echo got:$line; done"],
          },
        ],
      },
    }),
    createPod(c, NS, {
      metadata: { name: "done" },
      spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox", command: ["true"] }] },
    }),
  ];
  await Promise.all(pods);
  for (const name of ["host", "two", "reader"])
    await c.waitForPod(NS, name, (p) => p.status?.phase === "Running", "Running");
  await c.waitForPod(NS, "done", (p) => p.status?.phase === "Succeeded", "Succeeded");
});
after(async () => {
  await c?.stop();
  await rm(scratch, { recursive: true, force: true });
});

const exec = (args: string[], o: { input?: string; binary?: string } = {}) =>
  c.kubectl(["exec", "-n", NS, ...args], o);

test("kubectl exec runs the command in the container's working directory and environment", async () => {
  const r = await exec(["host", "--", "sh", "-c", 'echo "$GREETING in $(pwd)"; echo to-stderr >&2']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "hello from the container in /tmp\n");
  assert.equal(r.stderr, "to-stderr\n");
});

test("the command's exit code is kubectl's exit code", async () => {
  const r = await exec(["host", "--", "sh", "-c", "exit 3"]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /command terminated with exit code 3/);
});

test("stdin reaches the command and its end closes it (v5 CLOSE signal)", async () => {
  const r = await exec(["-i", "host", "--", "cat"], { input: "data\nmore data\n" });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "data\nmore data\n");
});

test("kubectl cp copies into the container and back out (tar over exec)", async () => {
  const local = path.join(scratch, "in.txt");
  const content = `${"x".repeat(200_000)}\nend\n`;
  await writeFile(local, content);
  const up = await c.kubectl(["cp", local, `${NS}/host:/tmp/copied.txt`]);
  assert.equal(up.code, 0, up.stderr);
  const back = path.join(scratch, "out.txt");
  const down = await c.kubectl(["cp", `${NS}/host:/tmp/copied.txt`, back]);
  assert.equal(down.code, 0, down.stderr);
  assert.equal(await readFile(back, "utf8"), content);
});

test("kubectl attach streams the main process's output and feeds its stdin", async () => {
  const r = await c.kubectl(["attach", "-i", "-n", NS, "reader"], { input: "one\ntwo\n" });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /got:one\ngot:two\n/);
  // stdinOnce: the client's end of input ended the container's.
  await c.waitForPod(NS, "reader", (p) => p.status?.phase === "Succeeded", "Succeeded");
});

test("every kubectl from 1.27 (SPDY) to 1.33 (websocket) execs, with exit codes and stdin", async () => {
  for (const binary of KUBECTLS) {
    const hi = await exec(["host", "--", "echo", "hi"], { binary });
    assert.equal(hi.stdout, "hi\n", `${binary}: ${hi.stderr}`);
    assert.equal(hi.code, 0, binary);
    const code = await exec(["host", "--", "sh", "-c", "exit 7"], { binary });
    assert.equal(code.code, 7, `${binary}: ${code.stderr}`);
    const cat = await exec(["-i", "host", "--", "cat"], { binary, input: "piped\n" });
    assert.equal(cat.stdout, "piped\n", `${binary}: ${cat.stderr}`);
  }
});

test("kubectl 1.27 (SPDY) attaches and copies too", async () => {
  const binary = KUBECTLS[0];
  await createPod(c, NS, {
    metadata: { name: "reader-spdy" },
    spec: {
      terminationGracePeriodSeconds: 0,
      restartPolicy: "Never",
      containers: [
        {
          name: "main",
          image: "busybox",
          stdin: true,
          stdinOnce: true,
          command: ["sh", "-c", "while read line; do echo got:$line; done"],
        },
      ],
    },
  });
  await c.waitForPod(NS, "reader-spdy", (p) => p.status?.phase === "Running", "Running");
  const r = await c.kubectl(["attach", "-i", "-n", NS, "reader-spdy"], { input: "spdy\n", binary });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /got:spdy\n/);
  const local = path.join(scratch, "spdy.txt");
  await writeFile(local, "over spdy\n");
  const up = await c.kubectl(["cp", local, `${NS}/host:/tmp/spdy.txt`], { binary });
  assert.equal(up.code, 0, up.stderr);
  const cat = await exec(["host", "--", "cat", "/tmp/spdy.txt"], { binary });
  assert.equal(cat.stdout, "over spdy\n");
});

test("upstream's errors: unknown container, several containers, a finished Pod, no streams", async () => {
  const bad = await exec(["host", "-c", "nope", "--", "true"]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /container nope is not valid for pod host/);

  const ambiguous = await c.admin("POST", `/api/v1/namespaces/${NS}/pods/two/exec?command=true&stdout=1`);
  assert.equal(ambiguous.status, 400);
  assert.equal(
    ambiguous.json.message,
    "a container name must be specified for pod two, choose one of: [a b]",
  );

  const noUpgrade = await c.admin("POST", `/api/v1/namespaces/${NS}/pods/host/exec?command=true&stdout=1`);
  assert.equal(noUpgrade.status, 400);
  assert.equal(noUpgrade.json.message, "Upgrade request required");

  const finished = await exec(["done", "--", "true"]);
  assert.notEqual(finished.code, 0);
  assert.match(
    finished.stderr,
    /cannot exec into a container in a completed pod; current phase is Succeeded/,
  );

  const missing = await c.admin("POST", `/api/v1/namespaces/${NS}/pods/ghost/exec?command=true&stdout=1`);
  assert.equal(missing.status, 404);
  assert.equal(missing.json.message, 'pods "ghost" not found');
});

test("exec into a sandboxed container runs as its user inside its root", { skip: sandboxSkip }, async () => {
  await createPod(c, NS, {
    metadata: { name: "sandboxed" },
    spec: {
      terminationGracePeriodSeconds: 0,
      automountServiceAccountToken: false,
      containers: [
        {
          name: "main",
          image: "ghcr.io/incluster/incluster",
          args: ["--help"],
          env: [
            { name: "NODE_OPTIONS", value: `--import=data:text/javascript,${sleeper}` },
            { name: "SECRET_ISH", value: "only-inside" },
          ],
        },
      ],
    },
  });
  await c.waitForPod(NS, "sandboxed", (p) => p.status?.phase === "Running", "Running");
  const r = await exec([
    "sandboxed",
    "--",
    "sh",
    "-c",
    `id -u; echo "$SECRET_ISH"; ls /; test -e ${c.dataDir} && echo LEAK || echo hidden`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const [uid, env, ...rest] = r.stdout.trim().split("\n");
  assert.equal(uid, "65532");
  assert.equal(env, "only-inside");
  assert.equal(rest.at(-1), "hidden");
  const code = await exec(["sandboxed", "--", "sh", "-c", "exit 5"]);
  assert.equal(code.code, 5, code.stderr);
});
