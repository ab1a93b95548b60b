// Escape attempts against the pod runtime's sandbox, with host commands off (the default): each Pod runs
// the incluster image and injects its own code through NODE_OPTIONS, as issue #14's first route did. The
// runtime runs as root here (CI is root); without root or on a kernel lacking the namespaces the sandbox
// is unavailable and the suite says so instead of passing.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Pod, Volume, VolumeMount } from "kubernetes-types/core/v1.d.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  containerState,
  createNamespace,
  createPod,
  type RuntimeCluster,
  sandboxSkipReason,
  startRuntimeCluster,
} from "../integration/kubelet-harness.ts";

const IMAGE = "ghcr.io/incluster/incluster";
const NS = "escape";
const FORK_UID = 43_210;
const MAX_PROCESSES = 160;
const skip = await sandboxSkipReason();
let c: RuntimeCluster;
let canary: string;

before(async () => {
  if (skip) return;
  c = await startRuntimeCluster({ maxProcesses: MAX_PROCESSES });
  assert.ok(c.runtime.sandboxed, "this Linux host must provide the Pod sandbox (mount + PID namespaces)");
  await createNamespace(c, NS);
  canary = `canary-${randomBytes(8).toString("hex")}`;
  await writeFile(path.join(c.dataDir, "canary"), canary, { mode: 0o600 });
});

after(async () => {
  await c?.stop();
});

/** NODE_OPTIONS that runs `code` (CommonJS-ish: `require` is given) before the CLI starts. */
function injected(code: string): { name: string; value: string } {
  const module = `const require=(m)=>process.getBuiltinModule(m);${code}`;
  return { name: "NODE_OPTIONS", value: `--import=data:text/javascript,${encodeURIComponent(module)}` };
}

const finished = (pod: Pod) => pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";

async function logOf(name: string, container?: string): Promise<string> {
  const query = container ? `?container=${container}` : "";
  const r = await c.admin("GET", `/api/v1/namespaces/${NS}/pods/${name}/log${query}`);
  assert.equal(r.status, 200, r.text);
  return r.text;
}

/** Runs `code` in a Pod of the incluster image and returns what it printed as `RESULT <json>`. */
async function attack(
  name: string,
  code: string,
  extra: { volumes?: Volume[]; volumeMounts?: VolumeMount[] } = {},
): Promise<any> {
  await createPod(c, NS, {
    metadata: { name },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      containers: [
        {
          name: "main",
          image: IMAGE,
          args: ["--help"],
          env: [injected(`const out={};${code};console.log("RESULT "+JSON.stringify(out));`)],
          volumeMounts: extra.volumeMounts,
        },
      ],
      volumes: extra.volumes,
    },
  });
  await c.waitForPod(NS, name, finished, "finished", 30_000);
  const log = await logOf(name);
  const line = log.split("\n").find((l) => l.startsWith("RESULT "));
  assert.ok(line, `no result in the log:\n${log}`);
  return JSON.parse(line.slice("RESULT ".length));
}

const tryRead = (p: string) =>
  `try{out[${JSON.stringify(p)}]=require("node:fs").readFileSync(${JSON.stringify(p)},"utf8")}catch(e){out[${JSON.stringify(p)}]=e.code}`;

test("NODE_OPTIONS injection runs as the unprivileged image user, and cannot write the host's /tmp", {
  skip,
}, async () => {
  const marker = `/tmp/incluster-pwned-${randomBytes(6).toString("hex")}`;
  const result = await attack(
    "node-options",
    `out.id=require("node:child_process").execSync("id").toString().trim();` +
      `try{require("node:child_process").execSync("id>${marker}")}catch{}` +
      `out.status=require("node:fs").readFileSync("/proc/self/status","utf8")`,
  );
  assert.match(result.id, /^uid=65532 gid=65532/);
  assert.match(result.status, /^NoNewPrivs:\s+1$/m);
  assert.match(result.status, /^CapEff:\s+0+$/m);
  assert.equal(existsSync(marker), false, "the injected code wrote a file on the host");
});

