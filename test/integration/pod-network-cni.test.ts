// PodNetworks against the real CNI plugins, without a cluster: ADD gives an address of the node's Pod
// CIDR inside a new namespace (eth0 + lo up), CHECK passes against the recorded result and fails once the
// interface is gone, DEL and stop leave no namespace, lease, record or bridge.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import pino from "pino";
import { listNetns, run } from "../../src/kubelet/network/host.ts";
import { PodNetworks } from "../../src/kubelet/network/pod-network.ts";
import { networkSkipReason } from "./kubelet-harness.ts";

let dataDir: string | undefined;
let networks: PodNetworks | undefined;
after(async () => {
  await networks?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const pod = (uid: string): Pod => ({
  metadata: { namespace: "ns", name: `p-${uid}`, uid },
  spec: { containers: [] },
});

test("ADD, CHECK and DEL through the reference plugins", { skip: await networkSkipReason() }, async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "incluster-podnet-"));
  networks = await PodNetworks.start({ dataDir, podCIDR: undefined, log: pino({ level: "silent" }) });
  const { netnsPrefix, subnet, bridge, network } = networks.names;
  const uid = `uid-${process.pid}`;
  const sandbox = await networks.setUp(pod(uid));
  assert.equal(sandbox.netns, `/run/netns/${netnsPrefix}${uid}`);
  assert.equal(sandbox.podIPs.length, 1);
  assert.equal(sandbox.podIPs[0].split(".").slice(0, 3).join("."), subnet.split(".").slice(0, 3).join("."));
  assert.equal(networks.gateway, subnet.replace(/0\/24$/, "1"));
  const inside = await run(["ip", "-netns", `${netnsPrefix}${uid}`, "-o", "-4", "addr"]);
  assert.match(inside.stdout, new RegExp(`eth0\\s+inet ${sandbox.podIPs[0].replaceAll(".", "\\.")}/24`));
  assert.match(inside.stdout, /lo\s+inet 127\.0\.0\.1\/8/, "loopback is up");

  await networks.check(uid);
  await run(["ip", "-netns", `${netnsPrefix}${uid}`, "link", "delete", "eth0"]);
  await assert.rejects(networks.check(uid), /CNI plugin bridge CHECK failed/);

  await networks.tearDown(uid);
  // The bridge plugin's DEL found no interface to un-masquerade; the sweep by comment removed its rules.
  const nat = (await run(["iptables-save", "-t", "nat"])).stdout;
  assert.ok(!nat.includes(`id: \\"${uid}\\"`), "no NAT rule of the Pod is left");
  assert.deepEqual(listNetns(`${netnsPrefix}${uid}`), []);
  assert.deepEqual(await readdir(path.join(dataDir, "network", "pods")), []);
  const leases = await readdir(path.join(dataDir, "network", "ipam", network));
  assert.deepEqual(
    leases.filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)),
    [],
  );
  await networks.stop();
  networks = undefined;
  assert.ok(!existsSync(`/sys/class/net/${bridge}`));
});
