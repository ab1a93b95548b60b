// kubectl debug against the real server and runtime: every kubectl from 1.27 to 1.33 adds an ephemeral
// container with a strategic merge patch of pods/ephemeralcontainers, waits for it in
// status.ephemeralContainerStatuses and, with -i, attaches to it (SPDY for 1.27–1.29, websocket for 1.30+).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  createNamespace,
  createPod,
  type RuntimeCluster,
  startRuntimeCluster,
} from "../integration/kubelet-harness.ts";

const NS = "kdebug";
const VERSIONS = ["1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"];
const kubectlOf = (v: string) => `/usr/lib/google-cloud-sdk/bin/kubectl.${v}`;
let c: RuntimeCluster;

before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
  await createPod(c, NS, {
    metadata: { name: "app" },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: "main", image: "busybox", command: ["sleep", "600"] }],
    },
  });
  await c.waitForPod(NS, "app", (p) => p.status?.phase === "Running", "Running");
});
after(() => c?.stop());

const debug = (args: string[], o: { binary?: string; input?: string } = {}) =>
  c.kubectl(["debug", "-n", NS, ...args], o);

async function ephemeralDone(name: string): Promise<Pod> {
  return c.waitForPod(
    NS,
    "app",
    (p) =>
      p.status?.ephemeralContainerStatuses?.find((s) => s.name === name)?.state?.terminated !== undefined,
    `${name} terminated`,
  );
}

const logs = async (container: string) =>
  (await c.kubectl(["logs", "-n", NS, "app", "-c", container])).stdout;

test("kubectl debug POD --image --target -- CMD adds a debug container that runs next to the target", async () => {
  for (const v of VERSIONS) {
    const name = `plain-${v.replace(".", "-")}`;
    const r = await debug(
      [
        "app",
        "--image=busybox",
        "--target=main",
        `--container=${name}`,
        "--",
        "sh",
        "-c",
        "echo debugging $HOSTNAME",
      ],
      { binary: kubectlOf(v) },
    );
    assert.equal(r.code, 0, `${v}: ${r.stderr}`);
    const pod = await ephemeralDone(name);
    const spec = pod.spec?.ephemeralContainers?.find((e) => e.name === name);
    assert.equal(spec?.targetContainerName, "main", v);
    const status = pod.status?.ephemeralContainerStatuses?.find((s) => s.name === name);
    assert.equal(status?.state?.terminated?.exitCode, 0, `${v}: ${JSON.stringify(status)}`);
    assert.equal(await logs(name), "debugging app\n", v);
  }
  // Nothing but ephemeral containers changed, and the Pod's container was never restarted.
  const pod = (await c.pod(NS, "app"))!;
  assert.equal(pod.spec?.ephemeralContainers?.length, VERSIONS.length);
  assert.equal(pod.status?.containerStatuses?.[0].restartCount, 0);
  assert.equal(pod.status?.phase, "Running");
});

