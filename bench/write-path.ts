// The server's CPU per write, one write kind at a time (what bench/server.ts reports for seeding): POST of a
// realistic Pod, PUT of its /status (what a kubelet does), and a strategic-merge PATCH of a label. Server CPU
// time (user + system) per write survives a busy machine better than wall time. With --profile DIR, each
// phase is also CPU-profiled into DIR/<phase>.cpuprofile and its top functions by self time are printed.
// Run: node_modules/.bin/node bench/write-path.ts [--pods 3000] [--rounds 1] [--profile DIR]
import { readFile } from "node:fs/promises";
import path from "node:path";
import { adminClient, startServerProcess } from "./lib/cluster.ts";
import { numberFlag, stringFlag } from "./lib/flags.ts";
import { NAMESPACES, namespaceOf, realisticPod } from "./lib/pods.ts";

const PODS = numberFlag("--pods", 3000);
const ROUNDS = numberFlag("--rounds", 1);
const PROFILE = stringFlag("--profile", "");
const CONCURRENCY = 32;

/** Runs fn(0 … count-1) with `concurrency` calls in flight. */
async function pool(count: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

function topFunctions(file: string, count = 25): Promise<string[]> {
  return readFile(file, "utf8").then((text) => {
    const profile = JSON.parse(text) as {
      nodes: { callFrame: { functionName: string; url: string; lineNumber: number }; hitCount: number }[];
    };
    const self = new Map<string, number>();
    let total = 0;
    for (const n of profile.nodes) {
      const f = n.callFrame;
      const key = `${f.functionName || "(anonymous)"} ${f.url.replace(/.*\/(src|node_modules)\//, "$1/")}:${f.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + n.hitCount);
      total += n.hitCount;
    }
    return [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  });
}

const server = await startServerProcess({});
try {
  const admin = await adminClient(server);
  for (let n = 0; n < NAMESPACES; n++)
    await admin.resource("namespaces").create({ metadata: { name: namespaceOf(n) } });
  // Pods need their namespace's "default" ServiceAccount, which a controller creates.
  for (let n = 0; n < NAMESPACES; n++)
    while (!(await admin.resource("serviceaccounts").list({ namespace: namespaceOf(n) })).items.length)
      await new Promise((r) => setTimeout(r, 10));

  /** Server CPU µs per write of `fn` over `count` writes (profiled when --profile). */
  const measure = async (phase: string, count: number, fn: (i: number) => Promise<void>) => {
    const before = await server.cpuMicros();
    const file = PROFILE ? path.join(PROFILE, `${phase}.cpuprofile`) : "";
    if (file) await server.profile(file, () => pool(count, fn));
    else await pool(count, fn);
    const us = ((await server.cpuMicros()) - before) / count;
    console.log(
      `${phase}: ${count} writes, server CPU ${Math.round(us)} µs/write${file ? " (profiled)" : ""}`,
    );
    if (file) for (const line of await topFunctions(file)) console.log(`  ${line}`);
    return us;
  };

  const results: Record<string, number[]> = { post: [], "put-status": [], patch: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const base = round * PODS;
    const names: string[] = new Array(PODS);
    results.post.push(
      await measure("post", PODS, async (i) => {
        const pod = realisticPod(base + i);
        delete pod.status; // the API drops status on create; it is written below like a kubelet would
        const created = await admin.resource("pods").create(pod);
        names[i] = created.metadata?.name ?? "";
      }),
    );
    results["put-status"].push(
      await measure("put-status", PODS, async (i) => {
        const ns = namespaceOf(base + i);
        await admin.request({
          method: "PUT",
          path: `/api/v1/namespaces/${ns}/pods/${names[i]}/status`,
          body: { ...realisticPod(base + i), metadata: { name: names[i], namespace: ns } },
        });
      }),
    );
    results.patch.push(
      await measure("patch", PODS, async (i) => {
        await admin
          .resource("pods")
          .patch(names[i], { metadata: { labels: { patched: `r${round}` } } }, "strategic", {
            namespace: namespaceOf(base + i),
          });
      }),
    );
  }
  admin.close();
  if (ROUNDS > 1)
    for (const [phase, us] of Object.entries(results))
      console.log(`${phase}: ${us.map((u) => Math.round(u)).join(" / ")} µs/write`);
} finally {
  await server.stop();
}
