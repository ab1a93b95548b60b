// Drives `kubectl port-forward` and the Pod it forwards to: a small HTTP server run as a host command.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type { Pod } from "kubernetes-types/core/v1.d.ts";

/**
 * The container's program: GET /hello → "hello from <Pod IP>"; POST /echo → the body back; GET /big?n=N → N
 * bytes of a fixed pattern; GET /connections → how many connections it has open (this one included). It listens on $LISTEN (default: the Pod IP, as host-network Pods should).
 */
export const WEB_SERVER_SOURCE = `
const http = require("node:http");
const host = process.env.LISTEN || process.env.POD_IP;
const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  if (url.pathname === "/connections") return server.getConnections((_, n) => res.end(String(n)));
  if (url.pathname === "/echo") return req.pipe(res);
  if (url.pathname === "/big") {
    const n = Number(url.searchParams.get("n"));
    const chunk = Buffer.alloc(65536, "0123456789abcdef");
    let left = n;
    const more = () => {
      while (left > 0) {
        const part = chunk.subarray(0, Math.min(left, chunk.length));
        left -= part.length;
        if (!res.write(part)) return void res.once("drain", more);
      }
      res.end();
    };
    return more();
  }
  res.end("hello from " + process.env.POD_IP);
});
server.listen(8080, host);
`;

export function webPod(name: string, node: string, script: string, listen?: string): Pod {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "web",
          image: "x",
          command: [node, script],
          ports: [{ containerPort: 8080 }],
          env: [
            { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
            ...(listen ? [{ name: "LISTEN", value: listen }] : []),
          ],
        },
      ],
    },
  };
}

export interface PortForward {
  /** Remote port → the local port kubectl listens on (127.0.0.1). */
  local: Map<number, number>;
  output(): string;
  /** Resolves with kubectl's exit code once it exits. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
  /** SIGKILL: kubectl vanishes without closing anything. */
  kill(): Promise<void>;
}

/**
 * Starts `kubectl port-forward TARGET :P1 :P2 …` and waits until it listens on every port. `containerPorts`
 * are the ports kubectl reports forwarding to (a Service's ports resolve to its target ports).
 */
export async function portForward(
  kubectl: string,
  kubeconfig: string,
  dir: string,
  args: string[],
  remotePorts: number[],
  containerPorts = remotePorts,
): Promise<PortForward> {
  const child: ChildProcess = spawn(
    kubectl,
    [
      "--kubeconfig",
      kubeconfig,
      "--cache-dir",
      path.join(dir, "cache"),
      "port-forward",
      ...args,
      ...remotePorts.map((p) => `:${p}`),
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "", HOME: dir } },
  );
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const local = new Map<number, number>();
  const deadline = Date.now() + 30_000;
  while (local.size < containerPorts.length) {
    for (const m of output.matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/g))
      local.set(Number(m[2]), Number(m[1]));
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`kubectl port-forward did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    local,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill();
      await exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