test("kubectl debug -i streams stdin to the debug container and its output back", async () => {
  for (const v of VERSIONS) {
    const name = `interactive-${v.replace(".", "-")}`;
    const r = await debug(
      ["-i", "app", "--image=busybox", `--container=${name}`, "--", "sh", "-c", "read line; echo got:$line"],
      { binary: kubectlOf(v), input: `hello ${v}\n` },
    );
    assert.equal(r.code, 0, `${v}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`got:hello ${v.replace(".", "\\.")}`), `${v}: ${r.stderr}`);
    await ephemeralDone(name);
  }
});

test("kubectl debug -it without a terminal on stdin falls back to -i, as on a cluster", async () => {
  const r = await debug(
    ["-it", "app", "--image=busybox", "--container=tty", "--", "sh", "-c", "read line; echo got:$line"],
    { input: "typed\n" },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Unable to use a TTY - input is not a terminal or the right kind of file/);
  assert.match(r.stdout, /got:typed/);
  const pod = await ephemeralDone("tty");
  assert.equal(pod.spec?.ephemeralContainers?.find((e) => e.name === "tty")?.tty, true);
});

test("debug profiles: general (capabilities.add SYS_PTRACE) runs a host command, restricted's runAsNonRoot is refused as the kubelet does", async () => {
  // The command prints only after reading its input: output from before the attach connects is not replayed
  // (as on a cluster, where kubectl warns "If you don't see a command prompt..."), so an immediate echo raced it.
  const general = await debug(
    [
      "-i",
      "app",
      "--image=busybox",
      "--profile=general",
      "--container=general",
      "--",
      "sh",
      "-c",
      "read line; echo ok:$line",
    ],
    { binary: kubectlOf("1.33"), input: "general\n" },
  );
  assert.equal(general.code, 0, general.stderr);
  assert.match(general.stdout, /ok:general/);
  const pod = await ephemeralDone("general");
  const spec = pod.spec?.ephemeralContainers?.find((e) => e.name === "general");
  assert.deepEqual(spec?.securityContext?.capabilities?.add, ["SYS_PTRACE"]);

  const restricted = await debug(
    ["app", "--image=busybox", "--profile=restricted", "--container=restricted", "--", "true"],
    {
      binary: kubectlOf("1.33"),
    },
  );
  assert.equal(restricted.code, 0, restricted.stderr);
  const refused = await c.waitForPod(
    NS,
    "app",
    (p) =>
      p.status?.ephemeralContainerStatuses?.find((s) => s.name === "restricted")?.state?.waiting?.reason ===
      "CreateContainerConfigError",
    "restricted refused",
  );
  const waiting = refused.status?.ephemeralContainerStatuses?.find((s) => s.name === "restricted")?.state
    ?.waiting;
  assert.match(
    waiting?.message ?? "",
    /^container has runAsNonRoot and image will run as root \(pod: "app_kdebug\(/,
  );
});

test("a debug container the image policy refuses waits in ErrImageNeverPull, as kubectl describe shows", async () => {
  // The runtime pulls nothing: an image other than incluster's (or a base image's shell) runs only with a command.
  const r = await debug(["app", "--image=nginx:1.27", "--container=nocommand"]);
  assert.equal(r.code, 0, r.stderr);
  await c.waitForPod(
    NS,
    "app",
    (p) =>
      p.status?.ephemeralContainerStatuses?.find((s) => s.name === "nocommand")?.state?.waiting?.reason ===
      "ErrImageNeverPull",
    "nocommand waiting",
  );
  const described = await c.kubectl(["describe", "pod", "-n", NS, "app"]);
  assert.equal(described.code, 0, described.stderr);
  assert.match(
    described.stdout,
    /Ephemeral Containers:\n(.*\n)* {2}nocommand:\n(.*\n)*? {4}State: +Waiting\n +Reason: +ErrImageNeverPull\n/,
  );
});

test("RBAC: kubectl debug needs patch on pods/ephemeralcontainers", async () => {
  const role = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "debugger", namespace: NS },
    rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
  };
  const binding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "debugger", namespace: NS },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "debugger" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" }],
  };
  assert.equal(
    (await c.admin("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, role)).status,
    201,
  );
  assert.equal(
    (await c.admin("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, binding))
      .status,
    201,
  );
  const args = ["app", "--as=alice", "--image=busybox", "--container=rbac", "--", "true"];
  const refused = await debug(args);
  assert.notEqual(refused.code, 0);
  assert.match(
    refused.stderr,
    /pods "app" is forbidden: User "alice" cannot patch resource "pods\/ephemeralcontainers" in API group "" in the namespace "kdebug"/,
  );

  role.rules.push({ apiGroups: [""], resources: ["pods/ephemeralcontainers"], verbs: ["patch"] });
  const updated = await c.admin(
    "PUT",
    `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles/debugger`,
    role,
  );
  assert.equal(updated.status, 200, updated.text);
  await eventually(async () => (await debug(args)).code === 0, 5000, "alice may debug");
  await ephemeralDone("rbac");
});
