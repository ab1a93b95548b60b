// Ephemeral containers in the runtime (src/kubelet/ephemeral.ts): added to a running Pod through
// pods/ephemeralcontainers, each starts once in the Pod's network namespace, with targetContainerName in the
// target's PID namespace, is never restarted, and is reported in status.ephemeralContainerStatuses.
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { readdir, readFile, readlink } from "node:fs/promises";
import { after, before, test } from "node:test";
import type { ContainerStatus, EphemeralContainer, Pod } from "kubernetes-types/core/v1.d.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  createNamespace,
  createPod,
  networkSkipReason,
  type RuntimeCluster,
  sandboxSkipReason,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "debug";
const SMP = "application/strategic-merge-patch+json";
const networkSkip = await networkSkipReason();
const sandboxSkip = await sandboxSkipReason();
/** A command line no other test's process has, to find the target's process by. */
const MARK = `${randomInt(100_000, 999_999)}`;

let c: RuntimeCluster;
before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
  await createPod(c, NS, {
    metadata: { name: "app" },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: "main", image: "busybox", command: ["sleep", `${MARK}1`] }],
    },
  });
  await c.waitForPod(NS, "app", (p) => p.status?.phase === "Running", "Running");
});
after(() => c?.stop());

async function addEphemeral(pod: string, container: EphemeralContainer): Promise<Pod> {
  const r = await c.admin(
    "PATCH",
    `/api/v1/namespaces/${NS}/pods/${pod}/ephemeralcontainers`,
    { spec: { ephemeralContainers: [container] } },
    SMP,
  );
  assert.equal(r.status, 200, r.text);
  return r.json as Pod;
}

const ephemeralStatus = (pod: Pod, name: string): ContainerStatus | undefined =>
  pod.status?.ephemeralContainerStatuses?.find((s) => s.name === name);

function waitForEphemeral(pod: string, name: string, ok: (s: ContainerStatus) => boolean, what: string) {
  return c.waitForPod(
    NS,
    pod,
    (p) => {
      const s = ephemeralStatus(p, name);
      return s !== undefined && ok(s);
    },
    `${name} ${what}`,
  );
}

async function logs(pod: string, container: string): Promise<string> {
  const r = await c.kubectl(["logs", "-n", NS, pod, "-c", container]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test("an ephemeral container runs once next to the Pod's containers, and is reported as the kubelet does", async () => {
  await addEphemeral("app", { name: "once", image: "busybox", command: ["sh", "-c", "echo ran; exit 3"] });
  const pod = await waitForEphemeral("app", "once", (s) => s.state?.terminated !== undefined, "terminated");
  const status = ephemeralStatus(pod, "once")!;
  assert.equal(status.state?.terminated?.exitCode, 3);
  assert.equal(status.state?.terminated?.reason, "Error");
  assert.match(status.containerID ?? "", /^incluster:\/\//);
  assert.equal(status.ready, false);
  assert.equal(status.restartCount, 0);
  assert.equal(status.started, undefined, "probes never decide about ephemeral containers");
  assert.deepEqual(status.lastState, {});
  assert.equal(await logs("app", "once"), "ran\n");

  // Never restarted, and the Pod's own containers are left alone.
  await new Promise((r) => setTimeout(r, 1500));
  const later = (await c.pod(NS, "app"))!;
  assert.deepEqual(ephemeralStatus(later, "once"), status);
  assert.equal(later.status?.phase, "Running");
  assert.equal(later.status?.containerStatuses?.[0].restartCount, 0);

  const events = await c.admin(
    "GET",
    `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name=app`,
  );
  const started = events.json.items.find(
    (e: { reason: string; involvedObject: { fieldPath?: string } }) =>
      e.reason === "Started" && e.involvedObject.fieldPath === "spec.ephemeralContainers{once}",
  );
  assert.ok(started, "Started event for the ephemeral container");
});

test("with targetContainerName it sees the target's processes; it runs while the Pod runs", async () => {
  await addEphemeral("app", {
    name: "peek",
    image: "busybox",
    targetContainerName: "main",
    command: ["sh", "-c", `ps -eo args | grep -c "^sleep ${MARK}1"; sleep 600`],
  });
  const pod = await waitForEphemeral("app", "peek", (s) => s.state?.running !== undefined, "running");
  assert.match(ephemeralStatus(pod, "peek")!.state!.running!.startedAt!, /Z$/);
  const out = await eventuallyLogs("app", "peek", /\d/);
  assert.equal(out, "1\n");
});

test("it shares the Pod's network namespace", { skip: networkSkip }, async () => {
  await createPod(c, NS, {
    metadata: { name: "net" },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: "main", image: "busybox", command: ["sleep", "600"] }],
    },
  });
  await c.waitForPod(NS, "net", (p) => p.status?.phase === "Running", "Running");
  const main = await c.kubectl(["exec", "-n", NS, "net", "--", "readlink", "/proc/self/ns/net"]);
  assert.equal(main.code, 0, main.stderr);
  await addEphemeral("net", {
    name: "netcheck",
    image: "busybox",
    command: ["readlink", "/proc/self/ns/net"],
  });
  await waitForEphemeral("net", "netcheck", (s) => s.state?.terminated?.exitCode === 0, "done");
  assert.equal(await logs("net", "netcheck"), main.stdout);
  assert.notEqual(main.stdout, `${await readlink("/proc/self/ns/net")}\n`, "not the host's namespace");
});

