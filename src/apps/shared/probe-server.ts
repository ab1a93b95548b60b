// /healthz, /readyz and /metrics on one port, for the kubelet's probes and Prometheus.
// /healthz (liveness) answers ok while the process and its event loop run: it deliberately ignores API
// errors, because restarting the container cannot fix a missing Role and would turn a clear log line into
// a CrashLoopBackOff. /readyz answers 503 with the reason until the app has read what it needs.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { AppMetrics } from "./metrics.ts";

export interface ProbeServer {
  port: number;
  close(): Promise<void>;
}

export interface ProbeServerOptions {
  port: number;
  /** Default: every interface (the kubelet probes the Pod IP). */
  host?: string;
  metrics: AppMetrics;
}

export async function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  const { metrics } = options;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0];
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed\n");
    if (path === "/healthz" || path === "/livez") return send(res, 200, "ok\n");
    if (path === "/readyz") {
      const { ready, reason } = metrics.readiness();
      return ready ? send(res, 200, "ok\n") : send(res, 503, `not ready: ${reason ?? "starting"}\n`);
    }
    if (path === "/metrics") {
      metrics.registry.metrics().then(
        (text) => send(res, 200, text, metrics.registry.contentType),
        (error: Error) => send(res, 500, `collecting metrics failed: ${error.message}\n`),
      );
      return;
    }
    send(res, 404, "not found: try /healthz, /readyz or /metrics\n");
  });
  // Probes must not hold a graceful shutdown open.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  contentType = "text/plain; charset=utf-8",
) {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) });
  res.end(res.req.method === "HEAD" ? undefined : body);
}
