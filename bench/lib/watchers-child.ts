// A process of watchers for bench/server-scale.ts: opens N watches of Pods (all namespaces, or one namespace
// each) over HTTPS from one keep-alive agent, notes when each event arrives (by resourceVersion), and answers
// the parent over IPC:
//   argv[2] = JSON { url, caPem, token, watchers, first, resourceVersion, namespaces?, client? }
//   → { type: "watching", opened }                      once every watch has answered 200
//   ← { type: "report" } → { type: "report", received: [[rv, firstMs, lastMs, count]...], dropped, cpuMicros }
//     (cpuMicros: this process's CPU time since it reported "watching")
// Times are performance.timeOrigin + now(), comparable with the parent's Date-based clock.
// What a watcher does with an event is the least a consumer must: find where the line ends and read the
// envelope's type and the object's resourceVersion, on the raw bytes (no UTF-8 decode, no JSON.parse of the
// 4–8 KB object). Node's https client still costs ~15 µs of CPU per 8 KB event (streams, http parsing, a
// Buffer per TLS record and their garbage collection; decryption is a small part): client "raw-tls" reads the
// TLS socket without the http layer, the cheapest consumer there is.
import https from "node:https";
import tls from "node:tls";

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
  /** "https" (default): Node's https client; "raw-tls": watchRaw below. */
  client?: string;
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
  if (line.length < MODIFIED.length || line.compare(MODIFIED, 0, MODIFIED.length, 0, MODIFIED.length) !== 0)
    return;
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

/** Splits a watch's body into lines (an event each), wherever the reads split it. */
function lineReader(): (chunk: Buffer) => void {
  let partial: Buffer[] = []; // the current line's bytes from earlier chunks
  return (chunk) => {
    const t = now();
    let start = 0;
    for (let nl = chunk.indexOf(NL); nl >= 0; nl = chunk.indexOf(NL, start)) {
      const tail = chunk.subarray(start, nl);
      onLine(partial.length ? Buffer.concat([...partial, tail]) : tail, t);
      partial = [];
      start = nl + 1;
    }
    if (start < chunk.length) partial.push(chunk.subarray(start));
  };
}

function watchPath(i: number): string {
  const ns = o.namespaces?.[i % o.namespaces.length];
  return `${ns ? `/api/v1/namespaces/${ns}/pods` : "/api/v1/pods"}?watch=1&resourceVersion=${o.resourceVersion}&allowWatchBookmarks=true&timeoutSeconds=3600`;
}

function watch(i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      new URL(watchPath(i), o.url),
      { agent, headers: { Authorization: `Bearer ${o.token}` } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`watch ${i}: HTTP ${res.statusCode}`));
        opened++;
        resolve();
        res.on("data", lineReader());
        res.on("close", () => {
          if (!stopping) dropped++;
        });
      },
    );
    req.on("error", (e) => (opened < o.watchers ? reject(e) : dropped++));
  });
}

/**
 * The cheapest consumer (`client: "raw-tls"`): the request written on a TLS socket, the response read without
 * an HTTP parser. The server writes whole events per chunk, so the chunk-size lines fall between events and
 * are skipped like any line that is not an event; the chunked framing itself is not checked.
 */
function watchRaw(i: number): Promise<void> {
  const url = new URL(o.url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: url.hostname, port: Number(url.port), ca: o.caPem }, () =>
      socket.write(
        `GET ${watchPath(i)} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${o.token}\r\n\r\n`,
      ),
    );
    const body = lineReader();
    let head: Buffer | undefined = Buffer.alloc(0); // until the response head has been read
    socket.on("data", (d: Buffer) => {
      if (head === undefined) return body(d);
      head = Buffer.concat([head, d]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      const status = head.toString("latin1", 0, head.indexOf("\r\n"));
      if (!status.startsWith("HTTP/1.1 200 ")) return reject(new Error(`watch ${i}: ${status}`));
      opened++;
      resolve();
      const rest = head.subarray(end + 4);
      head = undefined;
      if (rest.length) body(rest);
    });
    socket.on("error", (e) => (opened < o.watchers ? reject(e) : dropped++));
    socket.on("close", () => {
      if (!stopping) dropped++;
    });
  });
}

for (let i = 0; i < o.watchers; i += 50) {
  const open = o.client === "raw-tls" ? watchRaw : watch;
  await Promise.all(Array.from({ length: Math.min(50, o.watchers - i) }, (_, j) => open(o.first + i + j)));
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
