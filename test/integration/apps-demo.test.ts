// `incluster demo` (`npm start`): a local cluster, seeded Pods, deploy/overlays/discovery applied (two
// leader-elected pod-counters, the endpoints watcher probing each), their logs streamed with a Pod prefix;
// Ctrl-C stops it all with exit 0, the Pods' own graceful stop included.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { Deployment } from "kubernetes-types/apps/v1.d.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { createClient } from "../../src/client/index.ts";
import { detectPodNetwork } from "../../src/kubelet/network/pod-network.ts";
import { eventually } from "../helpers/cluster.ts";
import { runCli } from "./apps-harness.ts";

const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

test("npm start: introduces the cluster, two leader-elected pod-counters, the watcher probing each, stops cleanly on Ctrl-C", async () => {
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
    // 6 seeded Pods + the two pod-counters + the watcher, counted from inside the leader's Pod.
    const counted = await demo.line(
      "stdout",
      /^\[pod\/pod-counter-\S+\/pod-counter\] \d{4}-\d\d-\d\dT\S+ There are 9 pods in the cluster$/,
      30_000,
    );
    const leader = /^\[pod\/(\S+)\//.exec(counted)![1];
    // The other replica stands by.
    await demo.line("stdout", /^\[pod\/pod-counter-\S+\/pod-counter\] \S+ INFO {2}standing by: /, 20_000);
    // The watcher GETs /metrics of both replicas at their Pod IPs once both are ready.
    const probed = await demo.line("stdout", /^\[pod\/endpoints-watcher-\S+\] \{.*"ready":2/, 30_000);
    const record = JSON.parse(probed.slice(probed.indexOf("{")));
    assert.equal(record.probe.answered, 2, probed);
    assert.deepEqual(
      record.probe.results.map((r: { detail: string }) => r.detail),
      ["HTTP 200", "HTTP 200"],
    );

    const client = await createClient({ kubeconfig: path.join(dataDir, "kubeconfig") });
    try {
      const deployment = await client
        .resource<Deployment>("apps/v1/deployments")
        .get("pod-counter", { namespace: "incluster" });
      assert.equal(deployment.spec?.template.spec?.serviceAccountName, "pod-counter");
      assert.equal(deployment.spec?.replicas, 2);
      const pods = await client
        .resource<Pod>("pods")
        .list({ namespace: "incluster", labelSelector: "app.kubernetes.io/name=pod-counter" });
      assert.equal(pods.items.length, 2);
      const pod = pods.items.find((p) => p.metadata?.name === leader)!;
      assert.equal(pod.spec?.serviceAccountName, "pod-counter");
      assert.deepEqual(
        new Set(record.addresses),
        new Set(pods.items.map((p) => p.status?.podIP)),
        "the probed addresses are the pod-counters' Pod IPs",
      );
      // As root with the CNI plugins (CI), the demo's Pods have their own network namespaces: real Pod IPs
      // on the bridge, not loopback ones (demo-host-network.test.ts covers the other mode).
      const podNetwork = process.getuid?.() === 0 && (await detectPodNetwork()).available;
      for (const address of record.addresses as string[])
        assert.equal(/^127\./.test(address), !podNetwork, `${address} (Pod network: ${podNetwork})`);
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
    demo.stdout.slice(stopping).filter((l) => /INFO {2}stopped \(SIGTERM\)$/.test(l)).length === 3,
    demo.stdout.join("\n"),
  );
});
