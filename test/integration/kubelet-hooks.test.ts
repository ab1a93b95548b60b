// Container lifecycle hooks on the runtime, over the real API server: postStart (exec in the container,
// httpGet against the Pod, sleep) gates Running and the next container's start; a failed postStart kills
// and restarts the container; preStop runs before SIGTERM on deletion, bounded by the grace period.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Event } from "kubernetes-types/core/v1.d.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  containerState,
  createNamespace,
  createPod,
  kubectlUntil,
  NODE,
  type RuntimeCluster,
  sandboxSkipReason,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "hooks";
const sandboxSkip = await sandboxSkipReason();

let c: RuntimeCluster;
before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
});
after(() => c.stop());

const running = (name: string, index = 0) =>
  c.waitForPod(
    NS,
    name,
    (p) => containerState(p, index)?.state?.running !== undefined,
    `container ${index} running`,
    30_000,
  );

const logsOf = async (pod: string, container: string) => {
  const r = await c.kubectl(["logs", pod, "-n", NS, "-c", container]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
};

const eventsOf = async (pod: string) => {
  const r = await c.admin("GET", `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name=${pod}`);
  return ((r.json as { items: Event[] }).items ?? []).map((e) => `${e.type} ${e.reason} ${e.message}`);
};

const eventually5 = (pod: string, line: string) =>
  eventually(async () => (await eventsOf(pod)).includes(line), 10_000, `event "${line}" on ${pod}`);

test("postStart exec runs in the container before it counts as Running; its output stays out of the log", async () => {
  const marker = path.join(c.scratch, "post-start");
  await createPod(c, NS, {
    metadata: { name: "exec-hook" },
    spec: {
      terminationGracePeriodSeconds: 2,
      containers: [
        {
          name: "main",
          image: "busybox",
          env: [{ name: "MARK", value: marker }],
          command: [
            "sh",
            "-c",
            'while [ ! -f "$MARK" ]; do sleep 0.1; done; echo "saw: $(cat "$MARK")"; sleep 60',
          ],
          lifecycle: {
            postStart: {
              exec: {
                command: ["sh", "-c", 'echo hook-stdout; sleep 1.5; echo "hello from postStart" > "$MARK"'],
              },
            },
          },
        },
      ],
    },
  });
  const pod = await running("exec-hook");
  // Running is reported only once the hook finished, so the file it wrote is there by then.
  assert.ok(existsSync(marker), "postStart finished before the container was reported Running");
  assert.equal(await readFile(marker, "utf8"), "hello from postStart\n");
  assert.equal(containerState(pod)?.ready, true);
  await eventually(
    async () => (await logsOf("exec-hook", "main")).includes("saw:"),
    5000,
    "the container's output",
  );
  assert.equal(await logsOf("exec-hook", "main"), "saw: hello from postStart\n");
  await c.kubectl(["delete", "pod", "exec-hook", "-n", NS, "--wait=false"]);
});

test("postStart sleep holds the next container; postStart httpGet reaches a server in the Pod by named port", async () => {
  const server = await c.script(
    "hook-server.mjs",
    `import http from "node:http";
http.createServer((req, res) => {
  console.log(req.method + " " + req.url + " " + req.headers["x-hook"] + " " + req.headers["user-agent"]);
  res.end("ok");
}).listen(8080, process.env.POD_IP);`,
  );
  await createPod(c, NS, {
    metadata: { name: "http-hook" },
    spec: {
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: "server",
          image: "busybox",
          command: [NODE, server],
          env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
          // The kubelet starts containers one after the other and waits for each postStart hook.
          // (3 s also give the server time to listen before the client's hook.)
          lifecycle: { postStart: { sleep: { seconds: 3 } } },
        },
        {
          name: "client",
          image: "busybox",
          command: ["sleep", "60"],
          ports: [{ name: "web", containerPort: 8080 }],
          lifecycle: {
            postStart: {
              httpGet: { path: "/started?x=1", port: "web", httpHeaders: [{ name: "X-Hook", value: "yes" }] },
            },
          },
        },
      ],
    },
  });
  const pod = await running("http-hook", 1);
  const serverStart = Date.parse(containerState(pod, 0)?.state?.running?.startedAt ?? "");
  const clientStart = Date.parse(containerState(pod, 1)?.state?.running?.startedAt ?? "");
  assert.ok(
    clientStart - serverStart >= 2000,
    `client started ${clientStart - serverStart} ms after the server`,
  );
  await eventually(
    async () => (await logsOf("http-hook", "server")).includes("GET"),
    5000,
    "the hook's request in the server's log",
  );
  assert.equal(await logsOf("http-hook", "server"), "GET /started?x=1 yes kube-lifecycle/1.33\n");
  await c.kubectl(["delete", "pod", "http-hook", "-n", NS, "--wait=false"]);
});

