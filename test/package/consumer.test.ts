// The npm package as a user gets it: `npm pack` once, the tarball installed into a scratch project outside
// the repository (offline from the npm cache where it can be), then used only through its exports and its
// bin — on the oldest Node that package.json's engines allows (installed next to it as the `node` package,
// so the project's scripts and npx run it) and on this Node.
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const TSC = path.join(REPO, "node_modules/.bin/tsc");
const NODE_TYPES = path.join(REPO, "node_modules/@types");
const KUBECTL = "/usr/bin/kubectl";
const MANIFEST = JSON.parse(await readFile(path.join(REPO, "package.json"), "utf8")) as {
  version: string;
  engines: { node: string };
};
/** ">=22.18" → "22.18": the oldest Node the package claims to support is the one it is tested on. */
const OLDEST_NODE = /^>=\s*(\d+\.\d+)$/.exec(MANIFEST.engines.node)?.[1];
/** What `incluster/client` must not load: the server, the runtime, the CLI and apps, YAML, logging, metrics. */
const NOT_CLIENT =
  /\/dist\/(server|kubelet|cli|apps|doctor)\/|\/node_modules\/(yaml|pino|prom-client|commander|@peculiar|reflect-metadata)\//;

const run = promisify(execFile);

/** The outer `npm test` exports its own npm_* settings (prefix, package, lifecycle); a user's shell has none. */
function userEnv(pathPrefix: string[] = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("npm_") && !/^npm_config_(cache|registry|userconfig)$/.test(key)) continue;
    if (key === "INIT_CWD" || key === "KUBECONFIG") continue;
    env[key] = value;
  }
  env.PATH = [...pathPrefix, process.env.PATH ?? ""].join(path.delimiter);
  return env;
}

let scratch: string;
let project: string;
let oldestNode: string;
/** This Node (the repository's Node 24 under `npm test`) first on PATH, as for a project that uses it. */
let envThisNode: NodeJS.ProcessEnv;

async function inProject(command: string, args: string[], env = envThisNode, timeout = 60_000) {
  return run(command, args, { cwd: project, env, timeout, maxBuffer: 16 * 1024 * 1024 });
}

// Pack and install: ~20 s, but minutes on a loaded machine or with an empty npm cache.
before(
  async () => {
    assert.ok(OLDEST_NODE, `engines.node ${MANIFEST.engines.node} is not of the form ">=MAJOR.MINOR"`);
    scratch = await mkdtemp(path.join(os.tmpdir(), "incluster-consumer-"));
    project = path.join(scratch, "project");
    await mkdir(project);
    envThisNode = userEnv([path.dirname(process.execPath)]);
    // `npm pack` runs prepack (a clean build of dist/).
    const packed = await run("npm", ["pack", "--pack-destination", scratch, "--silent"], {
      cwd: REPO,
      env: userEnv([path.dirname(process.execPath)]),
      timeout: 120_000,
    });
    const tarball = path.join(scratch, packed.stdout.trim().split("\n").pop()!);
    await writeFile(
      path.join(project, "package.json"),
      `${JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2)}\n`,
    );
    await inProject(
      "npm",
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        tarball,
        `node@${OLDEST_NODE}`,
      ],
      envThisNode,
      120_000,
    );
    oldestNode = path.join(project, "node_modules/.bin/node");
  },
  { timeout: 300_000 },
);

after(() => rm(scratch, { recursive: true, force: true }));

