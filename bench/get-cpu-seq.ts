// Load-resistant GET cost: the server in this process, one keep-alive HTTPS connection, sequential GETs of
// one Pod with a `view` ServiceAccount token; CPU (client + server) per request, best of several batches.
// Comparing two trees: the client half is the same code, so differences are the server's.
// Run: node_modules/.bin/node bench/get-cpu-seq.ts [--batches 7] [--requests 2000]
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { startServer } from "../src/server/index.ts";
import { adminClient, viewerToken } from "./lib/cluster.ts";
import { numberFlag } from "./lib/flags.ts";
import { realisticPod } from "./lib/pods.ts";

const server = await startServer({ port: 0, logLevel: "silent" });
const dir = await mkdtemp(path.join(tmpdir(), "incluster-get-cpu-"));
try {
  const kubeconfigPath = path.join(dir, "admin.kubeconfig");
  await writeFile(kubeconfigPath, server.kubeconfig, { mode: 0o600 });
  const admin = await adminClient({ kubeconfigPath } as Parameters<typeof adminClient>[0]);
  await admin.resource("namespaces").create({ metadata: { name: "ns-0" } });
  while (!(await admin.resource("serviceaccounts").list({ namespace: "ns-0" })).items.length)
    await new Promise((r) => setTimeout(r, 10));
  const pod = realisticPod(0, 1);
  delete pod.status;
  const created = await admin
    .resource("pods")
    .create({ ...pod, metadata: { ...pod.metadata, namespace: "ns-0" } });
  const token = await viewerToken(admin);
  admin.close();
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: server.caPem });
  const podPath = `/api/v1/namespaces/ns-0/pods/${created.metadata?.name}`;
  const get = () =>
    new Promise<void>((resolve, reject) => {
      https
        .get(
          `${server.url}${podPath}`,
          { agent, headers: { Authorization: `Bearer ${token}`, Accept: "application/json" } },
          (res) => {
            if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
            res.resume();
            res.on("end", resolve);
          },
        )
        .on("error", reject);
    });
  for (let i = 0; i < 500; i++) await get(); // warm-up
  const results: number[] = [];
  for (let b = 0; b < numberFlag("--batches", 7); b++) {
    const n = numberFlag("--requests", 2000);
    const c = process.cpuUsage();
    for (let i = 0; i < n; i++) await get();
    const u = process.cpuUsage(c);
    results.push((u.user + u.system) / n);
  }
  results.sort((a, b) => a - b);
  console.log(
    `CPU per GET (client + server): best ${results[0].toFixed(1)} µs, median ${results[Math.floor(results.length / 2)].toFixed(1)} µs`,
  );
  agent.destroy();
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