test("a failing postStart hook: FailedPostStartHook, the container is killed and restarted", async () => {
  // Between the kill and the next start the container waits with the hook's message (PostStartHookError).
  const watched = c.kubectl([
    "get",
    "pods",
    "--field-selector=metadata.name=bad-hook",
    "-n",
    NS,
    "--watch",
    "--output-watch-events",
    "-o",
    "json",
    "--request-timeout=6s",
  ]);
  await new Promise((r) => setTimeout(r, 500));
  await createPod(c, NS, {
    metadata: { name: "bad-hook" },
    spec: {
      terminationGracePeriodSeconds: 2,
      containers: [
        {
          name: "main",
          image: "busybox",
          command: ["sleep", "60"],
          lifecycle: { postStart: { exec: { command: ["sh", "-c", "echo secret-output; exit 3"] } } },
        },
      ],
    },
  });
  const pod = await c.waitForPod(
    NS,
    "bad-hook",
    (p) => (containerState(p)?.restartCount ?? 0) >= 2,
    "two restarts",
    30_000,
  );
  const status = containerState(pod);
  assert.equal(status?.lastState?.terminated?.exitCode, 143, "killed with SIGTERM");
  assert.equal(status?.ready, false);
  await eventually5("bad-hook", "Warning FailedPostStartHook PostStartHook failed");
  await eventually5("bad-hook", "Normal Killing FailedPostStartHook");
  await kubectlUntil(
    c,
    ["describe", "pod", "bad-hook", "-n", NS],
    /Warning\s+FailedPostStartHook\s+.*PostStartHook failed/,
  );
  // The event never carries the hook's output (it may hold secrets).
  assert.ok(!(await eventsOf("bad-hook")).some((e) => e.includes("secret-output")));
  const waiting = await c.waitForPod(
    NS,
    "bad-hook",
    (p) => containerState(p)?.state?.waiting?.reason === "CrashLoopBackOff",
    "CrashLoopBackOff",
  );
  assert.equal(containerState(waiting)?.state?.running, undefined);
  const seen = (await watched).stdout;
  assert.ok(seen.includes('"reason":"PostStartHookError"'), "PostStartHookError seen in the watch");
  assert.ok(
    seen.includes(
      JSON.stringify(
        `Exec lifecycle hook ([sh -c echo secret-output; exit 3]) for Container "main" in Pod "bad-hook_${NS}(${waiting.metadata?.uid})" failed - error: command 'sh -c echo secret-output; exit 3' exited with 3: , message: "secret-output\\n"`,
      ),
    ),
    "the hook's message in the waiting state",
  );
  await c.kubectl(["delete", "pod", "bad-hook", "-n", NS, "--wait=false"]);
});

test("deletion runs preStop before SIGTERM; the hook's time comes out of the grace period", async () => {
  const order = path.join(c.scratch, "order");
  const polite = await c.script(
    "polite-hooks.mjs",
    `import { appendFileSync } from "node:fs";
process.on("SIGTERM", () => { appendFileSync(process.env.ORDER, "SIGTERM " + Date.now() + "\\n"); process.exit(0); });
console.log("waiting");
setInterval(() => {}, 1 << 30);`,
  );
  await createPod(c, NS, {
    metadata: { name: "pre-stop" },
    spec: {
      terminationGracePeriodSeconds: 10,
      containers: [
        {
          name: "main",
          image: "busybox",
          command: [NODE, polite],
          env: [{ name: "ORDER", value: order }],
          lifecycle: {
            preStop: {
              exec: { command: ["sh", "-c", 'sleep 1; echo "preStop $(date +%s%3N)" >> "$ORDER"'] },
            },
          },
        },
      ],
    },
  });
  await running("pre-stop");
  await eventually(async () => (await logsOf("pre-stop", "main")) === "waiting\n", 5000, "handler installed");
  const deleted = await c.kubectl(["delete", "pod", "pre-stop", "-n", NS]);
  assert.equal(deleted.code, 0, deleted.stderr);
  const lines = (await readFile(order, "utf8")).trim().split("\n");
  assert.deepEqual(
    lines.map((l) => l.split(" ")[0]),
    ["preStop", "SIGTERM"],
  );
  const [hookAt, termAt] = lines.map((l) => Number(l.split(" ")[1]));
  assert.ok(termAt >= hookAt, "SIGTERM after the hook finished");
});

