// Without --allow-host-commands nothing of this session's host features is reachable: kubectl debug node/
// (busybox, / as a hostPath) gets neither a host shell nor the host's files, an image whose CMD is a shell
// (busybox) is refused in a workload's Pod template and as an ephemeral container, and a hostPath volume
// stops a sandboxed container from starting.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  createNamespace,
  createPod,
  type RuntimeCluster,
  sandboxSkipReason,
  startRuntimeCluster,
} from "../integration/kubelet-harness.ts";

const NS = "no-host";
const KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.33";
const skip = await sandboxSkipReason();
let c: RuntimeCluster;

before(async () => {
  if (skip) return;
  c = await startRuntimeCluster({ allowHostCommands: false });
  await createNamespace(c, NS);
});
after(() => c?.stop());

/** Waits until container `name` (any kind) of the Pod is waiting with a message, and never ran. */
async function refusedContainer(pod: string, name: string): Promise<string> {
  const p = await c.waitForPod(
    NS,
    pod,
    (x) => statusOf(x, name)?.state?.waiting?.message !== undefined,
    `${name} waiting with a message`,
    60_000,
  );
  const status = statusOf(p, name);
  assert.equal(status?.restartCount ?? 0, 0);
  assert.equal(status?.lastState?.terminated, undefined);
  return `${status?.state?.waiting?.reason}: ${status?.state?.waiting?.message}`;
}

/** Waits for an event about `pod` matching `pattern`, the Pod still Pending and no container running. */
async function refusedPod(pod: string, pattern: RegExp): Promise<void> {
  await eventually(
    async () => {
      const p = await c.pod(NS, pod);
      const events = await c.admin(
        "GET",
        `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name%3D${pod}`,
      );
      const texts = (events.json.items as { message?: string }[]).map((e) => e.message ?? "");
      return p?.status?.phase === "Pending" && texts.some((t) => pattern.test(t));
    },
    60_000,
    `${pod}: an event matching ${pattern}, the Pod Pending`,
  );
  const statuses = (await c.pod(NS, pod))?.status?.containerStatuses ?? [];
  assert.ok(statuses.every((s) => !s.state?.running && !s.state?.terminated && !s.lastState?.terminated));
}

const statusOf = (p: Pod, name: string) =>
  [...(p.status?.containerStatuses ?? []), ...(p.status?.ephemeralContainerStatuses ?? [])].find(
    (s) => s.name === name,
  );

test("kubectl debug node/NAME --image=busybox: no host shell", { skip }, async () => {
  const r = await c.kubectl(["debug", "-n", NS, `node/${c.runtime.nodeName}`, "--image=busybox"], {
    binary: KUBECTL,
  });
  assert.equal(r.code, 0, r.stderr);
  const name = /Creating debugging pod (\S+)/.exec(r.stdout)?.[1];
  assert.ok(name, r.stdout);
  // Its / hostPath is refused first (the Pod never gets to its container), and busybox would be too.
  await refusedPod(name, /hostPath volumes are refused.*--allow-host-commands/);
});

test("the incluster image with / as a hostPath (as kubectl debug node/ mounts it) does not start", {
  skip,
}, async () => {
  await createPod(c, NS, {
    metadata: { name: "host-root" },
    spec: {
      restartPolicy: "Never",
      volumes: [{ name: "host-root", hostPath: { path: "/", type: "" } }],
      containers: [
        {
          name: "main",
          image: "ghcr.io/incluster/incluster",
          volumeMounts: [{ name: "host-root", mountPath: "/host" }],
        },
      ],
    },
  });
  await refusedPod("host-root", /hostPath volumes are refused.*--allow-host-commands/);
});

test("a Deployment's template and an ephemeral container with busybox's default shell are refused", {
  skip,
}, async () => {
  const dep = await c.admin("POST", `/apis/apps/v1/namespaces/${NS}/deployments`, {
    metadata: { name: "shell" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "shell" } },
      template: {
        metadata: { labels: { app: "shell" } },
        spec: { containers: [{ name: "sh", image: "docker.io/library/busybox:1.36", stdin: true }] },
      },
    },
  });
  assert.equal(dep.status, 201, dep.text);
  const pod = await eventually(
    async () => {
      const list = await c.admin("GET", `/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dshell`);
      return list.json.items?.[0]?.metadata?.name as string | undefined;
    },
    60_000,
    "the Deployment's Pod",
  );
  assert.match(await refusedContainer(pod, "sh"), /^ErrImageNeverPull: /);

  // A running sandboxed Pod, then kubectl debug's ephemeral container with busybox (no command).
  await createPod(c, NS, {
    metadata: { name: "app" },
    spec: { containers: [{ name: "main", image: "ghcr.io/incluster/incluster", args: ["version"] }] },
  });
  const r = await c.kubectl(["debug", "-n", NS, "app", "--image=busybox", "-c", "dbg"], { binary: KUBECTL });
  assert.equal(r.code, 0, r.stderr);
  assert.match(await refusedContainer("app", "dbg"), /^ErrImageNeverPull: /);
});
