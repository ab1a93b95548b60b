// gzip between the client and the local API server on loopback (what a Pod talking to its in-cluster API
// server sees): 5,000 realistic ~4 KB Pods listed in pages of 500 (client.iterate) and unpaged
// (client.list), with the client's `compression` on and off. Reports wall time, the client's and the
// server's CPU time per full listing, and the bytes on the wire. Rounds alternate the two modes.
//
// Run: node_modules/.bin/node bench/transport-gzip.ts [--pods 5000] [--rounds 7]
import { gzipSync } from "node:zlib";
import { createClient, type KubeClient } from "../src/client/index.ts";
import { GZIP_LEVEL } from "../src/server/http/compress.ts";
import { adminClient, startServerProcess } from "./lib/cluster.ts";
import { numberFlag } from "./lib/flags.ts";
import { NAMESPACES, namespaceOf, realisticPod } from "./lib/pods.ts";
import { int, median, printMachine, printTable } from "./lib/report.ts";

const PODS = numberFlag("--pods", 5000);
const ROUNDS = numberFlag("--rounds", 7);

printMachine();
const server = await startServerProcess();
try {
  const admin = await adminClient(server);
  for (let n = 0; n < Math.min(NAMESPACES, PODS); n++)
    await admin.resource("namespaces").create({ metadata: { name: namespaceOf(n) } });
  let next = 0;
  const worker = async () => {
    while (next < PODS) {
      const i = next++;
      const pod = realisticPod(i);
      await admin.resource("pods").create(pod, { namespace: pod.metadata?.namespace });
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  admin.close();
  console.log(`seeded ${int(PODS)} pods`);

  const clients: Record<string, KubeClient> = {
    gzip: await createClient({ kubeconfig: server.kubeconfigPath, qps: 0, compression: true }),
    plain: await createClient({ kubeconfig: server.kubeconfigPath, qps: 0, compression: false }),
  };
  type Sample = { ms: number; clientMs: number; serverMs: number };
  const samples: Record<string, Record<string, Sample[]>> = {
    paged: { gzip: [], plain: [] },
    unpaged: { gzip: [], plain: [] },
  };
  const measure = async (fn: () => Promise<number>): Promise<Sample> => {
    const serverBefore = await server.cpuMicros();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const count = await fn();
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const serverMs = ((await server.cpuMicros()) - serverBefore) / 1000;
    if (count < PODS) throw new Error(`listed ${count} pods, expected ${PODS}`);
    return { ms, clientMs: (cpu.user + cpu.system) / 1000, serverMs };
  };
  for (let round = 0; round < ROUNDS + 1; round++) {
    for (const mode of round % 2 === 0 ? ["gzip", "plain"] : ["plain", "gzip"]) {
      const pods = clients[mode].resource("pods");
      const paged = await measure(async () => {
        let n = 0;
        for await (const _ of pods.iterate({ allNamespaces: true })) n++;
        return n;
      });
      const unpaged = await measure(async () => (await pods.list({ allNamespaces: true })).items.length);
      if (round === 0) continue; // warm-up
      samples.paged[mode].push(paged);
      samples.unpaged[mode].push(unpaged);
    }
  }
  // Wire sizes: one page of 500 and the whole list, as the server sends them (level 1).
  const page = await clients.plain.transport.request({ path: "/api/v1/pods", query: { limit: 500 } });
  const whole = await clients.plain.transport.request({ path: "/api/v1/pods" });
  const size = (text: string) => Buffer.byteLength(text);
  const zipped = (text: string) => gzipSync(text, { level: GZIP_LEVEL }).length;
  for (const client of Object.values(clients)) client.close();

  const row = (what: string, mode: string, list: Sample[], bytes: string) => [
    what,
    mode,
    `${median(list.map((s) => s.ms)).toFixed(0)} ms`,
    `${median(list.map((s) => s.clientMs)).toFixed(0)} ms`,
    `${median(list.map((s) => s.serverMs)).toFixed(0)} ms`,
    bytes,
  ];
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  console.log(`\nlisting ${int(PODS)} pods over loopback HTTPS, median of ${ROUNDS} rounds:`);
  printTable([
    ["listing", "client", "wall", "client CPU", "server CPU", "on the wire"],
    row("pages of 500", "gzip", samples.paged.gzip, `${mb(zipped(page.body) * (PODS / 500))} (est.)`),
    row("pages of 500", "plain", samples.paged.plain, `${mb(size(page.body) * (PODS / 500))} (est.)`),
    row("unpaged", "gzip", samples.unpaged.gzip, mb(zipped(whole.body))),
    row("unpaged", "plain", samples.unpaged.plain, mb(size(whole.body))),
  ]);
} finally {
  await server.stop();
}
