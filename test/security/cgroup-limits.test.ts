// Resource limits the API server accepts but the kernel refuses (a cpu limit of a billion cores: a CFS
// quota past the kernel's maximum): the container does not start, and its status says which cgroup file
// refused which value, rather than a bare errno.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { detectCgroups } from "../../src/kubelet/cgroups.ts";
import {
  containerState,
  createNamespace,
  createPod,
  NODE,
  type RuntimeCluster,
  startRuntimeCluster,
} from "../integration/kubelet-harness.ts";

async function cgroupSkipReason(): Promise<string | false> {
  if (process.getuid?.() !== 0) throw new Error("the cgroup tests run as root (CI is root)");
  const found = await detectCgroups();
  await found.manager?.removeAll();
  return found.manager ? false : `this host gives no usable cgroups: ${found.detail}`;
}
const skip = await cgroupSkipReason();

let c: RuntimeCluster;
before(async () => {
  if (skip) return;
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, "huge-limits");
});
after(() => c?.stop());

test("a cpu limit past the kernel's CFS maximum: the container waits with the file and value named", {
  skip,
}, async () => {
  await createPod(c, "huge-limits", {
    metadata: { name: "huge" },
    spec: {
      containers: [
        {
          name: "c",
          image: "c",
          command: [NODE, "-e", "setInterval(() => {}, 1000)"],
          resources: { limits: { cpu: "1G", memory: "64Mi" } },
        },
      ],
    },
  });
  const pod = await c.waitForPod(
    "huge-limits",
    "huge",
    (p) => containerState(p)?.state?.waiting?.message !== undefined,
    "a waiting message",
    60_000,
  );
  const message = containerState(pod)?.state?.waiting?.message ?? "";
  assert.match(
    message,
    /cannot create the container's cgroup: cannot write "\d+( 100000)?" to \S*(cpu\.cfs_quota_us|cpu\.max)/,
  );
  assert.match(message, /invalid argument/);
});
