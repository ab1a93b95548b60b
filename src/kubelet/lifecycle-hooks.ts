// Container lifecycle hooks (postStart, preStop) as the kubelet runs them. Ported from kubernetes v1.33:
//   pkg/kubelet/lifecycle/handlers.go (handlerRunner.Run: exec, httpGet with the HTTPS→HTTP fallback, sleep;
//     tcpSocket is accepted by validation but is an invalid handler at run time),
//   pkg/probe/http/request.go (NewRequestForHTTPGetAction: scheme, host or Pod IP, resolved port, path, headers),
//   pkg/kubelet/kuberuntime/kuberuntime_container.go (startContainer step 4, executePreStopHook, killContainer:
//     the preStop hook's time counts against the grace period, truncated to whole seconds, and the container
//     always gets at least minimumGracePeriodInSeconds after it),
//   pkg/kubelet/events/event.go (FailedPostStartHook, FailedPreStopHook).
// Exec hooks run like pods/exec (exec.ts: the container's namespaces, user and environment); their output
// goes into the failure message only, never into the container log.
import http from "node:http";
import https from "node:https";
import type { Container, HTTPGetAction, LifecycleHandler, Pod } from "kubernetes-types/core/v1.d.ts";
import { goQuote } from "../meta/go-quote.ts";
import { timerDelay } from "./clock.ts";
import { type ExecSession, type ExecTarget, type NodeExecHost, PodExecRouter } from "./exec.ts";
import { dialMessage, discardBody, type PodConnect, podConnect, requestOrError } from "./probes.ts";

/** Event reasons (pkg/kubelet/events/event.go) and the waiting reason of a failed start (ErrPostStartHook). */
export const FAILED_POST_START_HOOK = "FailedPostStartHook";
export const FAILED_PRE_STOP_HOOK = "FailedPreStopHook";
export const POST_START_HOOK_ERROR = "PostStartHookError";
/** The event messages leave the hook's message out, so that secrets in its output do not reach the API. */
export const POST_START_HOOK_FAILED = "PostStartHook failed";
export const PRE_STOP_HOOK_FAILED = "PreStopHook failed";
/** killContainer's minimumGracePeriodInSeconds: SIGTERM always gets this long before SIGKILL. */
export const MINIMUM_GRACE_PERIOD_MS = 2000;

/** What a hook's output may add to its failure message (ExecSync would return up to 16 MiB). */
const MAX_OUTPUT_BYTES = 10 * 1024;
const LIFECYCLE_USER_AGENT = "kube-lifecycle/1.33";
/** How long an exec hook waits for a just-started container's command to exist. */
const START_WAIT_MS = 5000;

export type ExecOutcome = { exitCode: number; stdout: string; stderr: string } | { error: string };

/** Where a hook runs: the container, its Pod's IP, and a way to run a command inside the container. */
export interface HookTarget {
  pod: Pod;
  container: Container;
  podIP: string | undefined;
  /** The Pod has a network namespace of its own: the host's loopback is out of its reach (podConnect). */
  isolated?: boolean;
  exec(command: readonly string[], signal: AbortSignal): Promise<ExecOutcome>;
  /** A Warning event on the Pod (LifecycleHTTPFallback). */
  podWarning(reason: string, message: string): void;
}

/**
 * Runs one handler (handlerRunner.Run); resolves to undefined on success, else to upstream's failure
 * message. `signal` ends it early: the container stopped, or the Pod is being deleted.
 */
export async function runLifecycleHandler(
  handler: LifecycleHandler,
  target: HookTarget,
  signal: AbortSignal,
): Promise<string | undefined> {
  const where = `for Container ${goQuote(target.container.name)} in Pod ${goQuote(podRef(target.pod))}`;
  if (handler.exec) {
    const command = handler.exec.command ?? [];
    const outcome = await target.exec(command, signal);
    if ("error" in outcome) {
      return `Exec lifecycle hook ([${command.join(" ")}]) ${where} failed - error: ${outcome.error}, message: ""`;
    }
    if (outcome.exitCode === 0) return undefined;
    // RunInContainer: stdout then stderr; ExecSync's error names the command, its code and its stderr.
    const error = `command '${command.join(" ")}' exited with ${outcome.exitCode}: ${outcome.stderr}`;
    return `Exec lifecycle hook ([${command.join(" ")}]) ${where} failed - error: ${error}, message: ${goQuote(outcome.stdout + outcome.stderr)}`;
  }
  if (handler.httpGet) {
    const error = await runHttpHandler(handler.httpGet, target, signal);
    return error === undefined
      ? undefined
      : `HTTP lifecycle hook (${handler.httpGet.path ?? ""}) ${where} failed - error: ${error}`;
  }
  if (handler.sleep) {
    const seconds = handler.sleep.seconds ?? 0;
    const finished = await sleep(seconds * 1000, signal);
    return finished
      ? undefined
      : `Sleep lifecycle hook (${seconds}) ${where} failed - error: container terminated before sleep hook finished`;
  }
  return `Cannot run handler: invalid handler: ${goHandlerString(handler)}`;
}