test("a preStop hook that outlives the grace period is cut short: SIGTERM, then SIGKILL 2 s later", async () => {
  await createPod(c, NS, {
    metadata: { name: "slow-stop" },
    spec: {
      terminationGracePeriodSeconds: 2,
      containers: [
        {
          name: "main",
          image: "busybox",
          command: ["sh", "-c", 'trap "" TERM; while true; do sleep 0.1; done'],
          lifecycle: { preStop: { exec: { command: ["sleep", "60"] } } },
        },
      ],
    },
  });
  await running("slow-stop");
  const started = Date.now();
  const deleted = await c.kubectl(["delete", "pod", "slow-stop", "-n", NS]);
  assert.equal(deleted.code, 0, deleted.stderr);
  const took = Date.now() - started;
  // 2 s of hook (the whole grace period), then the minimum 2 s between SIGTERM and SIGKILL.
  assert.ok(took >= 3500 && took < 12_000, `deletion took ${took} ms`);
  assert.equal(await c.pod(NS, "slow-stop"), undefined);
});

test("preStop sleep delays SIGTERM by its seconds", async () => {
  const order = path.join(c.scratch, "sleep-order");
  const polite = await c.script(
    "polite-sleep.mjs",
    `import { appendFileSync } from "node:fs";
process.on("SIGTERM", () => { appendFileSync(process.env.ORDER, String(Date.now())); process.exit(0); });
console.log("waiting");
setInterval(() => {}, 1 << 30);`,
  );
  await createPod(c, NS, {
    metadata: { name: "sleep-stop" },
    spec: {
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: "main",
          image: "busybox",
          command: [NODE, polite],
          env: [{ name: "ORDER", value: order }],
          lifecycle: { preStop: { sleep: { seconds: 2 } } },
        },
      ],
    },
  });
  await running("sleep-stop");
  await eventually(
    async () => (await logsOf("sleep-stop", "main")) === "waiting\n",
    5000,
    "handler installed",
  );
  const started = Date.now();
  const deleted = await c.kubectl(["delete", "pod", "sleep-stop", "-n", NS]);
  assert.equal(deleted.code, 0, deleted.stderr);
  const termAt = Number(await readFile(order, "utf8"));
  assert.ok(termAt - started >= 1900, `SIGTERM came ${termAt - started} ms after the deletion`);
});

