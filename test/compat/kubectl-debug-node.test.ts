// `kubectl debug node/NAME` against the real server and runtime (host commands allowed): every kubectl from
// 1.27 to 1.33 creates a Pod bound to the node with the host's namespaces and `/` at /host (a hostPath),
// waits for it and attaches; the busybox image's shell runs on this host and reads the typed commands.
// The profiles (kubectl pkg/cmd/debug/profiles.go) shape the Pod; restricted's runAsNonRoot is refused.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { createNamespace, type RuntimeCluster, startRuntimeCluster } from "../integration/kubelet-harness.ts";

const NS = "node-debug";
const VERSIONS = ["1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"];
const kubectlOf = (v: string) => `/usr/lib/google-cloud-sdk/bin/kubectl.${v}`;
let c: RuntimeCluster;
let marker: string;
let secret: string;

before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
  secret = randomBytes(8).toString("hex");
  marker = path.join(c.scratch, "on-the-host");
  await writeFile(marker, `host file ${secret}\n`);
});
after(() => c?.stop());

/** The commands typed into the debug shell: they print only once read, after the attach connected. */
const typed = () => `echo node-$((6*7)); cat /host${marker}; exit\n`;

const debugPodName = (stdout: string) => {
  const name = /Creating debugging pod (\S+) with container debugger on node (\S+)\./.exec(stdout);
  assert.ok(name, stdout);
  assert.equal(name[2], c.runtime.nodeName);
  return name[1];
};

async function finishedPod(name: string): Promise<Pod> {
  return c.waitForPod(
    NS,
    name,
    (p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed",
    "finished",
    30_000,
  );
}

test("kubectl debug node/NAME -it --image=busybox: a shell on this host with / at /host (1.27–1.33)", async () => {
  for (const v of VERSIONS) {
    const r = await c.kubectl(["debug", "-n", NS, `node/${c.runtime.nodeName}`, "-it", "--image=busybox"], {
      binary: kubectlOf(v),
      input: typed(),
    });
    assert.equal(r.code, 0, `${v}: ${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /node-42/, `${v}: ${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`host file ${secret}`), `${v}: ${r.stdout}\n${r.stderr}`);
    const pod = await finishedPod(debugPodName(r.stdout));
    assert.equal(pod.status?.phase, "Succeeded", v);
    assert.equal(pod.spec?.nodeName, c.runtime.nodeName);
    assert.deepEqual(
      [pod.spec?.hostNetwork, pod.spec?.hostPID, pod.spec?.hostIPC, pod.spec?.restartPolicy],
      [true, true, true, "Never"],
      v,
    );
    // (The ServiceAccount admission adds its projected volume after kubectl's.)
    assert.deepEqual(pod.spec?.volumes?.[0], { name: "host-root", hostPath: { path: "/", type: "" } }, v);
    const container = pod.spec?.containers[0];
    assert.deepEqual(
      [
        container?.name,
        container?.image,
        container?.stdin,
        container?.tty,
        container?.volumeMounts?.[0]?.mountPath,
      ],
      ["debugger", "busybox", true, true, "/host"],
      v,
    );
  }
});

test("profiles: general and sysadmin get /host and the host's namespaces, baseline neither, restricted is refused", async () => {
  const run = (profile: string, interactive: boolean) =>
    c.kubectl(
      [
        "debug",
        "-n",
        NS,
        `node/${c.runtime.nodeName}`,
        "--image=busybox",
        `--profile=${profile}`,
        ...(interactive ? ["-i"] : []),
      ],
      { binary: kubectlOf("1.33"), ...(interactive ? { input: typed() } : {}) },
    );

  for (const profile of ["general", "sysadmin"]) {
    const r = await run(profile, true);
    assert.equal(r.code, 0, `${profile}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`host file ${secret}`), profile);
    const pod = await finishedPod(debugPodName(r.stdout));
    assert.equal(pod.status?.phase, "Succeeded", profile);
    assert.equal(pod.spec?.volumes?.[0]?.hostPath?.path, "/", profile);
    assert.equal(pod.spec?.hostPID, true, profile);
    assert.equal(pod.spec?.containers[0].securityContext?.privileged, profile === "sysadmin" || undefined);
  }

  const baseline = await run("baseline", true);
  assert.equal(baseline.code, 0, baseline.stderr);
  assert.match(baseline.stdout, /node-42/);
  const plain = await finishedPod(debugPodName(baseline.stdout));
  assert.equal(
    plain.spec?.volumes?.some((volume) => volume.hostPath),
    false,
  );
  assert.equal(plain.spec?.hostPID, undefined);

  const restricted = await run("restricted", false);
  assert.equal(restricted.code, 0, restricted.stderr);
  const refused = await c.waitForPod(
    NS,
    debugPodName(restricted.stdout),
    (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError",
    "refused",
    30_000,
  );
  assert.match(
    refused.status?.containerStatuses?.[0]?.state?.waiting?.message ?? "",
    /^container has runAsNonRoot and image will run as root \(pod: "node-debugger-/,
  );
});

test("kubectl run -i --image=busybox gets busybox's shell as well (no command given)", async () => {
  const r = await c.kubectl(["run", "shell", "-n", NS, "-i", "--image=busybox", "--restart=Never"], {
    binary: kubectlOf("1.33"),
    input: "echo run-$((2*3))\nexit\n",
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /run-6/);
  const pod = await finishedPod("shell");
  assert.equal(pod.spec?.containers[0].command, undefined);
  assert.equal(pod.status?.phase, "Succeeded");
});
