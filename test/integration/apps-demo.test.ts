// `incluster demo` (`npm start`): a local cluster, seeded Pods, deploy/base applied, the pod-counter's log
// streamed; Ctrl-C stops it all with exit 0, the pod-counter's own graceful stop included.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { Deployment } from "kubernetes-types/apps/v1.d.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { createClient } from "../../src/client/index.ts";
import { eventually } from "../helpers/cluster.ts";
import { runCli } from "./apps-harness.ts";

const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

test("npm start: introduces the cluster, streams the pod-counter's count, stops cleanly on Ctrl-C", async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "incluster-demo-"));
  dirs.push(dataDir);
  const demo = runCli(["demo", "--api-port", "0", "--data-dir", dataDir]);
  try {
    await demo.line(
      "stdout",
      /^incluster demo: a local Kubernetes API server at https:\/\/127\.0\.0\.1:\d+ and a pod runtime/,
      30_000,
    );
    assert.ok(demo.stdout.includes("  deployment.apps/pod-counter serverside-applied"));
    assert.ok(demo.stdout.includes(`  export KUBECONFIG=${path.join(dataDir, "kubeconfig")}`));
    // 6 seeded Pods + the pod-counter itself, counted from inside its Pod.
    await demo.line("stdout", /^\d{4}-\d\d-\d\dT\S+ There are 7 pods in the cluster$/, 20_000);

    const client = await createClient({ kubeconfig: path.join(dataDir, "kubeconfig") });
    try {
      const deployment = await client
        .resource<Deployment>("apps/v1/deployments")
        .get("pod-counter", { namespace: "incluster" });
      assert.equal(deployment.spec?.template.spec?.serviceAccountName, "pod-counter");
      const [pod] = (await client.resource<Pod>("pods").list({ namespace: "incluster" })).items;
      assert.equal(pod.spec?.serviceAccountName, "pod-counter");
      await eventually(
        async () => {
          const current = await client
            .resource<Pod>("pods")
            .get(pod.metadata!.name!, { namespace: "incluster" });
          return current.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
        },
        15_000,
        "the pod-counter's readiness probe (/readyz) to pass",
      );
    } finally {
      client.close();
    }
  } finally {
    demo.kill("SIGINT");
  }
  assert.equal(await demo.exited, 0, demo.stderr.join("\n"));
  const stopping = demo.stdout.findIndex((l) => l.startsWith("Stopping:"));
  assert.ok(stopping > 0);
  assert.ok(
    demo.stdout.slice(stopping).some((l) => /INFO {2}stopped \(SIGTERM\)$/.test(l)),
    demo.stdout.join("\n"),
  );
});
