// `incluster run --serviceaccount NS/NAME -- CMD ARGS…`: runs a local command as if it were in a Pod of
// that ServiceAccount. A TokenRequest token, the kubeconfig's CA and the namespace are written in the
// kubelet's projected-volume layout (..data swaps) into a private temp dir, the in-cluster environment is
// set, the token is refreshed by the kubelet's 80 % rule while CMD runs, and everything is removed after.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { parseDuration } from "../apps/shared/duration.ts";
import { DEFAULT_SERVICE_ACCOUNT_DIR, SERVICE_ACCOUNT_DIR_ENV } from "../client/config.ts";
import type { KubeClient } from "../client/index.ts";
import {
  AtomicWriter,
  detectMountNamespace,
  inMountNamespace,
  kubernetesServiceEnv,
  refreshDueAt,
  TokenManager,
  type TokenSpec,
} from "../kubelet/index.ts";
import { connect, describeError, UsageError } from "./output.ts";

/** docker run's convention: 125 = the runner failed, 126 = CMD cannot be executed, 127 = CMD not found. */
export const RUN_EXIT = { runnerFailed: 125, cannotExecute: 126, notFound: 127 } as const;

/** How often the token is checked against the refresh rule (the kubelet re-syncs about every minute). */
const REFRESH_CHECK_MS = 30_000;
const FORWARDED_SIGNALS: NodeJS.Signals[] = ["SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGINT"];

interface RunFlags {
  serviceaccount: string;
  kubeconfig?: string;
  context?: string;
  audience: string[];
  expiration: string;
  pod?: string;
  mountNamespace: boolean;
}

const note = (text: string) => process.stderr.write(`incluster run: ${text}\n`);