/**
 * preStop within the grace period (executePreStopHook): resolves to what is left of the grace period, the
 * hook's time subtracted in whole seconds as upstream truncates it. A hook that outlives the grace period is
 * left running until the container ends.
 */
export async function runPreStop(
  handler: LifecycleHandler,
  target: HookTarget,
  graceMs: number,
  signal: AbortSignal,
  failed: (message: string) => void,
): Promise<number> {
  const started = Date.now();
  const hook = runLifecycleHandler(handler, target, signal).then((message) => {
    if (message !== undefined) failed(message);
  });
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timerDelay(graceMs));
  });
  await Promise.race([hook, bound]);
  clearTimeout(timer);
  return graceMs - Math.floor((Date.now() - started) / 1000) * 1000;
}

/** Runs hook commands in a Pod's containers the way pods/exec does (exec.ts), collecting their output. */
export class ContainerCommands {
  readonly #router = new PodExecRouter();
  readonly #node = "lifecycle-hooks";
  readonly #pod: { namespace: string; name: string; uid: string };
  readonly #host: NodeExecHost;

  constructor(host: NodeExecHost, pod: { namespace: string; name: string; uid: string }) {
    this.#router.register(this.#node, host);
    this.#host = host;
    this.#pod = pod;
  }

  async run(container: string, command: readonly string[], signal: AbortSignal): Promise<ExecOutcome> {
    const target: ExecTarget = {
      node: this.#node,
      namespace: this.#pod.namespace,
      pod: this.#pod.name,
      uid: this.#pod.uid,
      container,
    };
    let session: ExecSession;
    try {
      // Right after the start a sandbox's init has not forked the command yet: wait for it, as a
      // runtime's ExecSync waits for the container's task.
      for (let waited = 0; !this.#host.container(this.#pod.uid, container); waited += 50) {
        if (signal.aborted || waited >= START_WAIT_MS) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (signal.aborted) return { error: "container is not running" };
      const prepared = await this.#router.exec(target, command, {
        stdin: false,
        stdout: true,
        stderr: true,
        tty: false,
      });
      session = prepared.start();
    } catch (error) {
      return { error: (error as Error).message };
    }
    const finished = Promise.all([collect(session.stdout), collect(session.stderr), session.done]);
    // An abort ends the hook at once: the session's end also waits for its output to close, which a
    // descendant that left the process group may hold open (and the Pod's deletion waits for the hook).
    let stop: () => void = () => {};
    const aborted = new Promise<"aborted">((resolve) => {
      stop = () => {
        session.close();
        resolve("aborted");
      };
      signal.addEventListener("abort", stop, { once: true });
      if (signal.aborted) stop(); // aborted while the exec was being prepared
    });
    const result = await Promise.race([finished, aborted]);
    signal.removeEventListener("abort", stop);
    if (result === "aborted") return { error: "context canceled" };
    const [stdout, stderr, done] = result;
    if ("error" in done) return { error: done.error };
    return { exitCode: done.exitCode, stdout, stderr };
  }
}

/** Reads a stream to its end, keeping the first MAX_OUTPUT_BYTES. */
function collect(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return Promise.resolve("");
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on("data", (chunk: Buffer) => {
      if (size < MAX_OUTPUT_BYTES) chunks.push(chunk.subarray(0, MAX_OUTPUT_BYTES - size));
      size += chunk.length;
    });
    stream.on("error", () => resolve(Buffer.concat(chunks).toString()));
    stream.on("end", () => resolve(Buffer.concat(chunks).toString()));
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", stop);
      resolve(true);
    }, timerDelay(ms));
    const stop = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", stop, { once: true });
  });
}

