// Admission and controller cost of a ResourceQuota and a LimitRange: N Pods created one after another in a
// namespace holding both, against N in a plain namespace of the same server, in the same run (the peer).
// The quota controller keeps per-namespace usage totals from storage events, so each create costs the
// quota's names, not the namespace's Pods; this prints the ratio so a regression to a per-event relist shows.
//
// Run: node_modules/.bin/node bench/quota.ts [--pods 1000]
import { startTestCluster } from "../test/helpers/cluster.ts";

const flag = process.argv.indexOf("--pods");
const N = flag > 0 ? Number(process.argv[flag + 1]) : 1000;
const c = await startTestCluster();
try {
  for (const ns of ["plain", "quota"])
    await c.admin("POST", "/api/v1/namespaces", { metadata: { name: ns } });
  await c.admin("POST", "/api/v1/namespaces/quota/resourcequotas", {
    metadata: { name: "q" },
    spec: { hard: { pods: String(N * 10), "requests.cpu": "10k", "requests.memory": "10Ti" } },
  });
  await c.admin("POST", "/api/v1/namespaces/quota/limitranges", {
    metadata: { name: "l" },
    spec: { limits: [{ type: "Container", default: { cpu: "100m", memory: "64Mi" } }] },
  });
  await c.server.settle();
  const ms: Record<string, number> = {};
  for (const ns of ["plain", "quota"]) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const r = await c.admin("POST", `/api/v1/namespaces/${ns}/pods`, {
        metadata: { name: `p${i}` },
        spec: { containers: [{ name: "c", image: "busybox" }] },
      });
      if (r.status !== 201) throw new Error(r.text);
    }
    await c.server.settle();
    ms[ns] = performance.now() - t0;
    console.log(`${ns}: ${N} Pod creates (+ controllers settled) in ${ms[ns].toFixed(0)} ms`);
  }
  const used = (await c.admin("GET", "/api/v1/namespaces/quota/resourcequotas/q")).json.status.used;
  console.log(`quota status.used: ${JSON.stringify(used)}`);
  console.log(`ratio quota/plain: ${(ms.quota / ms.plain).toFixed(2)}`);
} finally {
  await c.stop();
}
