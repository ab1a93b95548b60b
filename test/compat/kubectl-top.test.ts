// kubectl top against the real server and runtime: every kubectl from 1.27 to 1.33 finds metrics.k8s.io
// in discovery, reads PodMetrics and NodeMetrics (JSON: its protobuf-first Accept falls back to it) and
// prints its tables.
// Pods run host commands: one burns CPU, one sleeps, one holds 64 MiB it wrote to.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PodMetricsRouter } from "../../src/kubelet/index.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  createNamespace,
  createPod,
  NODE,
  type RuntimeCluster,
  startRuntimeCluster,
} from "../integration/kubelet-harness.ts";

const NS = "ktop";
const VERSIONS = ["1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"];
const kubectlOf = (v: string) => `/usr/lib/google-cloud-sdk/bin/kubectl.${v}`;
let c: RuntimeCluster;

const pod = (name: string, command: string[], labels: Record<string, string> = {}) =>
  createPod(c, NS, {
    metadata: { name, labels: { app: "top", ...labels } },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "main", image: "busybox", command }] },
  });

before(async () => {
  const metrics = new PodMetricsRouter();
  c = await startRuntimeCluster({ allowHostCommands: true, metrics, usageIntervalMs: 1000 }, { metrics });
  await createNamespace(c, NS);
  await pod("burner", ["sh", "-c", "while :; do :; done"], { load: "busy" });
  await pod("idle", ["sleep", "600"]);
  const script = await c.script(
    "hold.js",
    "const held = Buffer.alloc(64 * 1024 * 1024, 1); setInterval(() => held[0]++, 60_000);\n",
  );
  await createPod(c, NS, {
    metadata: { name: "holder", labels: { app: "top" } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [
        { name: "main", image: "busybox", command: [NODE, script] },
        { name: "side", image: "busybox", command: ["sleep", "600"] },
      ],
    },
  });
  for (const name of ["burner", "idle", "holder"])
    await c.waitForPod(NS, name, (p) => p.status?.phase === "Running", "Running", 60_000);
  // Two samples after the last container started: every Pod has a window.
  await eventually(
    async () => {
      const r = await c.kubectl(["top", "pod", "-n", NS, "--no-headers"]);
      return r.code === 0 && r.stdout.trim().split("\n").length === 3;
    },
    60_000,
    "metrics for the three Pods",
  );
});
after(() => c?.stop());

/** Rows of a kubectl table, cells split on its column gaps. */
function table(stdout: string): string[][] {
  return stdout
    .trimEnd()
    .split("\n")
    .map((l) => l.trim().split(/\s{2,}|\s+(?=\S)/));
}

const millicores = (cell: string) => Number(/^(\d+)m$/.exec(cell)?.[1] ?? Number.NaN);
const mebibytes = (cell: string) => Number(/^(\d+)Mi$/.exec(cell)?.[1] ?? Number.NaN);

