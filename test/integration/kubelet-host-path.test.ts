// hostPath volumes on the runtime, over the real API server: refused (FailedMount naming the flag) unless
// host commands are allowed; with them, the kubelet's types and checks (pkg/volume/hostpath), the host's
// files at the mountPath in both directions, readOnly, and a subPath that would leave the volume refused.
import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Event, Pod } from "kubernetes-types/core/v1.d.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  containerState,
  createNamespace,
  createPod,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "host-path";
let c: RuntimeCluster;
let strict: RuntimeCluster;
let socketServer: net.Server;

before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  assert.ok(c.runtime.mountNamespace, "as root on Linux the runtime mounts volumes in a mount namespace");
  await createNamespace(c, NS);
  strict = await startRuntimeCluster();
  await createNamespace(strict, NS);
});
after(async () => {
  socketServer?.close();
  await c?.stop();
  await strict?.stop();
});

const eventsOf = async (cluster: RuntimeCluster, pod: string) => {
  const r = await cluster.admin(
    "GET",
    `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name=${pod}`,
  );
  return ((r.json as { items: Event[] }).items ?? []).map((e) => `${e.reason}: ${e.message}`);
};
const waitForEvent = (cluster: RuntimeCluster, pod: string, line: string) =>
  eventually(async () => (await eventsOf(cluster, pod)).includes(line), 30_000, `event "${line}" on ${pod}`);
const done = (p: Pod) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";

test("without --allow-host-commands a hostPath volume is refused with an event naming the flag", async () => {
  const marker = path.join(strict.scratch, "never-created");
  await createPod(strict, NS, {
    metadata: { name: "host-files" },
    spec: {
      volumes: [{ name: "host", hostPath: { path: marker, type: "DirectoryOrCreate" } }],
      containers: [
        {
          name: "main",
          image: "ghcr.io/incluster/incluster",
          args: ["--help"],
          volumeMounts: [{ name: "host", mountPath: "/host" }],
        },
      ],
    },
  });
  await waitForEvent(
    strict,
    "host-files",
    'FailedMount: MountVolume.SetUp failed for volume "host" : hostPath volumes are refused: a hostPath gives the Pod this host\'s files, so the incluster runtime mounts them only when started with --allow-host-commands (allowHostCommands: true), which already trusts Pod creators with this host',
  );
  const pod = await strict.pod(NS, "host-files");
  assert.equal(pod?.status?.phase, "Pending");
  assert.equal(containerState(pod!)?.state?.waiting?.reason, "ContainerCreating");
  assert.equal(existsSync(marker), false, "nothing was created on the host");
});

test("DirectoryOrCreate and FileOrCreate create on the host; the Pod and the host see each other's writes", async () => {
  const dir = path.join(c.scratch, "made", "dir");
  const file = path.join(c.scratch, "made-file.log");
  await mkdir(path.join(c.scratch, "shared"));
  await writeFile(path.join(c.scratch, "shared", "from-host"), "hello from the host");
  await createPod(c, NS, {
    metadata: { name: "create" },
    spec: {
      restartPolicy: "Never",
      volumes: [
        { name: "dir", hostPath: { path: dir, type: "DirectoryOrCreate" } },
        { name: "file", hostPath: { path: file, type: "FileOrCreate" } },
        { name: "shared", hostPath: { path: path.join(c.scratch, "shared"), type: "Directory" } },
        { name: "ro", hostPath: { path: path.join(c.scratch, "shared") } },
        { name: "null", hostPath: { path: "/dev/null", type: "CharDevice" } },
      ],
      containers: [
        {
          name: "main",
          image: "busybox",
          command: [
            "sh",
            "-c",
            [
              "echo made-by-pod > /data/out",
              "echo line >> /log/app.log",
              "cat /shared/from-host",
              "echo",
              "if (echo x > /ro/nope) 2>/dev/null; then echo ro-writable; else echo ro-refused; fi",
              "[ -c /devnull ] && echo char-device",
            ].join("; "),
          ],
          volumeMounts: [
            { name: "dir", mountPath: "/data" },
            { name: "file", mountPath: "/log/app.log" },
            { name: "shared", mountPath: "/shared" },
            { name: "ro", mountPath: "/ro", readOnly: true },
            { name: "null", mountPath: "/devnull" },
          ],
        },
      ],
    },
  });
  const pod = await c.waitForPod(NS, "create", done, "finished", 30_000);
  const logs = await c.kubectl(["logs", "create", "-n", NS]);
  assert.equal(pod.status?.phase, "Succeeded", logs.stdout + logs.stderr);
  assert.equal(logs.stdout, "hello from the host\nro-refused\nchar-device\n");
  assert.equal(statSync(dir).mode & 0o777, 0o755);
  assert.equal(await readFile(path.join(dir, "out"), "utf8"), "made-by-pod\n");
  assert.equal(statSync(file).mode & 0o777, 0o644);
  assert.equal(await readFile(file, "utf8"), "line\n");
  assert.equal(existsSync(path.join(c.scratch, "shared", "nope")), false);
});