export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description("run a local command as a Pod of a ServiceAccount would run (token, ca.crt, namespace, env)")
    .requiredOption("--serviceaccount <namespace/name>", "the ServiceAccount whose token CMD gets")
    .option(
      "--kubeconfig <file>",
      "kubeconfig used to request the token (default: in-cluster, then $KUBECONFIG)",
    )
    .option("--context <name>", "the kubeconfig context to use")
    .option("--audience <audience>", "token audience (repeatable; default: the API server's)", collect, [])
    .option("--expiration <duration>", "requested token lifetime, at least 10m", "1h")
    .option(
      "--pod <name>",
      "bind the token to this Pod (it must run as the ServiceAccount); revoked with the Pod",
    )
    .option("--no-mount-namespace", "do not mount the files at the standard path even when running as root")
    .argument("<command...>", "the command to run, after --")
    // docker run's convention for its own usage errors too: 125, never a code CMD could have returned.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : RUN_EXIT.runnerFailed))
    .addHelpText(
      "after",
      `
CMD sees what a container sees: KUBERNETES_SERVICE_HOST/PORT (from the kubeconfig's server URL), and token,
ca.crt and namespace at ${DEFAULT_SERVICE_ACCOUNT_DIR} when incluster can give it a private mount
namespace (root on Linux); otherwise in a private temp directory named by $${SERVICE_ACCOUNT_DIR_ENV}
(honoured by incluster's client). KUBECONFIG is removed from CMD's environment, as a Pod has none.
The token is refreshed at 80 % of its lifetime while CMD runs. Signals are forwarded to CMD.

Exit status: CMD's own; 125 when incluster run itself fails, 126/127 when CMD cannot be run / is not found.

Example:
  incluster run --serviceaccount test-in-cluster/default -- python3 -c 'from kubernetes import config; config.load_incluster_config()'`,
    )
    .action(async (command: string[], flags: RunFlags) => {
      process.exitCode = await runAsPod(command, flags).catch((error: unknown) => {
        process.stderr.write(`${describeError(error)}\n`);
        return RUN_EXIT.runnerFailed;
      });
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseServiceAccount(text: string): { namespace: string; name: string } {
  const match = /^([a-z0-9][a-z0-9-]*)\/([a-z0-9][a-z0-9.-]*)$/.exec(text);
  if (!match) throw new UsageError(`--serviceaccount must be NAMESPACE/NAME, got ${JSON.stringify(text)}`);
  return { namespace: match[1], name: match[2] };
}

function expirationSeconds(text: string): number {
  const seconds = Math.round(parseDuration(text) / 1000);
  if (seconds < 600)
    throw new UsageError(`--expiration ${text} is shorter than the 10 minutes TokenRequest allows`);
  return seconds;
}

async function boundPod(client: KubeClient, namespace: string, name: string, serviceAccount: string) {
  const pod = await client.resource<Pod>("pods").get(name, { namespace });
  const uses = pod.spec?.serviceAccountName || "default";
  if (uses !== serviceAccount) {
    throw new UsageError(
      `pod ${namespace}/${name} runs as ServiceAccount "${uses}", not "${serviceAccount}"`,
    );
  }
  return { name, uid: pod.metadata?.uid ?? "" };
}

/** The files of the kubelet's kube-api-access volume for this run. */
async function writeServiceAccountFiles(
  writer: AtomicWriter,
  tokens: TokenManager,
  spec: TokenSpec,
  caPem: string | undefined,
): Promise<boolean> {
  const files = new Map([
    ["token", { data: await tokens.get(spec), mode: 0o644 }],
    ["namespace", { data: spec.namespace, mode: 0o644 }],
  ]);
  if (caPem) files.set("ca.crt", { data: caPem, mode: 0o644 });
  return (await writer.write(files)).changed;
}

function childEnvironment(client: KubeClient, saDir: string | undefined): NodeJS.ProcessEnv {
  const server = new URL(client.config.server);
  if (server.pathname !== "/" && server.pathname !== "") {
    note(
      `the server URL has a path (${server.pathname}), which in-cluster clients cannot express; they will miss it`,
    );
  }
  const host = server.hostname.replace(/^\[|\]$/g, "");
  const port = server.port ? Number(server.port) : 443;
  const env: NodeJS.ProcessEnv = { ...process.env, ...Object.fromEntries(kubernetesServiceEnv(host, port)) };
  delete env.KUBECONFIG;
  delete env[SERVICE_ACCOUNT_DIR_ENV];
  if (saDir) env[SERVICE_ACCOUNT_DIR_ENV] = saDir;
  return env;
}

async function runAsPod(command: string[], flags: RunFlags): Promise<number> {
  if (command.length === 0) throw new UsageError("give the command to run after --");
  const sa = parseServiceAccount(flags.serviceaccount);
  const seconds = expirationSeconds(flags.expiration);
  const client = await connect({ kubeconfig: flags.kubeconfig, context: flags.context });
  const tmp = await mkdtemp(path.join(os.tmpdir(), "incluster-run-")); // 0700
  const timers: NodeJS.Timeout[] = [];
  try {
    const pod = flags.pod ? await boundPod(client, sa.namespace, flags.pod, sa.name) : undefined;
    const spec: TokenSpec = {
      namespace: sa.namespace,
      serviceAccount: sa.name,
      audiences: flags.audience,
      expirationSeconds: seconds,
      ...(pod ? { pod } : {}),
    };
    const tokens = new TokenManager((s) =>
      client.createToken(s.namespace, s.serviceAccount, {
        audiences: s.audiences,
        expirationSeconds: s.expirationSeconds,
        ...(s.pod ? { boundObjectRef: { apiVersion: "v1", kind: "Pod", ...s.pod } } : {}),
      }),
    );
    const caPem = client.config.ca?.current();
    if (!caPem) {
      note(
        "the kubeconfig has no certificate authority (system roots or TLS verification off): ca.crt is not written",
      );
    }
    const saDir = path.join(tmp, "serviceaccount");
    await mkdir(saDir, { mode: 0o700 });
    const writer = new AtomicWriter(saDir);
    await writeServiceAccountFiles(writer, tokens, spec, caPem);

    const mounted = flags.mountNamespace && (await prepareMount());
    let argv = command;
    if (mounted)
      argv = inMountNamespace(
        command,
        [{ source: saDir, target: DEFAULT_SERVICE_ACCOUNT_DIR, readOnly: true }],
        process.cwd(),
      );
    const due = refreshDueAt({ expirationTimestamp: tokens.expiration(spec)!, expirationSeconds: seconds });
    note(
      `running as system:serviceaccount:${sa.namespace}:${sa.name}${pod ? ` (token bound to pod ${pod.name})` : ""}; ` +
        `files at ${mounted ? DEFAULT_SERVICE_ACCOUNT_DIR : saDir}; token refresh due ${due.toISOString()}`,
    );

    timers.push(
      setInterval(() => {
        writeServiceAccountFiles(writer, tokens, spec, caPem).then(
          (changed) => changed && note(`token refreshed, expires ${tokens.expiration(spec)?.toISOString()}`),
          (error: Error) =>
            note(`token refresh failed (the current token stays while valid): ${error.message}`),
        );
      }, REFRESH_CHECK_MS),
    );
    return await runChild(argv, childEnvironment(client, mounted ? undefined : saDir));
  } finally {
    for (const timer of timers) clearInterval(timer);
    client.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** A private mount namespace when possible; says clearly when not. */
async function prepareMount(): Promise<boolean> {
  const support = await detectMountNamespace();
  if (!support.available) {
    note(
      `no private mount namespace (${support.detail}); clients that hard-code ${DEFAULT_SERVICE_ACCOUNT_DIR} will not find the token, ` +
        `incluster's client reads $${SERVICE_ACCOUNT_DIR_ENV}`,
    );
    return false;
  }
  const created = await mkdir(DEFAULT_SERVICE_ACCOUNT_DIR, { recursive: true });
  if (created) note(`created the empty mount point ${DEFAULT_SERVICE_ACCOUNT_DIR} on this host`);
  return true;
}

/** Inherited stdio, forwarded signals, and the child's exit status as ours. */
function runChild(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: "inherit", env });
    const forward = (signal: NodeJS.Signals) => {
      // Ctrl-C at a terminal already reached CMD (same process group): do not deliver it twice.
      if (signal === "SIGINT" && process.stdin.isTTY) return;
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const done = (code: number) => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      resolve(code);
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      note(`cannot run ${argv[0]}: ${error.message}`);
      done(error.code === "ENOENT" ? RUN_EXIT.notFound : RUN_EXIT.cannotExecute);
    });
    child.once("exit", (code, signal) => {
      done(signal ? 128 + (os.constants.signals[signal] ?? 0) : (code ?? 0));
    });
  });
}