async function ok(v: string, args: string[]): Promise<string> {
  const r = await c.kubectl(args, { binary: kubectlOf(v) });
  assert.equal(r.code, 0, `${v} kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

test("kubectl top pod: header and one row per Pod; the busy Pod uses more CPU, the holder its 64 MiB", async (t) => {
  for (const v of VERSIONS) {
    const out = await ok(v, ["top", "pod", "-n", NS]);
    if (v === "1.33") t.diagnostic(out);
    const lines = out.trimEnd().split("\n");
    // tabwriter: columns padded to the widest cell plus three spaces, the last one too.
    assert.equal(lines[0], "NAME     CPU(cores)   MEMORY(bytes)   ", v);
    const rows = new Map(
      table(out)
        .slice(1)
        .map((r) => [r[0], r]),
    );
    assert.deepEqual([...rows.keys()], ["burner", "holder", "idle"], v);
    for (const [, row] of rows) {
      assert.equal(row.length, 3, `${v}: ${row}`);
      assert.ok(Number.isInteger(millicores(row[1]!)), `${v}: cpu ${row[1]}`);
      assert.ok(Number.isInteger(mebibytes(row[2]!)), `${v}: memory ${row[2]}`);
    }
    const burner = millicores(rows.get("burner")![1]!);
    const idle = millicores(rows.get("idle")![1]!);
    assert.ok(burner > idle, `${v}: busy ${burner}m > idle ${idle}m`);
    assert.ok(mebibytes(rows.get("holder")![2]!) >= 64, `${v}: holder ${rows.get("holder")![2]}`);
    assert.ok(mebibytes(rows.get("idle")![2]!) < 64, `${v}: idle ${rows.get("idle")![2]}`);
  }
});

test("kubectl top pod --containers, -A, a named Pod, -l and --sort-by", async () => {
  for (const v of VERSIONS) {
    const containers = table(await ok(v, ["top", "pod", "-n", NS, "--containers"]));
    assert.deepEqual(containers[0], ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"], v);
    assert.deepEqual(
      containers
        .slice(1)
        .map((r) => `${r[0]}/${r[1]}`)
        .sort(),
      ["burner/main", "holder/main", "holder/side", "idle/main"],
      v,
    );
    const holderMain = containers.find((r) => r[0] === "holder" && r[1] === "main")!;
    const holderSide = containers.find((r) => r[0] === "holder" && r[1] === "side")!;
    assert.ok(mebibytes(holderMain[3]!) >= 64 && mebibytes(holderSide[3]!) < 64, `${v}: ${containers}`);

    const all = table(await ok(v, ["top", "pod", "-A"]));
    assert.deepEqual(all[0], ["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"], v);
    assert.deepEqual(
      all
        .slice(1)
        .filter((r) => r[0] === NS)
        .map((r) => r[1]),
      ["burner", "holder", "idle"],
      v,
    );

    const one = table(await ok(v, ["top", "pod", "-n", NS, "idle"]));
    assert.deepEqual(
      one.map((r) => r[0]),
      ["NAME", "idle"],
      v,
    );
    const selected = table(await ok(v, ["top", "pod", "-n", NS, "-l", "load=busy"]));
    assert.deepEqual(
      selected.map((r) => r[0]),
      ["NAME", "burner"],
      v,
    );

    const byMemory = table(await ok(v, ["top", "pod", "-n", NS, "--sort-by=memory", "--no-headers"]));
    assert.equal(byMemory[0]![0], "holder", `${v}: ${byMemory}`);
    const byCpu = table(await ok(v, ["top", "pod", "-n", NS, "--sort-by=cpu", "--no-headers"]));
    const cpus = byCpu.map((r) => millicores(r[1]!));
    assert.deepEqual(
      cpus,
      [...cpus].sort((a, b) => b - a),
      `${v}: ${byCpu}`,
    );
  }
});

test("kubectl top node prints the node's usage against its allocatable", async () => {
  for (const v of VERSIONS) {
    const out = await ok(v, ["top", "node"]);
    const rows = table(out);
    // kubectl 1.32 renamed the percentage columns.
    const pct = v >= "1.32" ? ["CPU(%)", "MEMORY(%)"] : ["CPU%", "MEMORY%"];
    assert.deepEqual(rows[0], ["NAME", "CPU(cores)", pct[0], "MEMORY(bytes)", pct[1]], v);
    assert.equal(rows.length, 2, `${v}: ${out}`);
    const [name, cpu, cpuPct, memory, memoryPct] = rows[1]!;
    assert.equal(name, c.runtime.nodeName, v);
    // The burner alone keeps the host's CPU busy; the holder's 64 MiB are part of the host's working set.
    assert.ok(millicores(cpu!) > 0, `${v}: cpu ${cpu}`);
    assert.match(cpuPct!, /^\d+%$/, v);
    assert.ok(mebibytes(memory!) >= 64, `${v}: memory ${memory}`);
    assert.match(memoryPct!, /^\d+%$/, v);
    const named = table(await ok(v, ["top", "node", c.runtime.nodeName]));
    assert.equal(named[1]![0], c.runtime.nodeName, v);
  }
});

test("kubectl top names a Pod without metrics as upstream does", async () => {
  const r = await c.kubectl(["top", "pod", "-n", NS, "nosuch"]);
  assert.notEqual(r.code, 0);
  assert.equal(r.stderr.trim(), 'Error from server (NotFound): pods "nosuch" not found');
});
