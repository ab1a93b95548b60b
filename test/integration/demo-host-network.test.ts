// The demo's story in the host-network mode (network: false, as without root or off Linux): the two
// leader-elected pod-counters share the host's ports, each binding 9090 on its own loopback Pod IP
// (deploy/overlays/leader-elect's --metrics-address=$(POD_IP)), and the endpoints watcher's --probe
// reaches both at those addresses.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { runDemoStory } from "../../src/apps/demo/story.ts";
import { createClient, type KubeClient } from "../../src/client/index.ts";
import { eventually } from "../helpers/cluster.ts";
import { type RuntimeCluster, startRuntimeCluster } from "./kubelet-harness.ts";

let c: RuntimeCluster;
let client: KubeClient;
before(async () => {
  c = await startRuntimeCluster({ network: false });
  client = await createClient({ kubeconfig: c.kubeconfigPath });
});
after(async () => {
  client.close();
  await c.stop();
});

test("two pod-counters on loopback Pod IPs: one counts, one stands by, the watcher's probe reaches both", async () => {
  const lines: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  const stop = new AbortController();
  const logs = new AbortController();
  let counterIPs: string[] = [];
  const story = runDemoStory(client, {
    out,
    signal: stop.signal,
    logsSignal: logs.signal,
    introduce: (facts) => {
      counterIPs = facts.counters.map((pod) => pod.status?.podIP ?? "");
    },
  });
  try {
    const probed = await eventually(
      async () => lines.find((line) => /^\[pod\/endpoints-watcher-\S+\] \{.*"ready":2/.test(line)),
      60_000,
      "the watcher to probe two ready pod-counters",
    );
    assert.equal(counterIPs.length, 2);
    for (const ip of counterIPs) assert.match(ip, /^127\./, "host-network Pod IPs are loopback addresses");
    const record = JSON.parse(probed.slice(probed.indexOf("{")));
    assert.deepEqual([...record.addresses].sort(), [...counterIPs].sort());
    assert.equal(record.probe.answered, 2, probed);
    await eventually(async () => lines.some((l) => / INFO {2}standing by: /.test(l)), 20_000, "a standby");
    // Only the leader counts: every count line comes from one Pod.
    const counting = new Set(lines.filter((l) => / There are \d+ pods/.test(l)).map((l) => l.split("]")[0]));
    assert.equal(counting.size, 1, [...counting].join(", "));
  } finally {
    stop.abort();
    logs.abort();
    await story.catch(() => undefined);
  }
});
