// A small real HTTPS server on loopback for tests whose peer is not our API server: a misbehaving server
// (endless body, hang, nonsense counts) or a replay of what an older kube-apiserver answered. It is the
// peer under test, with the same CA and serving certificate as the local cluster (testPki).
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import type { ClusterConfig } from "../../src/client/config.ts";
import { failure } from "../../src/meta/status.ts";
import { writeServiceAccountDir } from "../unit/cli/run-cli.ts";
import { testPki } from "./cluster.ts";

export interface PeerRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: string;
}

export type PeerHandler = (req: PeerRequest, res: ServerResponse) => void;

export interface HttpsPeer {
  url: string;
  port: number;
  caPem: string;
  /** Every request, in arrival order. */
  requests: PeerRequest[];
  handler: PeerHandler;
  /** A client config that trusts this peer (no credentials). */
  config(overrides?: Partial<ClusterConfig>): ClusterConfig;
  /** `incluster` run as a Pod against this peer: env for runCli with a ServiceAccount directory. */
  podEnv(files: { token?: string; namespace?: string }): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export async function startHttpsPeer(handler: PeerHandler): Promise<HttpsPeer> {
  const pki = await testPki();
  const sockets = new Set<Socket>();
  const dirs: string[] = [];
  const peer = { requests: [] as PeerRequest[], handler } as HttpsPeer;
  const server: Server = createServer({ cert: pki.servingCertPem, key: pki.servingKeyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request: PeerRequest = {
        method: req.method ?? "",
        url: new URL(req.url ?? "/", "https://peer"),
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      peer.requests.push(request);
      peer.handler(request, res);
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(peer, {
    url: `https://127.0.0.1:${port}`,
    port,
    caPem: pki.caCertPem,
    config: (overrides: Partial<ClusterConfig> = {}): ClusterConfig => ({
      server: `https://127.0.0.1:${port}`,
      namespace: "default",
      source: "explicit",
      ca: {
        current: () => pki.caCertPem,
        onChange: () => () => undefined,
        describe: () => "the test CA",
        close: () => undefined,
      },
      insecureSkipTLSVerify: false,
      warnings: [],
      close: () => undefined,
      ...overrides,
    }),
    podEnv: async (files: { token?: string; namespace?: string }) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), "incluster-peer-sa-"));
      dirs.push(dir);
      const saDir = await writeServiceAccountDir(path.join(dir, "sa"), {
        "ca.crt": pki.caCertPem,
        namespace: "default",
        ...files,
      });
      return {
        KUBERNETES_SERVICE_HOST: "127.0.0.1",
        KUBERNETES_SERVICE_PORT: String(port),
        INCLUSTER_SERVICEACCOUNT_DIR: saDir,
      };
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  });
}

/** Writes a Status body like kube-apiserver's responsewriters. */
export function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { "Content-Type": "application/json" });
  res.end(JSON.stringify(failure(code, reason, message)));
}
