// Profiles the server's CPU for authorised GETs of one Pod under wrk (what bench/server.ts measures as
// "GET one Pod, server CPU"): prints CPU µs/request and the top functions by self time.
// Run: node_modules/.bin/node bench/profile-get.ts [--seconds 6] [--out /tmp/get.cpuprofile]
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { adminClient, startServerProcess, viewerToken } from "./lib/cluster.ts";
import { numberFlag, stringFlag } from "./lib/flags.ts";
import { namespaceOf, realisticPod } from "./lib/pods.ts";
import { runWrk } from "./lib/wrk.ts";

const SECONDS = numberFlag("--seconds", 6);
const OUT = stringFlag("--out", path.join(tmpdir(), "get.cpuprofile"));

const server = await startServerProcess({});
const scratch = await mkdtemp(path.join(tmpdir(), "incluster-profile-"));
try {
  const admin = await adminClient(server);
  const names: string[] = [];
  for (let n = 0; n < 50; n++)
    await admin.resource("namespaces").create({ metadata: { name: namespaceOf(n) } });
  // Pods need their namespace's "default" ServiceAccount, which a controller creates.
  for (let n = 0; n < 50; n++)
    while (!(await admin.resource("serviceaccounts").list({ namespace: namespaceOf(n) })).items.length)
      await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < 200; i++) {
    const pod = realisticPod(i);
    delete pod.status;
    const created = await admin.resource("pods").create(pod);
    names.push(created.metadata?.name ?? "");
  }
  const token = await viewerToken(admin);
  admin.close();
  const paths = names.map((n, i) => `/api/v1/namespaces/${namespaceOf(i)}/pods/${n}`);
  const wrk = (seconds: number) =>
    runWrk({
      url: server.url,
      paths,
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
      connections: 32,
      threads: 1,
      seconds,
      dir: scratch,
    });
  await wrk(3);
  for (let run = 0; run < numberFlag("--runs", 3); run++) {
    const start = await server.cpuMicros();
    const plain = await wrk(SECONDS);
    const us = ((await server.cpuMicros()) - start) / plain.requests;
    console.log(`${plain.requests} requests, server CPU ${us.toFixed(1)} µs/request`);
  }
  const before = await server.cpuMicros();
  const r = await server.profile(OUT, () => wrk(SECONDS));
  const cpu = ((await server.cpuMicros()) - before) / r.requests;
  console.log(
    `${r.requests} requests, ${Math.round(r.requestsPerSec)} req/s, server CPU ${cpu.toFixed(1)} µs/request (profiled)`,
  );
  const profile = JSON.parse(await readFile(OUT, "utf8")) as {
    nodes: {
      id: number;
      callFrame: { functionName: string; url: string; lineNumber: number };
      hitCount: number;
    }[];
  };
  const self = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url.replace(/.*\/(src|node_modules)\//, "$1/")}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + n.hitCount);
    total += n.hitCount;
  }
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
} finally {
  await server.stop();
}