test("on deletion a sidecar gets SIGTERM only after the main container has exited", async () => {
  const order = path.join(c.scratch, "sidecar-order");
  const script = await c.script(
    "ordered.mjs",
    `import { appendFileSync } from "node:fs";
const note = (what) => appendFileSync(process.env.ORDER, process.env.NAME + " " + what + "\\n");
process.on("SIGTERM", () => { note("SIGTERM"); setTimeout(() => { note("exit"); process.exit(0); }, Number(process.env.DELAY)); });
console.log("waiting");
setInterval(() => {}, 1 << 30);`,
  );
  const container = (name: string, delay: number) => ({
    name,
    image: "busybox",
    command: [NODE, script],
    env: [
      { name: "ORDER", value: order },
      { name: "NAME", value: name },
      { name: "DELAY", value: String(delay) },
    ],
  });
  await createPod(c, NS, {
    metadata: { name: "ordered" },
    spec: {
      terminationGracePeriodSeconds: 10,
      initContainers: [{ ...container("sidecar", 0), restartPolicy: "Always" }],
      containers: [container("main", 1500)],
    },
  });
  await running("ordered");
  for (const name of ["sidecar", "main"])
    await eventually(async () => (await logsOf("ordered", name)) === "waiting\n", 5000, `${name} ready`);
  const deleted = await c.kubectl(["delete", "pod", "ordered", "-n", NS]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.deepEqual((await readFile(order, "utf8")).trim().split("\n"), [
    "main SIGTERM",
    "main exit",
    "sidecar SIGTERM",
    "sidecar exit",
  ]);
});

test("a liveness failure runs preStop before the restart", async () => {
  const marker = path.join(c.scratch, "liveness-prestop");
  await createPod(c, NS, {
    metadata: { name: "sick-hook" },
    spec: {
      terminationGracePeriodSeconds: 2,
      containers: [
        {
          name: "main",
          image: "busybox",
          command: ["sleep", "60"],
          env: [{ name: "MARK", value: marker }],
          livenessProbe: { exec: { command: ["false"] }, periodSeconds: 1, failureThreshold: 1 },
          lifecycle: { preStop: { exec: { command: ["sh", "-c", 'echo stopped >> "$MARK"'] } } },
        },
      ],
    },
  });
  await c.waitForPod(
    NS,
    "sick-hook",
    (p) => (containerState(p)?.restartCount ?? 0) >= 1,
    "a restart",
    20_000,
  );
  assert.match(await readFile(marker, "utf8"), /^stopped\n/);
  await eventually5("sick-hook", "Normal Killing Container main failed liveness probe, will be restarted");
  await c.kubectl(["delete", "pod", "sick-hook", "-n", NS, "--wait=false"]);
});

test("deleting a Pod whose postStart hook still runs does not wait for the hook", async () => {
  await createPod(c, NS, {
    metadata: { name: "slow-start" },
    spec: {
      terminationGracePeriodSeconds: 120,
      containers: [
        {
          name: "main",
          image: "busybox",
          command: ["sleep", "600"],
          lifecycle: { postStart: { sleep: { seconds: 100 } } },
        },
      ],
    },
  });
  const pod = await c.waitForPod(
    NS,
    "slow-start",
    (p) => containerState(p)?.state?.waiting?.reason === "ContainerCreating" && Boolean(p.status?.podIP),
    "waiting on its postStart hook",
  );
  assert.equal(containerState(pod)?.ready, false);
  await new Promise((r) => setTimeout(r, 500));
  const started = Date.now();
  const deleted = await c.kubectl(["delete", "pod", "slow-start", "-n", NS]);
  assert.equal(deleted.code, 0, deleted.stderr);
  const took = Date.now() - started;
  assert.ok(took < 15_000, `deletion took ${took} ms`);
});

test("exec hooks of a sandboxed container run inside it, as its user, with its environment", {
  skip: sandboxSkip,
}, async () => {
  const sleeper = encodeURIComponent(`process.getBuiltinModule("node:child_process").execSync("sleep 600")`);
  const created = await createPod(c, NS, {
    metadata: { name: "sandboxed" },
    spec: {
      terminationGracePeriodSeconds: 2,
      automountServiceAccountToken: false,
      volumes: [{ name: "data", emptyDir: {} }],
      containers: [
        {
          name: "main",
          image: "ghcr.io/incluster/incluster",
          args: ["--help"],
          env: [
            { name: "NODE_OPTIONS", value: `--import=data:text/javascript,${sleeper}` },
            { name: "SECRET_ISH", value: "only-inside" },
          ],
          volumeMounts: [{ name: "data", mountPath: "/data" }],
          lifecycle: {
            postStart: {
              exec: {
                command: [
                  "sh",
                  "-c",
                  `id -u > /data/hook; echo "$SECRET_ISH" >> /data/hook; test -e ${c.dataDir} && echo LEAK >> /data/hook; true`,
                ],
              },
            },
          },
        },
      ],
    },
  });
  await running("sandboxed");
  const written = path.join(
    c.dataDir,
    "pods",
    created.metadata!.uid!,
    "volumes",
    "kubernetes.io~empty-dir",
    "data",
    "hook",
  );
  assert.equal(await readFile(written, "utf8"), "65532\nonly-inside\n");
  await c.kubectl(["delete", "pod", "sandboxed", "-n", NS, "--wait=false"]);
});
