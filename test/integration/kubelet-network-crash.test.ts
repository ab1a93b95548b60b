// Pod networks survive no crash of the runtime: after SIGKILL of `incluster cluster up` and a restart on the
// same data dir, the node network holds exactly one namespace, one veth and one host-local lease per Pod
// (the crashed run's were DELeted and removed first); deleting the Pods frees all of them, and a clean
// shutdown removes the bridge and every chain of this network.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { CLAIMS_DIR, namesFor } from "../../src/kubelet/network/claim.ts";
import { listNetns, run } from "../../src/kubelet/network/host.ts";
import { eventually } from "../helpers/cluster.ts";
import { clusterUp, dataDirKubectl, NODE, networkSkipReason, stablePort } from "./kubelet-harness.ts";

let dataDir: string;
let up: ChildProcess | undefined;
const port = stablePort();

after(async () => {
  if (up?.exitCode === null) {
    up.kill("SIGTERM");
    await new Promise((r) => up?.once("exit", r));
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const kubectl = (args: string[], input?: string) => dataDirKubectl(dataDir, args, input);

/** The node network this data dir's runtime claimed. */
async function ourNetwork() {
  const runtimeDir = path.join(dataDir, "kubelet");
  for (const file of await readdir(CLAIMS_DIR)) {
    if (!/^\d+$/.test(file)) continue;
    if ((await readFile(path.join(CLAIMS_DIR, file), "utf8")).trim() === runtimeDir)
      return { ...namesFor(Number(file)), ipam: path.join(runtimeDir, "network", "ipam") };
  }
  throw new Error(`no node network claimed for ${runtimeDir}`);
}

async function holdings(n: Awaited<ReturnType<typeof ourNetwork>>) {
  const leases = await readdir(path.join(n.ipam, n.network)).catch(() => [] as string[]);
  const veths = await readdir(`/sys/class/net/${n.bridge}/brif`).catch(() => [] as string[]);
  const nat = (await run(["iptables-save", "-t", "nat"])).stdout;
  const filter = (await run(["iptables-save", "-t", "filter"])).stdout;
  const policyChain = `${n.chainPrefix.replace(/^INCL/, "INCLNP")}POLICY`;
  return {
    netns: listNetns(n.netnsPrefix).length,
    veths: veths.length,
    leases: leases.filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)).length,
    masquerades: nat
      .split("\n")
      .filter((l) => l.startsWith("-A POSTROUTING") && l.includes(`name: \\"${n.network}\\"`)).length,
    jumps: nat
      .split("\n")
      .filter((l) => l.startsWith("-A PREROUTING") && l.includes(`${n.chainPrefix}SERVICES`)).length,
    // NetworkPolicy's jumps, from FORWARD and INPUT: once each, across a crash too.
    policyJumps: filter.split("\n").filter((l) => /^-A (FORWARD|INPUT) /.test(l) && l.includes(policyChain))
      .length,
  };
}

const pods = (script: string) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "List",
    items: ["one", "two"].map((name) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name },
      spec: {
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: "main", image: "x", command: [NODE, "-e", script] }],
      },
    })),
  });

test("after SIGKILL and a restart, one namespace, veth and lease per Pod; none after deletion and stop", {
  skip: await networkSkipReason(),
}, async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "incluster-netcrash-"));
  up = await clusterUp(dataDir, port);
  await kubectl(
    ["apply", "-f", "-"],
    pods("require('node:http').createServer((q, s) => s.end('up')).listen(9090)"),
  );
  const bothRunning = async () => {
    const out = await kubectl(["get", "pods", "-o", "jsonpath={.items[*].status.phase}"]);
    return out === "Running Running" || undefined;
  };
  await eventually(bothRunning, 30_000, "both Pods Running");
  const n = await ourNetwork();
  const ONE_EACH = { netns: 2, veths: 2, leases: 2, masquerades: 2, jumps: 1, policyJumps: 2 };
  assert.deepEqual(await holdings(n), ONE_EACH);

  up.kill("SIGKILL");
  await new Promise((r) => up?.once("exit", r));
  assert.equal((await holdings(n)).netns, 2, "a crash leaves the namespaces behind");

  up = await clusterUp(dataDir, port);
  await eventually(bothRunning, 30_000, "both Pods Running again");
  assert.deepEqual(await ourNetwork().then((x) => x.index), n.index, "the data dir keeps its node network");
  await eventually(
    async () => JSON.stringify(await holdings(n)) === JSON.stringify(ONE_EACH) || undefined,
    10_000,
    "one of each per Pod",
  ).catch(async (error: Error) => {
    throw new Error(`${error.message}: ${JSON.stringify(await holdings(n))}`);
  });
  const ips = (await kubectl(["get", "pods", "-o", "jsonpath={.items[*].status.podIP}"])).split(" ");
  for (const ip of ips) {
    // Running says the process started, not that it listens yet: wait for the answer.
    const answer = await eventually(
      () =>
        fetch(`http://${ip}:9090/`).then(
          (r) => r.text(),
          () => undefined,
        ),
      30_000,
      `the server at ${ip}:9090`,
    );
    assert.equal(answer, "up");
  }

  await kubectl(["delete", "pods", "--all", "--wait=true"]);
  assert.deepEqual(await holdings(n), {
    netns: 0,
    veths: 0,
    leases: 0,
    masquerades: 0,
    jumps: 1,
    policyJumps: 2,
  });

  up.kill("SIGTERM");
  await new Promise((r) => up?.once("exit", r));
  assert.ok(!existsSync(`/sys/class/net/${n.bridge}`), "the bridge is removed at shutdown");
  for (const table of ["nat", "filter"]) {
    const dump = (await run(["iptables-save", "-t", table])).stdout;
    for (const prefix of [n.chainPrefix, n.chainPrefix.replace(/^INCL/, "INCLNP")])
      assert.ok(!dump.includes(prefix), `no ${prefix} chain left in ${table}`);
  }
  assert.ok(!existsSync(path.join(CLAIMS_DIR, String(n.index))), "the claim is released");
});
