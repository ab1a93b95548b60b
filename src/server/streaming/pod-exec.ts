// pods/exec and pods/attach (GET or POST with an upgrade), as kube-apiserver serves them:
//   - options from the query as PodExecOptions/PodAttachOptions (runtime.Convert_Slice_string_To_bool);
//   - a websocket GET is authorized for `create` too (KEP-4006's compound check, default since 1.35);
//   - the container and node as streamLocation (pkg/registry/core/pod/strategy.go) checks them;
//   - the runtime's refusals as the kubelet answers them (plain text before an upgrade; on the error channel,
//     prefixed as the v5 translator reports a failed SPDY dial, for v5.channel.k8s.io);
//   - the outcome as pkg/kubelet/cri/streaming/remotecommand/exec.go writes it (NonZeroExitCode + ExitCode).
import { STATUS_CODES } from "node:http";
import { finished } from "node:stream/promises";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { failure } from "../../meta/status.ts";
import type { KubeObject } from "../../meta/types.ts";
import { forbiddenMessage } from "../../rbac/index.ts";
import type { ContainerSession, ContainerTarget, PreparedSession } from "../context.ts";
import type { Call } from "../handlers/call.ts";
import { ApiStatusError, fail } from "../http/errors.ts";
import { attributesOf } from "../http/server.ts";
import { admitConnect, rejectConnectDryRun } from "./connect-admission.ts";
import {
  type ChannelStatus,
  exitCodeStatus,
  internalErrorStatus,
  STREAM_PROTOCOL_V5,
  type StreamOptions,
  SUCCESS,
  streamOptions,
} from "./remotecommand.ts";
import { serveSpdySession } from "./spdy-session.ts";
import { readTerminalSizes } from "./terminal-size.ts";
import { isUpgradeRequest, rejectUpgrade, takeUpgrade } from "./upgrade.ts";
import { type ChannelConnection, isWebSocketRequest, negotiateProtocol, openChannels } from "./websocket.ts";

type ConnectKind = "exec" | "attach";

/** The streams of a session as the protocol layer sees them (websocket channels or SPDY streams). */
export interface SessionChannels {
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** The client's terminal sizes (JSON TerminalSize values), for a tty session. */
  resize?: NodeJS.ReadableStream;
  writeStatus(status: ChannelStatus): Promise<void>;
  closed: Promise<void>;
  close(): void;
}

export const podExec = (call: Call) => connect(call, "exec");
export const podAttach = (call: Call) => connect(call, "attach");

async function connect(call: Call, kind: ConnectKind): Promise<void> {
  const { ctx, req, res, info, query } = call;
  rejectConnectDryRun(query);
  const options = sessionOptions(await admitConnect(call, connectOptions(query, kind)), kind);
  authorizeCreate(call);
  const entry = ctx.store.get("pods", info.namespace, info.name);
  if (!entry) throw fail.notFound("pods", "", info.name);
  const pod = entry.object() as Pod;
  const container = streamContainer(pod, info.name, options.container);
  const node = pod.spec?.nodeName;
  if (!node) throw fail.badRequest(`pod ${info.name} does not have a host assigned`);
  // UpgradeAwareProxyHandler with UpgradeRequired.
  if (!isUpgradeRequest(req)) throw fail.badRequest("Upgrade request required");
  const websocket = isWebSocketRequest(req);
  const exec = ctx.podExec;
  if (!exec) throw fail.badRequest(`no runtime serves node "${node}": ${kind} is unavailable`);

  const upgrade = takeUpgrade(req, res)!;
  const target: ContainerTarget = {
    node,
    namespace: info.namespace,
    pod: info.name,
    uid: pod.metadata?.uid ?? "",
    container,
  };
  // v5 goes through the API server's translator, which upgrades first and reports the kubelet's refusals
  // on the error channel; older websocket protocols and SPDY reach the kubelet, which answers them in HTTP.
  const translated = websocket && negotiateProtocol(req) === STREAM_PROTOCOL_V5;
  let streams: StreamOptions = options.streams;
  let prepared: PreparedSession;
  try {
    streams = streamOptions(options.streams);
    prepared =
      kind === "exec"
        ? await exec.exec(target, options.command, streams)
        : await exec.attach(target, streams);
  } catch (error) {
    const message = (error as Error).message;
    const code = (error as { code?: unknown }).code;
    const status = typeof code === "number" && code >= 400 && code < 600 ? code : 500;
    // Refusals carry their HTTP code; anything else is a failure worth the server log.
    if (typeof code !== "number")
      ctx.log.error({ err: error, pod: `${info.namespace}/${info.name}` }, `${kind} failed to start`);
    if (translated) {
      const channels = await openChannels(req, upgrade, streams);
      if (!channels) return;
      await channels.writeStatus(internalErrorStatus(`unable to upgrade connection: ${message}`));
      return channels.close();
    }
    return rejectUpgrade(upgrade.socket, status, STATUS_CODES[status] ?? "Error", message);
  }

  // Nothing runs until the client's streams are open (the kubelet's createStreams, then ExecInContainer).
  let session: ContainerSession | undefined;
  try {
    let channels: SessionChannels | undefined;
    let protocol = "";
    if (websocket) {
      const conn: ChannelConnection | undefined = await openChannels(req, upgrade, streams);
      protocol = conn?.protocol ?? "";
      channels = conn;
    } else {
      channels = await serveSpdySession(req, upgrade, streams, ctx.log);
    }
    if (!channels) return;
    try {
      session = prepared.start();
    } catch (error) {
      await channels.writeStatus(internalErrorStatus((error as Error).message));
      return channels.close();
    }
    const end = await pump(session, channels, streams);
    await channels.writeStatus(outcome(kind, end, options.command, protocol === STREAM_PROTOCOL_V5));
    channels.close();
  } catch (error) {
    // Past the upgrade there is no HTTP answer left to give: end the connection and the session.
    ctx.log.error({ err: error, pod: `${info.namespace}/${info.name}` }, `${kind} session failed`);
    session?.close();
    upgrade.socket.destroy();
  }
}