/** runHTTPHandler: any HTTP response is success (the status code is not looked at), errors are failures. */
async function runHttpHandler(
  action: HTTPGetAction,
  target: HookTarget,
  signal: AbortSignal,
): Promise<string | undefined> {
  const host = action.host || target.podIP;
  if (!host) return "failed to find networking container: no Pod IP";
  const port = resolveContainerPort(action.port, target.container);
  if (port instanceof Error) return port.message;
  const scheme = (action.scheme ?? "HTTP").toLowerCase() === "https" ? "https" : "http";
  const headers: Record<string, string> = { "User-Agent": LIFECYCLE_USER_AGENT, Accept: "*/*" };
  for (const header of action.httpHeaders ?? []) headers[header.name] = header.value;
  const connect = podConnect(host, target.isolated);
  const first = await httpGet(scheme, host, port, action.path ?? "", headers, signal, connect);
  if (first.ok || scheme === "http" || !first.httpResponseToHttps) return first.ok ? undefined : first.error;
  // isHTTPResponseError: an HTTP server behind an HTTPS hook gets the request again over HTTP.
  const { Authorization: _dropped, ...plain } = headers;
  const retry = await httpGet("http", host, port, action.path ?? "", plain, signal, connect);
  if (!retry.ok) return first.error;
  target.podWarning(
    "LifecycleHTTPFallback",
    `request to HTTPS lifecycle hook ${hostPort(host, port)} got HTTP response, retry with HTTP succeeded`,
  );
  return undefined;
}

type HttpResult = { ok: true } | { ok: false; error: string; httpResponseToHttps: boolean };

function httpGet(
  scheme: "http" | "https",
  host: string,
  port: number,
  path: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  connect: PodConnect,
): Promise<HttpResult> {
  // formatURL: the path as given, after scheme://host:port (Go adds the "/" a relative path lacks).
  const url = `${scheme}://${hostPort(host, port)}${path && !path.startsWith("/") ? "/" : ""}${path}`;
  if ("refused" in connect)
    return Promise.resolve({
      ok: false,
      error: dialMessage(connect.refused, `Get "${url}"`, host, port),
      httpResponseToHttps: false,
    });
  return new Promise((resolve) => {
    const client = scheme === "https" ? https : http;
    const req = requestOrError(
      () =>
        client.get(
          url,
          {
            headers,
            signal,
            agent: false, // a connection per hook: nothing kept open towards the Pod
            lookup: connect.lookup,
            rejectUnauthorized: false, // the kubelet's lifecycle client skips verification, as probes do
          },
          (res) => {
            discardBody(res);
            resolve({ ok: true });
          },
        ),
      url,
    );
    if (typeof req === "string") return resolve({ ok: false, error: req, httpResponseToHttps: false });
    req.on("error", (error: NodeJS.ErrnoException) => {
      const httpResponseToHttps =
        scheme === "https" && (error.code === "ERR_SSL_WRONG_VERSION_NUMBER" || error.code === "EPROTO");
      const message = signal.aborted
        ? `Get "${url}": context canceled`
        : httpResponseToHttps
          ? `Get "${url}": http: server gave HTTP response to HTTPS client`
          : dialMessage(error, `Get "${url}"`, host, port);
      resolve({ ok: false, error: message, httpResponseToHttps });
    });
  });
}

function hostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** probe.ResolveContainerPort: a number, the name of one of the container's ports, or a numeric string. */
export function resolveContainerPort(
  port: number | string | undefined,
  container: Container,
): number | Error {
  let resolved: number;
  if (typeof port === "number") resolved = port;
  else {
    const named = (container.ports ?? []).find((p) => p.name === port);
    if (named) resolved = named.containerPort;
    else if (/^[+-]?\d+$/.test(port ?? "")) resolved = Number(port);
    else return new Error(`strconv.Atoi: parsing ${goQuote(port ?? "")}: invalid syntax`);
  }
  if (resolved > 0 && resolved < 65536) return resolved;
  return new Error(`invalid port number: ${resolved}`);
}

/** format.Pod: name_namespace(uid). */
function podRef(pod: Pod): string {
  return `${pod.metadata?.name ?? ""}_${pod.metadata?.namespace ?? ""}(${pod.metadata?.uid ?? ""})`;
}

/** The generated String() of a LifecycleHandler that names no runnable action (a tcpSocket one). */
function goHandlerString(handler: LifecycleHandler): string {
  const tcp = handler.tcpSocket;
  const port =
    tcp === undefined ? "" : typeof tcp.port === "number" ? `{0 ${tcp.port} }` : `{1 0 ${tcp.port}}`;
  const tcpText = tcp ? `&TCPSocketAction{Port:${port},Host:${tcp.host ?? ""},}` : "nil";
  return `&LifecycleHandler{Exec:nil,HTTPGet:nil,TCPSocket:${tcpText},Sleep:nil,}`;
}