test("`run -- sh -c cat <data dir>/…` from an edit ServiceAccount cannot read the runtime's files", {
  skip,
}, async () => {
  await c.admin("POST", `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: "dev" } });
  const binding = await c.admin("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
    metadata: { name: "dev-edit" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
    subjects: [{ kind: "ServiceAccount", name: "dev", namespace: NS }],
  });
  assert.equal(binding.status, 201, binding.text);
  const file = path.join(c.dataDir, "canary");
  await createPod(c, NS, {
    metadata: { name: "run-cat" },
    spec: {
      restartPolicy: "Never",
      serviceAccountName: "dev",
      containers: [
        {
          name: "main",
          image: IMAGE,
          args: [
            "run",
            "--serviceaccount",
            `${NS}/dev`,
            "--",
            "sh",
            "-c",
            `cat ${file}; echo "uid=$(id -u)"`,
          ],
        },
      ],
    },
  });
  const pod = await c.waitForPod(NS, "run-cat", finished, "finished", 30_000);
  const log = await logOf("run-cat");
  assert.doesNotMatch(log, new RegExp(canary), "the runtime's file reached the Pod's log");
  assert.match(log, /No such file or directory/, log);
  assert.match(log, /uid=65532/, `run's command ran, unprivileged:\n${log}`);
  assert.equal(containerState(pod)?.state?.terminated?.exitCode, 0, log);
});

test("the data dir, other Pods' tokens and other Pods' processes are not visible", { skip }, async () => {
  await createPod(c, NS, {
    metadata: { name: "victim" },
    spec: {
      restartPolicy: "Never",
      containers: [{ name: "main", image: IMAGE, args: ["pods", "count", "--help"] }],
    },
  });
  const victim = await c.waitForPod(NS, "victim", finished, "finished", 30_000);
  const volumes = path.join(c.dataDir, "pods", victim.metadata!.uid!, "volumes", "kubernetes.io~projected");
  const tokenDir = readdirSync(volumes)[0];
  const token = path.join(volumes, tokenDir, "token");
  assert.ok(existsSync(token), "the victim's token exists on the host");
  const result = await attack(
    "snoop",
    `${tryRead(token)};${tryRead(path.join(c.dataDir, "canary"))};` +
      `out.pids=require("node:fs").readdirSync("/proc").filter(p=>/^\\d+$/.test(p)).length;` +
      `out.dataDir=require("node:fs").existsSync(${JSON.stringify(c.dataDir)})`,
  );
  // Never print a token, even in a failure message.
  assert.ok(result[token] === "ENOENT", "another Pod's token was readable");
  assert.equal(result[path.join(c.dataDir, "canary")], "ENOENT");
  assert.equal(result.dataDir, false);
  assert.ok(result.pids <= 4, `the Pod sees ${result.pids} processes: its own PID namespace has at most 4`);
});

test("writes outside the Pod's volumes fail; writes inside an emptyDir land in it", { skip }, async () => {
  const writes = ["/etc/incluster-escape", "/usr/incluster-escape", "/incluster-escape", "/data/ok"];
  const code = writes
    .map((p) => {
      const key = JSON.stringify(p);
      return `try{require("node:fs").writeFileSync(${key},"x");out[${key}]="written"}catch(e){out[${key}]=e.code}`;
    })
    .join(";");
  const out = await attack("writer", code, {
    volumes: [{ name: "data", emptyDir: {} }],
    volumeMounts: [{ name: "data", mountPath: "/data" }],
  });
  assert.equal(out["/etc/incluster-escape"], "EACCES");
  assert.match(out["/usr/incluster-escape"], /^(EACCES|EROFS)$/);
  assert.equal(out["/incluster-escape"], "EACCES");
  assert.equal(out["/data/ok"], "written");
  for (const p of ["/etc/incluster-escape", "/usr/incluster-escape", "/incluster-escape"])
    assert.equal(existsSync(p), false, `${p} appeared on the host`);
  const pod = (await c.pod(NS, "writer"))!;
  const emptyDir = path.join(
    c.dataDir,
    "pods",
    pod.metadata!.uid!,
    "volumes",
    "kubernetes.io~empty-dir",
    "data",
  );
  assert.equal(readFileSync(path.join(emptyDir, "ok"), "utf8"), "x");
});

test("`..` in a subPath or a volume item path is refused at validation, as upstream does", {
  skip,
}, async () => {
  // The runtime refuses them too (container-launch.ts, volumes.ts); the API server never lets them reach it.
  const subPath = await c.admin("POST", `/api/v1/namespaces/${NS}/pods`, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "dotdot" },
    spec: {
      volumes: [{ name: "data", emptyDir: {} }],
      containers: [
        {
          name: "main",
          image: IMAGE,
          volumeMounts: [{ name: "data", mountPath: "/data", subPath: "../../../../" }],
        },
      ],
    },
  });
  assert.equal(subPath.status, 422);
  // ValidateVolumeMounts names the list, not the item, for a subPath (upstream's field path).
  assert.match(
    subPath.json.message,
    /spec\.containers\[0\]\.volumeMounts\.subPath: Invalid value: "\.\.\/\.\.\/\.\.\/\.\.\/": must not contain '\.\.'/,
  );
  const item = await c.admin("POST", `/api/v1/namespaces/${NS}/pods`, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "dotdot-item" },
    spec: {
      volumes: [{ name: "cm", configMap: { name: "cm", items: [{ key: "k", path: "../../escape" }] } }],
      containers: [{ name: "main", image: IMAGE, volumeMounts: [{ name: "cm", mountPath: "/cm" }] }],
    },
  });
  assert.equal(item.status, 422);
  assert.match(
    item.json.message,
    /spec\.volumes\[0\]\.configMap\.items\[0\]\.path: Invalid value: "\.\.\/\.\.\/escape": must not contain '\.\.'/,
  );
  assert.equal(existsSync(path.join(c.dataDir, "pods", "escape")), false);
});

