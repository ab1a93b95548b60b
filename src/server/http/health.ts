// /healthz, /livez, /readyz and /<endpoint>/<check>, formatted as kube-apiserver's healthz handler
// (staging/src/k8s.io/apiserver/pkg/server/healthz/healthz.go: handleRootHealth, adaptCheckToHandler).
import type { ServerResponse } from "node:http";
import type { ServerContext } from "../context.ts";

interface Check {
  name: string;
  /** Undefined when healthy, else why not. */
  run(): string | undefined;
}

function checksOf(ctx: ServerContext, endpoint: string): Check[] {
  const checks: Check[] = [
    { name: "ping", run: () => undefined },
    { name: "log", run: () => ctx.logSink?.health() },
  ];
  // Not in livez: a restart cannot free disk space, and writes resume by themselves once it is free.
  if (endpoint !== "livez") checks.push({ name: "storage", run: () => ctx.store.health() });
  return checks;
}

const HEALTH_PATH = /^\/(healthz|livez|readyz)(?:\/([^/]+))?\/?$/;

export function isHealthPath(path: string): boolean {
  return HEALTH_PATH.test(path);
}

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, {
    "Content-Type": "text/plain; charset=utf-8",
    "Cache-Control": "no-cache, private",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(body);
}

/** Go's http.Error: the message plus a newline. */
const httpError = (res: ServerResponse, code: number, message: string) => text(res, code, `${message}\n`);

export function handleHealth(
  ctx: ServerContext,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): void {
  const [, endpoint, single] = HEALTH_PATH.exec(path) as RegExpExecArray;
  const checks = checksOf(ctx, endpoint);
  if (single !== undefined) {
    const check = checks.find((c) => c.name === single);
    if (!check) return text(res, 404, "404 page not found\n");
    const err = check.run();
    return err === undefined ? text(res, 200, "ok") : httpError(res, 500, `internal server error: ${err}`);
  }

  const excluded = new Set(query.getAll("exclude"));
  const unknownExcluded = new Set(excluded);
  let output = "";
  const failed: string[] = [];
  const reasons: string[] = [];
  for (const check of checks) {
    if (excluded.has(check.name)) {
      unknownExcluded.delete(check.name);
      output += `[+]${check.name} excluded: ok\n`;
      continue;
    }
    const err = check.run();
    if (err === undefined) {
      output += `[+]${check.name} ok\n`;
      continue;
    }
    // Withheld here because the endpoint is public; /<endpoint>/<check> and the server log carry the reason.
    output += `[-]${check.name} failed: reason withheld\n`;
    failed.push(check.name);
    reasons.push(`[-]${check.name} failed: ${err}`);
  }
  if (unknownExcluded.size > 0) {
    const names = [...unknownExcluded].sort().map((n) => JSON.stringify(n));
    output += `warn: some health checks cannot be excluded: no matches for ${names.join(",")}\n`;
  }
  if (failed.length > 0) {
    ctx.log.warn({ checks: failed, reasons }, `${endpoint} check failed`);
    return httpError(res, 500, `${output}${endpoint} check failed`);
  }
  if (!query.has("verbose")) return text(res, 200, "ok");
  text(res, 200, `${output}${endpoint} check passed\n`);
}
