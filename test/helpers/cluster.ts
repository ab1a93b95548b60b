// Test harness: a real local API server on loopback HTTPS, plus raw HTTPS and kubectl drivers.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { type RunningServer, type ServerOptions, startServer } from "../../src/server/index.ts";
import { loadOrCreatePki, type Pki } from "../../src/server/pki/index.ts";

let sharedPki: Promise<Pki> | undefined;

/** Key generation dominates start-up; test servers share one PKI. */
export function testPki(): Promise<Pki> {
  sharedPki ??= loadOrCreatePki();
  return sharedPki;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  token?: string;
  cert?: { cert: string; key: string };
  /** A list sends the header once per value. */
  headers?: Record<string, string | string[]>;
}

export interface TestCluster {
  server: RunningServer;
  dir: string;
  kubeconfigPath: string;
  /** Raw HTTPS request verifying the server against the cluster CA. */
  request(method: string, path: string, o?: RequestOptions): Promise<HttpResult>;
  /** As the admin (client certificate in system:masters). */
  admin(method: string, path: string, body?: unknown, contentType?: string): Promise<HttpResult>;
  kubectl(
    args: string[],
    o?: { input?: string; binary?: string; env?: Record<string, string> },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/**
 * A kubeconfig at DIR/NAME.kubeconfig that authenticates with a bearer token only (the admin kubeconfig's
 * client certificate would win over kubectl's --token); returns its path.
 */
export async function writeTokenKubeconfig(
  c: Pick<TestCluster, "server" | "dir">,
  name: string,
  token: string,
  namespace?: string,
): Promise<string> {
  const file = path.join(c.dir, `${name}.kubeconfig`);
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "local",
        cluster: {
          server: c.server.url,
          "certificate-authority-data": Buffer.from(c.server.caPem).toString("base64"),
        },
      },
    ],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: "local", user: name, ...(namespace ? { namespace } : {}) } }],
    "current-context": name,
  };
  await writeFile(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

export async function startTestCluster(opts: ServerOptions = {}): Promise<TestCluster> {
  const server = await startServer({ port: 0, pki: await testPki(), logLevel: "silent", ...opts });
  const dir = await mkdtemp(path.join(os.tmpdir(), "incluster-test-"));
  const kubeconfigPath = path.join(dir, "admin.kubeconfig");
  await writeFile(kubeconfigPath, server.kubeconfig, { mode: 0o600 });
  const agent = new https.Agent({ keepAlive: true, ca: server.caPem });
  const adminCert = { cert: server.pki.adminCertPem, key: server.pki.adminKeyPem };

  const request = (method: string, urlPath: string, o: RequestOptions = {}): Promise<HttpResult> =>
    new Promise((resolve, reject) => {
      const body =
        o.body === undefined ? undefined : typeof o.body === "string" ? o.body : JSON.stringify(o.body);
      const headers: Record<string, string | string[]> = { Accept: "application/json", ...o.headers };
      if (body !== undefined) headers["Content-Type"] = o.contentType ?? "application/json";
      // Node frames DELETE bodies only with an explicit length (no chunked encoding by default).
      if (body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(body));
      if (o.token) headers.Authorization = `Bearer ${o.token}`;
      const req = https.request(
        `${server.url}${urlPath}`,
        { method, headers, agent: o.cert ? undefined : agent, ca: server.caPem, ...(o.cert ?? {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString();
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  const kubectl: TestCluster["kubectl"] = (args, o = {}) =>
    new Promise((resolve) => {
      const child = execFile(
        o.binary ?? "kubectl",
        ["--kubeconfig", kubeconfigPath, "--cache-dir", path.join(dir, "cache"), ...args],
        { env: { PATH: process.env.PATH ?? "", HOME: dir, ...o.env }, timeout: 60_000 },
        (err, stdout, stderr) => {
          const code = err
            ? typeof (err as { code?: unknown }).code === "number"
              ? (err as { code: number }).code
              : 1
            : 0;
          resolve({ code, stdout, stderr });
        },
      );
      if (o.input !== undefined) child.stdin?.end(o.input);
    });

  return {
    server,
    dir,
    kubeconfigPath,
    request,
    admin: (method, urlPath, body, contentType) =>
      request(method, urlPath, { body, contentType, cert: adminCert }),
    kubectl,
    stop: async () => {
      agent.destroy();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until fn returns a truthy value (or throws after the deadline). */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 5000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