test("a symlink planted in an emptyDir cannot turn a subPath into a host path", { skip }, async () => {
  await createPod(c, NS, {
    metadata: { name: "swap" },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      volumes: [{ name: "data", emptyDir: {} }],
      initContainers: [
        {
          name: "plant",
          image: IMAGE,
          args: ["--help"],
          volumeMounts: [{ name: "data", mountPath: "/data" }],
          env: [injected(`require("node:fs").symlinkSync(${JSON.stringify(c.dataDir)},"/data/link")`)],
        },
      ],
      containers: [
        {
          name: "main",
          image: IMAGE,
          args: ["--help"],
          volumeMounts: [{ name: "data", mountPath: "/mnt/host", subPath: "link" }],
        },
      ],
    },
  });
  const pod = await c.waitForPod(
    NS,
    "swap",
    (p) => containerState(p)?.state?.waiting?.reason === "CreateContainerConfigError",
    "CreateContainerConfigError",
    30_000,
  );
  assert.match(containerState(pod)!.state!.waiting!.message!, /resolves outside the volume/);
});

function processesOf(uid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      if (new RegExp(`^Uid:\\s+${uid}\\s`, "m").test(status)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

test("a fork bomb is bounded by RLIMIT_NPROC and its setsid children die with the Pod", {
  skip,
}, async () => {
  await createPod(c, NS, {
    metadata: { name: "forkbomb" },
    spec: {
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 1,
      securityContext: { runAsUser: FORK_UID, runAsGroup: FORK_UID },
      containers: [
        {
          name: "main",
          image: IMAGE,
          args: ["--help"],
          env: [
            injected(
              'const cp=require("node:child_process");let n=0;for(let i=0;i<400;i++){try{cp.spawn("setsid",["sleep","300"],{stdio:"ignore"}).on("error",()=>{});n++}catch{}}' +
                'console.log("spawn"+"ed",n);Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,300000)',
            ),
          ],
        },
      ],
    },
  });
  await c.waitForPod(
    NS,
    "forkbomb",
    (p) => containerState(p)?.state?.running !== undefined,
    "running",
    30_000,
  );
  let log = "";
  const peak = await eventually(
    async () => {
      log = await logOf("forkbomb");
      return log.includes("spawned") ? processesOf(FORK_UID).length : undefined;
    },
    30_000,
    "the fork loop to finish",
  );
  assert.ok(peak > 20, `only ${peak} processes: the loop did not run; log:\n${log}`);
  assert.ok(
    peak <= MAX_PROCESSES,
    `${peak} processes of uid ${FORK_UID}: more than RLIMIT_NPROC ${MAX_PROCESSES}`,
  );
  const deleted = await c.admin("DELETE", `/api/v1/namespaces/${NS}/pods/forkbomb`);
  assert.equal(deleted.status, 200, deleted.text);
  await eventually(
    async () => processesOf(FORK_UID).length === 0 || undefined,
    15_000,
    "no process of the Pod left",
  );
});

test("exec probes run inside the sandbox, as the container's user", { skip }, async () => {
  await createPod(c, NS, {
    metadata: { name: "probed" },
    spec: {
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "main",
          image: IMAGE,
          args: ["--help"],
          env: [injected(`require("node:child_process").execSync("sleep 120")`)],
          readinessProbe: {
            exec: {
              command: ["sh", "-c", `test "$(id -u)" = 65532 && test ! -e ${c.dataDir} && test -d /proc/1`],
            },
            periodSeconds: 1,
          },
        },
      ],
    },
  });
  const pod = await c.waitForPod(NS, "probed", (p) => containerState(p)?.ready === true, "Ready", 30_000);
  assert.equal(containerState(pod)?.state?.running !== undefined, true);
  const deleted = await c.admin("DELETE", `/api/v1/namespaces/${NS}/pods/probed`);
  assert.equal(deleted.status, 200, deleted.text);
});

test("a volume cannot cover the sandbox's own paths or sit inside a writable volume", { skip }, async () => {
  const cases: [string, { mountPath: string; name: string }[], RegExp][] = [
    ["cover-root", [{ name: "data", mountPath: "/" }], /reserved by the incluster sandbox/],
    ["cover-run", [{ name: "data", mountPath: "/run" }], /reserved by the incluster sandbox/],
    [
      "nested",
      [
        { name: "data", mountPath: "/data" },
        { name: "cm", mountPath: "/data/inner" },
      ],
      /inside the writable volume mounted at \/data/,
    ],
  ];
  await c.admin("POST", `/api/v1/namespaces/${NS}/configmaps`, {
    metadata: { name: "cm2" },
    data: { k: "v" },
  });
  for (const [name, volumeMounts, message] of cases) {
    await createPod(c, NS, {
      metadata: { name },
      spec: {
        restartPolicy: "Never",
        automountServiceAccountToken: false,
        volumes: [
          { name: "data", emptyDir: {} },
          { name: "cm", configMap: { name: "cm2" } },
        ],
        containers: [{ name: "main", image: IMAGE, args: ["--help"], volumeMounts }],
      },
    });
    const pod = await c.waitForPod(
      NS,
      name,
      (p) => containerState(p)?.state?.waiting?.reason === "CreateContainerConfigError",
      "CreateContainerConfigError",
    );
    assert.match(containerState(pod)!.state!.waiting!.message!, message);
  }
});