test("a sandboxed one shares a sandboxed target's PID namespace, else it has its own", {
  skip: sandboxSkip,
}, async () => {
  const sleeper = `process.getBuiltinModule("node:child_process").execSync("sleep ${MARK}2")`;
  const listProcesses = `const fs = process.getBuiltinModule("node:fs");
    const pids = fs.readdirSync("/proc").filter((d) => /^\\d+$/.test(d));
    const lines = pids.map((p) => fs.readFileSync("/proc/" + p + "/cmdline", "utf8").replaceAll("\\0", " ").trim());
    console.log(JSON.stringify(lines));
    process.exit(0);`;
  const nodeOptions = (code: string) => [
    { name: "NODE_OPTIONS", value: `--import=data:text/javascript,${encodeURIComponent(code)}` },
  ];
  await createPod(c, NS, {
    metadata: { name: "boxed" },
    spec: {
      terminationGracePeriodSeconds: 0,
      automountServiceAccountToken: false,
      containers: [
        { name: "main", image: "ghcr.io/incluster/incluster", env: nodeOptions(sleeper) },
        { name: "host", image: "busybox", command: ["sleep", `${MARK}4`] },
      ],
    },
  });
  await c.waitForPod(NS, "boxed", (p) => p.status?.phase === "Running", "Running");
  await eventually(() => hostHasProcess(`sleep ${MARK}2`), 10_000, "the target's sleep");
  const probe = (name: string, target?: string): EphemeralContainer => ({
    name,
    image: "ghcr.io/incluster/incluster",
    env: nodeOptions(listProcesses),
    ...(target ? { targetContainerName: target } : {}),
  });
  await addEphemeral("boxed", probe("shared", "main"));
  await waitForEphemeral("boxed", "shared", (s) => s.state?.terminated?.exitCode === 0, "done");
  const shared: string[] = JSON.parse(await logs("boxed", "shared"));
  assert.ok(
    shared.some((cmd) => cmd.endsWith(`sleep ${MARK}2`)),
    shared.join("\n"),
  );
  assert.ok(shared.length < 20, `only the target's processes: ${shared.join("\n")}`);

  await addEphemeral("boxed", probe("alone"));
  await waitForEphemeral("boxed", "alone", (s) => s.state?.terminated?.exitCode === 0, "done");
  const alone: string[] = JSON.parse(await logs("boxed", "alone"));
  assert.ok(!alone.some((cmd) => cmd.endsWith(`sleep ${MARK}2`)), alone.join("\n"));

  // A host-command target runs in the host's PID namespace: a sandbox never joins that one.
  await addEphemeral("boxed", probe("isolated", "host"));
  await waitForEphemeral("boxed", "isolated", (s) => s.state?.terminated?.exitCode === 0, "done");
  const isolated: string[] = JSON.parse(await logs("boxed", "isolated"));
  assert.ok(!isolated.some((cmd) => cmd.endsWith(`sleep ${MARK}4`)), isolated.join("\n"));
  assert.ok(isolated.length < 10, isolated.join("\n"));
});

test("the image policy applies: an image without a command waits in ErrImageNeverPull", async () => {
  await addEphemeral("app", { name: "pull", image: "nginx:1.27" });
  const pod = await waitForEphemeral(
    "app",
    "pull",
    (s) => s.state?.waiting?.reason === "ErrImageNeverPull",
    "refused",
  );
  assert.match(ephemeralStatus(pod, "pull")!.state!.waiting!.message!, /nginx:1\.27/);
  assert.equal(pod.status?.phase, "Running");
});

test("stdin: kubectl attach feeds an ephemeral container that asked for it", async () => {
  await addEphemeral("app", {
    name: "reader",
    image: "busybox",
    stdin: true,
    stdinOnce: true,
    command: ["sh", "-c", "read line; echo got:$line"],
  });
  await waitForEphemeral("app", "reader", (s) => s.state?.running !== undefined, "running");
  const r = await c.kubectl(["attach", "-i", "-n", NS, "app", "-c", "reader"], { input: "hello\n" });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /got:hello/);
  await waitForEphemeral("app", "reader", (s) => s.state?.terminated?.exitCode === 0, "done");
});

test("deleting the Pod stops its ephemeral containers too", async () => {
  await addEphemeral("app", { name: "lingering", image: "busybox", command: ["sleep", `${MARK}3`] });
  await waitForEphemeral("app", "lingering", (s) => s.state?.running !== undefined, "running");
  const r = await c.admin("DELETE", `/api/v1/namespaces/${NS}/pods/app`);
  assert.equal(r.status, 200, r.text);
  await eventually(async () => (await c.pod(NS, "app")) === undefined, 10_000, "app deleted");
  await eventually(async () => !(await hostHasProcess(`sleep ${MARK}3`)), 10_000, "the process to end");
});

function eventuallyLogs(pod: string, container: string, pattern: RegExp): Promise<string> {
  return eventually(
    async () => {
      const out = await logs(pod, container);
      return pattern.test(out) && out;
    },
    10_000,
    `${pod}/${container}: a log matching ${pattern}`,
  );
}

async function hostHasProcess(commandLine: string): Promise<boolean> {
  for (const pid of (await readdir("/proc")).filter((d) => /^\d+$/.test(d))) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmd.replaceAll("\0", " ").trim().endsWith(commandLine)) return true;
  }
  return false;
}
