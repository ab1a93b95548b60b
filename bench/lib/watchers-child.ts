// A process of watchers for bench/server-scale.ts: opens N watches of Pods (all namespaces, or one namespace
// each) over HTTPS from one keep-alive agent, notes when each event arrives (by resourceVersion), and answers
// the parent over IPC:
//   argv[2] = JSON { url, caPem, token, watchers, first, resourceVersion, namespaces? }
//   → { type: "watching", opened }                      once every watch has answered 200
//   ← { type: "report" } → { type: "report", received: [[rv, firstMs, lastMs, count]...], dropped, cpuMicros }
//     (cpuMicros: this process's CPU time since it reported "watching")
// Times are performance.timeOrigin + now(), comparable with the parent's Date-based clock.
// What a watcher does with an event is the least a consumer must: find where the line ends and read the
// envelope's type and the object's resourceVersion, on the raw bytes (no UTF-8 decode, no JSON.parse of the
// 4–8 KB object), so the clients' own CPU is mostly TLS — the server's delivery is what is measured.
import https from "node:https";

interface Options {
  url: string;
  caPem: string;
  token: string;
  watchers: number;
  /** This process's first watcher index (for the namespace round-robin across processes). */
  first: number;
  /** Watch from here (an informer's list → watch), not from 0 (which would replay every Pod to each). */
  resourceVersion: string;
  /** Spread the watchers over these namespaces (one each, round-robin) instead of all namespaces. */
  namespaces?: string[];
}

const o = JSON.parse(process.argv[2] ?? "{}") as Options;
const agent = new https.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, ca: o.caPem });
const now = () => performance.timeOrigin + performance.now();
const MODIFIED = Buffer.from('{"type":"MODIFIED"');
const RV = Buffer.from('"resourceVersion":"');
const NL = 10;
const QUOTE = 34;

// rv → [first receipt, last receipt, receipts]
const received = new Map<string, [number, number, number]>();
let opened = 0;
let dropped = 0;
let stopping = false;

function onLine(line: Buffer, t: number): void {
  if (line.compare(MODIFIED, 0, MODIFIED.length, 0, MODIFIED.length) !== 0) return;
  const at = line.indexOf(RV);
  if (at < 0) return;
  const from = at + RV.length;
  const rv = line.toString("latin1", from, line.indexOf(QUOTE, from));
  const seen = received.get(rv);
  if (seen) {
    seen[1] = t;
    seen[2]++;
  } else received.set(rv, [t, t, 1]);
}

function watch(i: number): Promise<void> {
  const ns = o.namespaces?.[i % o.namespaces.length];
  const path = `${ns ? `/api/v1/namespaces/${ns}/pods` : "/api/v1/pods"}?watch=1&resourceVersion=${o.resourceVersion}&allowWatchBookmarks=true&timeoutSeconds=3600`;
  return new Promise((resolve, reject) => {
    const req = https.get(
      new URL(path, o.url),
      { agent, headers: { Authorization: `Bearer ${o.token}` } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`watch ${i}: HTTP ${res.statusCode}`));
        opened++;
        resolve();
        let partial: Buffer[] = []; // the current line's bytes from earlier chunks
        res.on("data", (chunk: Buffer) => {
          const t = now();
          let start = 0;
          for (let nl = chunk.indexOf(NL); nl >= 0; nl = chunk.indexOf(NL, start)) {
            const tail = chunk.subarray(start, nl);
            onLine(partial.length ? Buffer.concat([...partial, tail]) : tail, t);
            partial = [];
            start = nl + 1;
          }
          if (start < chunk.length) partial.push(chunk.subarray(start));
        });
        res.on("close", () => {
          if (!stopping) dropped++;
        });
      },
    );
    req.on("error", (e) => (opened < o.watchers ? reject(e) : dropped++));
  });
}

for (let i = 0; i < o.watchers; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, o.watchers - i) }, (_, j) => watch(o.first + i + j)));
}
process.on("disconnect", () => process.exit(0)); // the parent is gone: nobody will ask
const cpuWatching = process.cpuUsage();
process.send?.({ type: "watching", opened });

process.on("message", (msg: { type: string }) => {
  if (msg.type !== "report") return;
  stopping = true;
  const cpu = process.cpuUsage(cpuWatching);
  const report = {
    type: "report",
    received: [...received].map(([rv, v]) => [rv, ...v]),
    dropped,
    cpuMicros: cpu.user + cpu.system,
  };
  process.send?.(report, () => process.exit(0));
});