/** Copies between the session and the client until the session ends (or the client leaves: ended). */
async function pump(
  session: ContainerSession,
  channels: SessionChannels,
  streams: StreamOptions,
): Promise<Awaited<ContainerSession["done"]>> {
  if (channels.stdin) {
    if (session.stdin && streams.stdin) channels.stdin.pipe(session.stdin);
    else channels.stdin.resume();
  }
  // Sizes reach a terminal; without one (no tty, or a container without a terminal) they are dropped.
  if (channels.resize) readTerminalSizes(channels.resize, (size) => session.resize?.(size));
  // tty: one terminal carries both outputs.
  const outputs: [NodeJS.ReadableStream | undefined, NodeJS.WritableStream | undefined][] = [
    [session.stdout, channels.stdout],
    [session.stderr, streams.tty ? channels.stdout : channels.stderr],
  ];
  const copied = outputs.map(([from, to]) => {
    if (!from) return Promise.resolve();
    if (!to) {
      from.resume();
      return Promise.resolve();
    }
    from.pipe(to, { end: false });
    // finished() also settles for a stream that closed before this point (a quick command's empty output).
    return finished(from as NodeJS.ReadableStream).catch(() => undefined);
  });
  let left = false;
  void channels.closed.then(() => {
    left = true;
    session.close();
  });
  const end = await session.done;
  if (!left) await Promise.all(copied);
  await Promise.all(
    [channels.stdout, channels.stderr].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (!w || left) return resolve();
          w.end(resolve);
        }),
    ),
  );
  return end;
}

/** exec.go's status (through the v5 translator, the SPDY client's CodeExitError text); attach succeeds. */
function outcome(
  kind: ConnectKind,
  end: Awaited<ContainerSession["done"]>,
  command: readonly string[],
  translated: boolean,
): ChannelStatus {
  if ("error" in end) return internalErrorStatus(`error executing command in container: ${end.error}`);
  if (kind === "attach" || end.exitCode === 0) return SUCCESS;
  const detail = translated
    ? `command terminated with exit code ${end.exitCode}`
    : `error executing command [${command.join(" ")}], exit code ${end.exitCode}`;
  return exitCodeStatus(end.exitCode, detail);
}

/** PodExecOptions / PodAttachOptions from the query (url.Values conversion: only "", "0", "false" are false). */
/** As v1 JSON (what admission sees): the flags and container are omitempty, an exec's command is not. */
function connectOptions(query: URLSearchParams, kind: ConnectKind): KubeObject {
  const flag = (key: string) => {
    const value = query.get(key);
    return value !== null && value !== "0" && value.toLowerCase() !== "false";
  };
  const options: Record<string, unknown> = {
    kind: kind === "exec" ? "PodExecOptions" : "PodAttachOptions",
    apiVersion: "v1",
  };
  for (const key of ["stdin", "stdout", "stderr", "tty"]) if (flag(key)) options[key] = true;
  if (query.get("container")) options.container = query.get("container");
  if (kind === "exec") options.command = query.getAll("command").length ? query.getAll("command") : null;
  return options as KubeObject;
}

/** The session's options from the admitted options object. */
function sessionOptions(options: KubeObject, kind: ConnectKind) {
  const o = options as Record<string, unknown>;
  return {
    container: typeof o.container === "string" ? o.container : "",
    command: kind === "exec" && Array.isArray(o.command) ? o.command.map(String) : [],
    streams: {
      stdin: o.stdin === true,
      stdout: o.stdout === true,
      stderr: o.stderr === true,
      tty: o.tty === true,
    },
  };
}

/** A websocket upgrade is a GET, authorized as `get`; exec and attach also need `create` (KEP-4006). */
function authorizeCreate(call: Call): void {
  if (call.info.verb === "create") return;
  const attributes = { ...attributesOf(call.info, call.user), verb: "create" };
  const decision = call.ctx.authz.authorize(attributes);
  if (decision.allowed) return;
  const { message, details } = forbiddenMessage(attributes, decision.reason);
  throw new ApiStatusError(failure(403, "Forbidden", message, details));
}

/** streamLocation's container choice. */
function streamContainer(pod: Pod, name: string, container: string): string {
  const containers = pod.spec?.containers ?? [];
  const init = pod.spec?.initContainers ?? [];
  const ephemeral = pod.spec?.ephemeralContainers ?? [];
  if (!container) {
    if (containers.length === 1) return containers[0].name;
    if (containers.length === 0) throw fail.badRequest(`a container name must be specified for pod ${name}`);
    let message = `a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(" ")}]`;
    if (init.length > 0) message += ` or one of the init containers: [${init.map((c) => c.name).join(" ")}]`;
    throw fail.badRequest(message);
  }
  if (![...containers, ...init, ...ephemeral].some((c) => c.name === container))
    throw fail.badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}
