import assert from "node:assert/strict";
import { test } from "node:test";
import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import { podConditions, SECURITY_CONTEXT_CONDITION } from "../../../src/kubelet/pod-status.ts";
import { INCLUSTER_IMAGE_USER, planSecurity } from "../../../src/kubelet/security-context.ts";

const pod = (spec: Partial<Pod["spec"]> = {}): Pod => ({
  metadata: { name: "p", namespace: "ns", uid: "u-1" },
  spec: { containers: [], ...spec },
});
const container = (securityContext?: Container["securityContext"]): Container => ({
  name: "c",
  image: "ghcr.io/incluster/incluster",
  securityContext,
});
const plan = (p: Pod, c: Container, more: { sandboxed?: boolean; allowHostCommands?: boolean } = {}) =>
  planSecurity({
    pod: p,
    container: c,
    image: INCLUSTER_IMAGE_USER,
    sandboxed: more.sandboxed ?? true,
    allowHostCommands: more.allowHostCommands ?? false,
  });

test("the image's user by default; the container's runAsUser/runAsGroup over the Pod's", () => {
  assert.deepEqual(plan(pod(), container()), {
    ok: true,
    uid: 65532,
    gid: 65532,
    readOnlyRootFilesystem: false,
    notApplied: [],
  });
  const p = pod({ securityContext: { runAsUser: 1000, runAsGroup: 2000 } });
  assert.equal((plan(p, container()) as { uid: number }).uid, 1000);
  const own = plan(p, container({ runAsUser: 3000 })) as { uid: number; gid: number };
  assert.deepEqual([own.uid, own.gid], [3000, 2000]);
  // containerd: runAsUser without a group in the image's passwd runs with group 0
  const bare = plan(pod(), container({ runAsUser: 4000 })) as { gid: number };
  assert.equal(bare.gid, 0);
});

test("runAsNonRoot is checked with the kubelet's messages", () => {
  assert.deepEqual(plan(pod({ securityContext: { runAsNonRoot: true, runAsUser: 0 } }), container()), {
    ok: false,
    message: `container's runAsUser breaks non-root policy (pod: "p_ns(u-1)", container: c)`,
  });
  const rootImage = planSecurity({
    pod: pod({ securityContext: { runAsNonRoot: true } }),
    container: container(),
    image: { uid: 0, gid: 0 },
    sandboxed: false,
    allowHostCommands: true,
  });
  assert.deepEqual(rootImage, {
    ok: false,
    message: `container has runAsNonRoot and image will run as root (pod: "p_ns(u-1)", container: c)`,
  });
  assert.equal(plan(pod({ securityContext: { runAsNonRoot: true } }), container()).ok, true);
});

test("root, privileged and added capabilities are refused unless host commands are allowed", () => {
  assert.match(
    (plan(pod(), container({ runAsUser: 0 })) as { message: string }).message,
    /--allow-host-commands/,
  );
  assert.match((plan(pod(), container({ privileged: true })) as { message: string }).message, /privileged/);
  assert.match(
    (plan(pod(), container({ capabilities: { add: ["NET_ADMIN"] } })) as { message: string }).message,
    /NET_ADMIN/,
  );
  assert.equal(plan(pod(), container({ runAsUser: 0 }), { allowHostCommands: true }).ok, true);
});

test("fields that cannot be applied are listed and become a Pod condition", () => {
  const p = pod({ securityContext: { seccompProfile: { type: "RuntimeDefault" }, fsGroup: 2000 } });
  const sandboxed = plan(p, container({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }));
  assert.deepEqual(sandboxed, {
    ok: true,
    uid: 65532,
    gid: 65532,
    readOnlyRootFilesystem: true,
    notApplied: ["seccompProfile (pod)", "fsGroup (pod)"],
  });
  const host = plan(p, container({ readOnlyRootFilesystem: true }), {
    sandboxed: false,
    allowHostCommands: true,
  });
  assert.deepEqual((host as { notApplied: string[] }).notApplied, [
    "seccompProfile (pod)",
    "fsGroup (pod)",
    "readOnlyRootFilesystem",
  ]);
  const conditions = podConditions({
    pod: p,
    phase: "Running",
    sandboxReady: true,
    initStatuses: [],
    statuses: [],
    now: new Date(),
    securityNotApplied: new Map([["c", ["seccompProfile (pod)", "fsGroup (pod)"]]]),
  });
  const condition = conditions.find((c) => c.type === SECURITY_CONTEXT_CONDITION);
  assert.equal(condition?.status, "False");
  assert.equal(condition?.message, "container c: seccompProfile (pod), fsGroup (pod)");
});
