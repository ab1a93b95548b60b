// Real proxies for client tests, as Debian packages them (.ci/run installs tinyproxy-bin and microsocks):
// tinyproxy answers HTTP CONNECT (optionally with Basic credentials), microsocks speaks SOCKS5 (optionally
// with a username and password). Each runs in the foreground on a free loopback port until stop().
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface RunningProxy {
  port: number;
  /** What the proxy printed so far (tinyproxy logs each CONNECT it tunnels). */
  output(): string;
  stop(): Promise<void>;
}

export interface ProxyCredentials {
  user: string;
  password: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function run(
  command: string,
  args: string[],
  port: number,
  cleanup: () => Promise<void>,
): Promise<RunningProxy> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout?.on("data", (chunk) => (text += chunk));
  child.stderr?.on("data", (chunk) => (text += chunk));
  child.once("error", (error) => (text += `spawn failed: ${error.message}`));
  // "exit", not "close": a worker the proxy left behind may hold its output pipes open after it is gone.
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill();
      const killer = setTimeout(() => child.kill("SIGKILL"), 2000); // one that ignores SIGTERM
      await exited;
      clearTimeout(killer);
    }
    child.stdout?.destroy();
    child.stderr?.destroy();
    await cleanup();
  };
  const deadline = Date.now() + 30_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${command} did not start listening on ${port}: ${text}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, output: () => text, stop };
}

/** tinyproxy (HTTP CONNECT); with credentials, it answers 407 unless Proxy-Authorization: Basic matches. */
export async function startConnectProxy(credentials?: ProxyCredentials): Promise<RunningProxy> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), "incluster-tinyproxy-"));
  const conf = path.join(dir, "tinyproxy.conf");
  const lines = [`Port ${port}`, "Listen 127.0.0.1", "Timeout 120", "MaxClients 50", "LogLevel Connect"];
  if (credentials) lines.push(`BasicAuth ${credentials.user} ${credentials.password}`);
  await writeFile(conf, `${lines.join("\n")}\n`);
  return run("tinyproxy", ["-d", "-c", conf], port, () => rm(dir, { recursive: true, force: true }));
}

/** microsocks (SOCKS5); with credentials, only username/password authentication is accepted. */
export async function startSocksProxy(credentials?: ProxyCredentials): Promise<RunningProxy> {
  const port = await freePort();
  const auth = credentials ? ["-u", credentials.user, "-P", credentials.password] : [];
  return run("microsocks", ["-i", "127.0.0.1", "-p", String(port), ...auth], port, async () => undefined);
}