describe("the installed package", () => {
  test("ships dist/ (JS, declarations, source maps) matching its exports and bin, and no tests", async () => {
    const root = path.join(project, "node_modules/incluster");
    const manifest = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as {
      bin: Record<string, string>;
      exports: Record<string, string | { types: string; default: string }>;
    };
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      const files = typeof target === "string" ? [target] : [target.types, target.default];
      for (const file of files)
        assert.ok(existsSync(path.join(root, file)), `${subpath} → ${file} is missing`);
      if (typeof target !== "string") assert.ok(existsSync(path.join(root, `${target.default}.map`)));
    }
    const bin = path.join(root, manifest.bin.incluster);
    assert.match(await readFile(bin, "utf8"), /^#!\/usr\/bin\/env node\n/);
    assert.ok(((await stat(bin)).mode & 0o111) !== 0, "the bin is executable");
    const shipped = await listFiles(root);
    assert.deepEqual([...new Set(shipped.map((file) => file.split("/")[0]))].sort(), [
      "README.md",
      "deploy",
      "dist",
      "package.json",
    ]);
    assert.deepEqual(
      shipped.filter(
        (file) => /(^|\/)(test|bench|src)\/|\.test\.|\.ts$/.test(file) && !file.endsWith(".d.ts"),
      ),
      [],
    );
    const size = await installedSize(root);
    console.log(
      `# installed: incluster ${(size.bytes / 1e6).toFixed(1)} MB with ${size.dependencies} dependencies (${size.packages} packages)`,
    );
  });

  test("every subpath export typechecks under module nodenext and under moduleResolution bundler (strict)", async () => {
    await writeFile(path.join(project, "consumer.ts"), CONSUMER_TS);
    const common = { strict: true, noEmit: true, skipLibCheck: false, target: "es2023", lib: ["es2023"] };
    const configs = {
      "tsconfig.nodenext.json": { ...common, module: "nodenext", moduleResolution: "nodenext" },
      "tsconfig.bundler.json": { ...common, module: "esnext", moduleResolution: "bundler" },
    };
    for (const [file, compilerOptions] of Object.entries(configs)) {
      await writeFile(
        path.join(project, file),
        JSON.stringify({
          compilerOptions: {
            ...compilerOptions,
            types: ["node"],
            typeRoots: [NODE_TYPES],
            resolveJsonModule: true,
          },
          files: ["consumer.ts"],
        }),
      );
      await inProject(TSC, ["-p", file]).catch((error: { stdout: string }) =>
        assert.fail(`${file}:\n${error.stdout}`),
      );
    }
  });

  for (const which of ["the oldest Node", "this Node"] as const) {
    test(`runs on ${which}: server, client list and count, a 403 explained; CommonJS require() works`, async () => {
      const node = which === "the oldest Node" ? oldestNode : process.execPath;
      const { stdout: version } = await inProject(node, ["--version"]);
      if (which === "the oldest Node") assert.ok(version.startsWith(`v${OLDEST_NODE}.`), version);
      await writeFile(path.join(project, "check.mjs"), CHECK_MJS);
      const { stdout } = await inProject(node, ["check.mjs"]);
      const result = JSON.parse(stdout) as { listed: number; counted: number; explanation: string };
      assert.equal(result.listed, 3);
      assert.equal(result.counted, 3);
      assert.match(result.explanation, /Who: +ServiceAccount consumer\/reader/);
      assert.match(result.explanation, /Least-privilege fix: /);
      assert.match(result.explanation, /\nkind: Role\n/);
      await writeFile(path.join(project, "check.cjs"), CHECK_CJS);
      const cjs = await inProject(node, ["check.cjs"]);
      assert.equal(cjs.stdout, "client server token rbac kubelet\n");
      console.log(
        `# ${which} ${version.trim()}: ok${cjs.stderr ? ` (require() warns: ${cjs.stderr.trim()})` : ""}`,
      );
    });
  }

  test("importing incluster/client loads no server, runtime, CLI or YAML code", async () => {
    await writeFile(path.join(project, "record-imports.mjs"), RECORD_IMPORTS_MJS);
    const { stdout } = await inProject(process.execPath, [
      "--import",
      "./record-imports.mjs",
      "--input-type=module",
      "-e",
      'await import("incluster/client");',
    ]);
    const loaded = stdout.trim().split("\n");
    assert.ok(
      loaded.some((url) => url.endsWith("/node_modules/incluster/dist/client/index.js")),
      stdout,
    );
    assert.deepEqual(
      loaded.filter((url) => NOT_CLIENT.test(url)),
      [],
    );
    const measured = await inProject(process.execPath, ["--input-type=module", "-e", MEASURE_IMPORT]);
    console.log(`# import "incluster/client" on ${process.version}: ${measured.stdout.trim()}`);
  });

  test("npx incluster: --version, and cluster up serving kubectl and running the incluster image from this package", async () => {
    const { stdout } = await inProject("npx", ["--no-install", "incluster", "--version"]);
    assert.equal(stdout, `${MANIFEST.version}\n`);

    const dataDir = path.join(scratch, "cluster");
    const cluster = spawn(
      "npx",
      ["--no-install", "incluster", "cluster", "up", "--port", "0", "--data-dir", dataDir],
      {
        cwd: project,
        env: envThisNode,
        detached: true, // its own process group: stopped with everything it started, whatever happens
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      const banner = await outputLine(cluster, /kubeconfig: +(\S+)/, 30_000);
      const kubeconfig = /kubeconfig: +(\S+)/.exec(banner)![1];
      const kubectl = async (...args: string[]) =>
        (await run(KUBECTL, ["--kubeconfig", kubeconfig, ...args], { timeout: 30_000 })).stdout;
      assert.match(await kubectl("get", "ns"), /^default +Active/m);

      await kubectl("create", "namespace", "consumer");
      await kubectl("create", "clusterrole", "pod-reader", "--verb=get,list,watch", "--resource=pods");
      await kubectl(
        "create",
        "clusterrolebinding",
        "consumer-pod-reader",
        "--clusterrole=pod-reader",
        "--serviceaccount=consumer:default",
      );
      await kubectl(
        "run",
        "counter",
        "-n",
        "consumer",
        `--image=ghcr.io/incluster/incluster:${MANIFEST.version}`,
      );
      let log = "";
      await until(45_000, async () => {
        const phase = await kubectl(
          "get",
          "pod",
          "counter",
          "-n",
          "consumer",
          "-o",
          "jsonpath={.status.phase}",
        );
        if (phase !== "Running") return false;
        log = await kubectl("logs", "counter", "-n", "consumer");
        return /There (is|are) \d+ pods? in the cluster/.test(log);
      });
      assert.match(log, /There is 1 pod in the cluster/);
      // The container is the installed package's compiled CLI, run by the Node that runs the runtime.
      const installedCli = path.join(project, "node_modules/incluster/dist/cli/main.js");
      const [container, ...others] = (await commandLines()).filter((argv) => argv.includes(installedCli));
      assert.ok(container, `no process runs ${installedCli}`);
      assert.deepEqual(others, [], "one container runs the CLI");
      const cli = container.indexOf(installedCli);
      assert.deepEqual(container.slice(cli + 1), ["pods", "count"], "the image's CMD");
      const { stdout: containerNode } = await run(container[cli - 1], ["--version"]);
      assert.ok(
        containerNode.startsWith(`v${OLDEST_NODE}.`),
        `the Node that runs \`cluster up\` (the project's, through npx) runs the image, not ${containerNode}`,
      );
    } finally {
      await stopGroup(cluster);
    }
  });
});

/** Every file under dir, relative, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** The package plus its production dependency closure, resolved as Node resolves them (hoisted or nested). */
async function installedSize(
  root: string,
): Promise<{ bytes: number; packages: number; dependencies: number }> {
  const seen = new Set<string>([root]);
  const queue = [root];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    const manifest = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      const found = resolvePackage(dir, name);
      if (found && !seen.has(found)) {
        seen.add(found);
        queue.push(found);
      }
    }
  }
  let bytes = 0;
  for (const dir of seen) {
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      const file = path.join(entry.parentPath, entry.name);
      if (entry.isFile() && !path.relative(dir, file).split(path.sep).includes("node_modules")) {
        bytes += (await stat(file)).size;
      }
    }
  }
  const direct = Object.keys(
    (JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as { dependencies: object })
      .dependencies,
  ).length;
  return { bytes, packages: seen.size, dependencies: direct };
}

