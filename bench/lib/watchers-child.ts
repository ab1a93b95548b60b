// A process of watchers for bench/server-scale.ts: opens N watches of Pods (all namespaces, or one namespace
// each) over HTTPS from one keep-alive agent, notes when each event arrives (by resourceVersion), and answers
// the parent over IPC:
//   argv[2] = JSON { url, caPem, token, watchers, resourceVersion, namespaces? }
//   → { type: "watching", opened }                      once every watch has answered 200
//   ← { type: "report" } → { type: "report", received: [[rv, firstMs, lastMs, count]...], dropped }
// Times are performance.timeOrigin + now(), comparable with the parent's Date-based clock.
import https from "node:https";

interface Options {
  url: string;
  caPem: string;
  token: string;
  watchers: number;
  /** Watch from here (an informer's list → watch), not from 0 (which would replay every Pod to each). */
  resourceVersion: string;
  /** Spread the watchers over these namespaces (one each, round-robin) instead of all namespaces. */
  namespaces?: string[];
}

const o = JSON.parse(process.argv[2] ?? "{}") as Options;
const agent = new https.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, ca: o.caPem });
const now = () => performance.timeOrigin + performance.now();

// rv → [first receipt, last receipt, receipts]
const received = new Map<string, [number, number, number]>();
let opened = 0;
let dropped = 0;
let stopping = false;

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
        let buffer = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let nl = buffer.indexOf("\n");
          while (nl >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            nl = buffer.indexOf("\n");
            // Only the resourceVersion is needed: find it without parsing the whole event.
            if (!line.startsWith('{"type":"MODIFIED"')) continue;
            const at = line.indexOf('"resourceVersion":"');
            if (at < 0) continue;
            const rv = line.slice(at + 19, line.indexOf('"', at + 19));
            const t = now();
            const seen = received.get(rv);
            if (seen) {
              seen[1] = t;
              seen[2]++;
            } else received.set(rv, [t, t, 1]);
          }
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
  await Promise.all(Array.from({ length: Math.min(50, o.watchers - i) }, (_, j) => watch(i + j)));
}
process.send?.({ type: "watching", opened });

process.on("message", (msg: { type: string }) => {
  if (msg.type !== "report") return;
  stopping = true;
  process.send?.({ type: "report", received: [...received].map(([rv, v]) => [rv, ...v]), dropped }, () =>
    process.exit(0),
  );
});
