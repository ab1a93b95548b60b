// Runs wrk (HTTP/1.1 keep-alive load generator) and parses its --latency report.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";

export interface WrkResult {
  requestsPerSec: number;
  requests: number;
  p50: number;
  p75: number;
  p90: number;
  p99: number;
  /** Responses that were not 2xx/3xx (must be 0: every request authenticated and authorised). */
  non2xx: number;
  socketErrors: number;
  /** Bytes/s of responses. */
  transfer: string;
  raw: string;
}

export interface WrkOptions {
  url: string;
  /** Request paths, used round-robin by a Lua script. */
  paths: string[];
  headers: Record<string, string>;
  connections: number;
  threads: number;
  seconds: number;
  /** Where the Lua script is written. */
  dir: string;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function toMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`unexpected wrk latency "${text}"`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const script = path.join(o.dir, `paths-${o.paths.length}-${Date.now()}.lua`);
  const list = o.paths.map((p) => `  ${JSON.stringify(p)},`).join("\n");
  await writeFile(
    script,
    `local paths = {\n${list}\n}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format("GET", paths[(i % #paths) + 1])\nend\n`,
  );
  const args = [`-t${o.threads}`, `-c${o.connections}`, `-d${o.seconds}s`, "--latency", "-s", script];
  for (const [k, v] of Object.entries(o.headers)) args.push("-H", `${k}: ${v}`);
  args.push(o.url);
  const raw = await new Promise<string>((resolve, reject) =>
    execFile("wrk", args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`wrk failed: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(raw);
    return m ? toMs(m[1]) : Number.NaN;
  };
  const num = (re: RegExp) => Number(re.exec(raw)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(raw);
  return {
    requestsPerSec: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in/),
    p50: pct("50"),
    p75: pct("75"),
    p90: pct("90"),
    p99: pct("99"),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    transfer: /Transfer\/sec:\s+(\S+)/.exec(raw)?.[1] ?? "?",
    raw,
  };
}