function resolvePackage(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (existsSync(path.join(candidate, "package.json"))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function outputLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  let text = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms:\n${text}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      text += chunk;
      const line = text.split("\n").find((l) => pattern.test(l));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve(line);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`exited with ${code} before printing ${pattern}:\n${text}`)),
    );
  });
}

async function until(timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`not within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ""}`);
}

/** argv of every process this user can see (Linux /proc). */
async function commandLines(): Promise<string[][]> {
  const lines: string[][] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const raw = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (raw) lines.push(raw.replace(/\0$/, "").split("\0"));
  }
  return lines;
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(-child.pid, "SIGINT");
  let timer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), 15_000);
    }),
  ]);
  clearTimeout(timer);
  // Still running after 15 s: end the whole group (npx, the CLI, its Pods).
  if (!stopped) process.kill(-child.pid, "SIGKILL");
}

const CONSUMER_TS = `import {
  createClient,
  type ForbiddenError,
  isForbidden,
  type KubeClient,
  loadForbiddenFix,
} from "incluster/client";
import { startServer, type RunningServer } from "incluster/server";
import { startRuntime } from "incluster/kubelet";
import { parseForbidden } from "incluster/rbac";
import { decodeToken } from "incluster/token";
import manifest from "incluster/package.json" with { type: "json" };
import type { Pod } from "kubernetes-types/core/v1.d.ts";

export async function count(server: RunningServer): Promise<number> {
  const client: KubeClient = await createClient({ server: server.url, caData: server.caPem, token: "t" });
  try {
    return await client.resource<Pod>("pods").count({ allNamespaces: true });
  } catch (error) {
    if (isForbidden(error)) {
      await loadForbiddenFix();
      const explained: string = (error satisfies ForbiddenError).explain();
      throw new Error(explained);
    }
    throw error;
  } finally {
    client.close();
  }
}
export const exported = [startServer, startRuntime, parseForbidden, decodeToken] as const;
export const version: string = manifest.version;
`;