test("type checks fail the volume with the kubelet's messages; Socket and a fixed path start", async () => {
  const sock = path.join(c.scratch, "app.sock");
  socketServer = net.createServer((s) => s.end("socket says hi\n"));
  await new Promise<void>((r) => socketServer.listen(sock, r));
  const missing = path.join(c.scratch, "missing");
  await createPod(c, NS, {
    metadata: { name: "checks" },
    spec: {
      volumes: [
        { name: "not-a-file", hostPath: { path: c.scratch, type: "File" } },
        { name: "missing", hostPath: { path: missing, type: "Directory" } },
        { name: "not-block", hostPath: { path: "/dev/null", type: "BlockDevice" } },
      ],
      containers: [{ name: "main", image: "busybox", command: ["sleep", "60"] }],
    },
  });
  for (const line of [
    `FailedMount: MountVolume.SetUp failed for volume "not-a-file" : hostPath type check failed: ${c.scratch} is not a file, it's a Directory`,
    `FailedMount: MountVolume.SetUp failed for volume "missing" : hostPath ${missing} doesn't exist`,
    'FailedMount: MountVolume.SetUp failed for volume "not-block" : hostPath type check failed: /dev/null is not a block device, it\'s a CharDevice',
  ])
    await waitForEvent(c, "checks", line);
  assert.equal(existsSync(missing), false, "Directory does not create");
  assert.equal((await c.pod(NS, "checks"))?.status?.phase, "Pending");

  await createPod(c, NS, {
    metadata: { name: "socket" },
    spec: {
      restartPolicy: "Never",
      volumes: [{ name: "sock", hostPath: { path: sock, type: "Socket" } }],
      containers: [
        {
          name: "main",
          image: "busybox",
          command: [
            process.execPath,
            "-e",
            'require("node:net").connect("/run/app.sock").on("data", (d) => process.stdout.write(d))',
          ],
          volumeMounts: [{ name: "sock", mountPath: "/run/app.sock" }],
        },
      ],
    },
  });
  await c.waitForPod(NS, "socket", done, "finished", 30_000);
  assert.equal((await c.kubectl(["logs", "socket", "-n", NS])).stdout, "socket says hi\n");
});

test("a subPath of a hostPath that resolves outside it through a symlink is refused", async () => {
  const root = path.join(c.scratch, "jail");
  await mkdir(root);
  await symlink("/etc", path.join(root, "escape"));
  await createPod(c, NS, {
    metadata: { name: "escape" },
    spec: {
      volumes: [{ name: "jail", hostPath: { path: root, type: "Directory" } }],
      containers: [
        {
          name: "main",
          image: "busybox",
          command: ["cat", "/mnt/passwd"],
          volumeMounts: [{ name: "jail", mountPath: "/mnt", subPath: "escape" }],
        },
      ],
    },
  });
  const pod = await c.waitForPod(
    NS,
    "escape",
    (p) => containerState(p)?.state?.waiting?.reason === "CreateContainerConfigError",
    "CreateContainerConfigError",
    30_000,
  );
  assert.equal(
    containerState(pod)?.state?.waiting?.message,
    'subPath "escape" of volume "jail" resolves outside the volume',
  );
});