const CHECK_MJS = `import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createClient, isForbidden } from "incluster/client";
import { startServer } from "incluster/server";

const server = await startServer({ port: 0, logLevel: "error" });
const dir = await mkdtemp(path.join(os.tmpdir(), "incluster-consumer-check-"));
const kubeconfig = path.join(dir, "kubeconfig");
await writeFile(kubeconfig, server.kubeconfig, { mode: 0o600 });
const admin = await createClient({ kubeconfig });
const result = {};
try {
  await admin.resource("namespaces").create({ metadata: { name: "consumer" } });
  await admin.resource("serviceaccounts").create({ metadata: { name: "reader", namespace: "consumer" } });
  const pods = admin.resource("pods");
  for (const name of ["a", "b", "c"]) {
    await pods.create({ metadata: { name, namespace: "consumer" }, spec: { containers: [{ name: "c", image: "x" }] } });
  }
  result.listed = (await pods.list({ namespace: "consumer" })).items.length;
  result.counted = await pods.count({ namespace: "consumer" });
  const { token } = await admin.createToken("consumer", "reader");
  const reader = await createClient({ server: server.url, caData: server.caPem, token });
  try {
    await reader.resource("pods").list({ namespace: "consumer" });
  } catch (error) {
    if (!isForbidden(error)) throw error;
    result.explanation = error.explain();
  } finally {
    reader.close();
  }
} finally {
  admin.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(result));
`;

const CHECK_CJS = `"use strict";
const { createClient } = require("incluster/client");
const { startServer } = require("incluster/server");
const { decodeToken } = require("incluster/token");
const { parseForbidden } = require("incluster/rbac");
const { startRuntime } = require("incluster/kubelet");
const loaded = { client: createClient, server: startServer, token: decodeToken, rbac: parseForbidden, kubelet: startRuntime };
console.log(Object.keys(loaded).filter((k) => typeof loaded[k] === "function").join(" "));
`;

const RECORD_IMPORTS_MJS = `import { registerHooks } from "node:module";
const urls = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    urls.add(result.url);
    return result;
  },
});
process.on("exit", () => process.stdout.write([...urls].join("\\n") + "\\n"));
`;

const MEASURE_IMPORT = `const before = process.memoryUsage().rss;
const started = performance.now();
await import("incluster/client");
const ms = performance.now() - started;
const rss = process.memoryUsage().rss;
console.log(\`\${ms.toFixed(1)} ms, RSS \${(rss / 1e6).toFixed(1)} MB (+\${((rss - before) / 1e6).toFixed(1)} MB)\`);
`;
