// pods/exec and pods/attach over a websocket: the client side of client-go's tools/remotecommand
// (websocket.go, v4.go, v5.go; errorDecoderV4). Offers v5.channel.k8s.io, then v4.channel.k8s.io, as the
// server chooses: kube-apiserver 1.30+ translates v5 itself; older ones pass the upgrade to the kubelet,
// whose websocket server speaks v1–v4. Each message is [channel, ...bytes]; the error channel carries a
// metav1.Status at the end (NonZeroExitCode + an ExitCode cause → the exit code; any other Failure → an
// error); v5's CLOSE signal [255, 0] ends stdin (v4 cannot: a command reading stdin to its end never gets
// there). Terminal sizes go to channel 4 as client-go's TerminalSize JSON.
import { Readable, Writable } from "node:stream";
import {
  EXIT_CODE_CAUSE_TYPE,
  NON_ZERO_EXIT_CODE_REASON,
  STREAM_CLOSE,
  STREAM_ERROR,
  STREAM_PROTOCOL_V4,
  STREAM_PROTOCOL_V5,
  STREAM_RESIZE,
  STREAM_STDERR,
  STREAM_STDIN,
  STREAM_STDOUT,
} from "../meta/remotecommand.ts";
import type { Status } from "../meta/status.ts";
import { errorFromStatus, ResponseError } from "./errors.ts";
import type { Transport } from "./transport.ts";
import { CLOSE_NORMAL, connectWebSocket, type WebSocket } from "./websocket.ts";

export type RemoteCommandProtocol = typeof STREAM_PROTOCOL_V5 | typeof STREAM_PROTOCOL_V4;
/** Newest first: the server picks the first it speaks. */
export const DEFAULT_REMOTE_COMMAND_PROTOCOLS: readonly RemoteCommandProtocol[] = [
  STREAM_PROTOCOL_V5,
  STREAM_PROTOCOL_V4,
];
/** The simple form's limit per output stream. */
export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
/** stdin goes out in pieces of this size (kubectl's copy buffer); servers cap a message at a few MiB. */
const STDIN_PIECE_BYTES = 32 * 1024;
/** What may wait unread in stdout or stderr before the websocket is paused. */
const READ_AHEAD_BYTES = 1024 * 1024;
/** The error channel carries one Status. */
const MAX_STATUS_BYTES = 64 * 1024;

/** client-go's remotecommand.TerminalSize, in cells. */
export interface TerminalSize {
  width: number;
  height: number;
}

export interface StreamSessionOptions {
  /** Default: the client's namespace. */
  namespace?: string;
  /** Needed when the Pod has more than one container. */
  container?: string;
  /** Open stdin (the session's `stdin` stream). */
  stdin?: boolean;
  /** Default true. */
  stdout?: boolean;
  /** Default true; a tty has none (its output is all stdout). */
  stderr?: boolean;
  tty?: boolean;
  /** The terminal's size, sent once the session opens (tty). */
  terminalSize?: TerminalSize;
  /**
   * Subprotocols to offer, newest first. Default v5 then v4; `["v4.channel.k8s.io"]` behaves as against a
   * server before 1.30 (no stdin end).
   */
  protocols?: readonly RemoteCommandProtocol[];
  /** Until the server answers the upgrade. Default: the client's timeoutMs. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ExecOptions extends Omit<StreamSessionOptions, "stdin"> {
  /** Input for the command; it is ended after this (v5). */
  stdin?: string | Buffer | Readable;
  /** Largest stdout and stderr kept, each. Default 16 MiB; more fails the call and ends the session. */
  maxOutputBytes?: number;
}

export interface ExecResult {
  /** 0 on success; the command's code from the NonZeroExitCode Status otherwise. */
  exitCode: number;
  stdout: Buffer;
  stderr: Buffer;
  /** The subprotocol the server chose. */
  protocol: RemoteCommandProtocol;
}

/** An open exec or attach. Read stdout/stderr (or they pause the session); `result` settles at the end. */
export interface StreamSession {
  protocol: RemoteCommandProtocol;
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
  /**
   * The command's exit code (attach: 0); rejects with an ApiError for any other failure Status, and when
   * close() ended the session first.
   */
  result: Promise<{ exitCode: number }>;
  /** Resizes the terminal (tty sessions). */
  resize(size: TerminalSize): void;
  /** Ends the session now (the command may go on running, as when kubectl is interrupted). */
  close(): void;
}

/** Opens pods/{name}/exec or /attach and wires the channels. */
export async function openStreamSession(
  transport: Transport,
  path: string,
  command: readonly string[] | undefined,
  options: StreamSessionOptions,
): Promise<StreamSession> {
  const tty = options.tty === true;
  const wants = {
    stdin: options.stdin === true,
    stdout: options.stdout !== false,
    stderr: options.stderr !== false && !tty,
  };
  if (!wants.stdin && !wants.stdout && !wants.stderr)
    throw new Error("exec/attach needs at least one of stdin, stdout and stderr (stderr is off with tty)");
  if (command !== undefined && command.length === 0)
    throw new Error("exec needs a command: pass its argv, e.g. ['sh', '-c', 'echo hi']");
  const ws = await connectWebSocket(transport, {
    path,
    query: {
      command: command ?? [],
      container: options.container || undefined,
      stdin: wants.stdin || undefined,
      stdout: wants.stdout || undefined,
      stderr: wants.stderr || undefined,
      tty: tty || undefined,
    },
    protocols: options.protocols ?? DEFAULT_REMOTE_COMMAND_PROTOCOLS,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
  });
  return new ChannelSession(ws, path, wants, tty, options).session;
}

class ChannelSession {
  readonly session: StreamSession;
  readonly #ws: WebSocket;
  readonly #path: string;
  readonly #outputs = new Map<number, Readable>();
  readonly #status: Buffer[] = [];
  #statusBytes = 0;
  #protocolError: Error | undefined;
  /** close() was called: a session ended that way has no outcome to report. */
  #closedHere = false;

  constructor(
    ws: WebSocket,
    path: string,
    wants: { stdin: boolean; stdout: boolean; stderr: boolean },
    tty: boolean,
    options: StreamSessionOptions,
  ) {
    this.#ws = ws;
    this.#path = path;
    const protocol = ws.protocol as RemoteCommandProtocol;
    const output = () => new Readable({ highWaterMark: READ_AHEAD_BYTES, read: () => ws.resume() });
    if (wants.stdout) this.#outputs.set(STREAM_STDOUT, output());
    if (wants.stderr) this.#outputs.set(STREAM_STDERR, output());
    ws.on("message", (data, binary) => this.#message(data, binary));
    const { signal } = options;
    const onAbort = () => {
      this.#protocolError = signal?.reason;
      ws.terminate();
    };
    const result = new Promise<{ exitCode: number }>((resolve, reject) => {
      ws.once("close", (code, reason) => {
        signal?.removeEventListener("abort", onAbort);
        for (const stream of this.#outputs.values()) stream.push(null);
        try {
          resolve(this.#outcome(code, reason));
        } catch (error) {
          reject(error);
        }
      });
    });
    signal?.addEventListener("abort", onAbort, { once: true });
    const stdin = wants.stdin ? this.#stdin(protocol) : undefined;
    const resize = (size: TerminalSize) => {
      if (!tty) return;
      // TerminalSize has no json tags: Go writes its field names as they are.
      const json = JSON.stringify({ Width: size.width, Height: size.height });
      ws.send(Buffer.concat([Buffer.of(STREAM_RESIZE), Buffer.from(json)]));
    };
    if (options.terminalSize) resize(options.terminalSize);
    this.session = {
      protocol,
      stdin,
      stdout: this.#outputs.get(STREAM_STDOUT),
      stderr: this.#outputs.get(STREAM_STDERR),
      result,
      resize,
      close: () => {
        this.#closedHere = true;
        ws.close(CLOSE_NORMAL);
      },
    };
  }

  #stdin(protocol: RemoteCommandProtocol): Writable {
    const ws = this.#ws;
    return new Writable({
      write(chunk: Buffer, _encoding, callback) {
        let offset = 0;
        const next = (error?: Error | null) => {
          if (error || offset >= chunk.length) return callback(error);
          const piece = chunk.subarray(offset, offset + STDIN_PIECE_BYTES);
          offset += piece.length;
          ws.send(Buffer.concat([Buffer.of(STREAM_STDIN), piece]), next);
        };
        next();
      },
      // v5's CLOSE signal half-closes stdin; v4 has no way to say it.
      final(callback) {
        if (protocol !== STREAM_PROTOCOL_V5) return callback();
        ws.send(Buffer.of(STREAM_CLOSE, STREAM_STDIN), () => callback());
      },
    });
  }

  #message(data: Buffer, binary: boolean): void {
    if (!binary) {
      // All remote command protocols send binary messages only (websocket.go's readDemuxLoop).
      this.#protocolError = new ResponseError(
        `the ${this.#ws.protocol} stream of ${this.#path} sent a text message`,
        { code: "INVALID_RESPONSE", method: "GET", path: this.#path },
      );
      return this.#ws.terminate();
    }
    if (data.length < 2) return; // the server's empty "streams are open" message
    const channel = data[0];
    const payload = data.subarray(1);
    if (channel === STREAM_ERROR) {
      this.#statusBytes += payload.length;
      if (this.#statusBytes <= MAX_STATUS_BYTES) this.#status.push(payload);
      return;
    }
    const output = this.#outputs.get(channel);
    // Unknown channels are discarded, as upstream does; a slow reader pauses the whole connection.
    if (output && !output.push(payload)) this.#ws.pause();
  }

  /** errorDecoderV4 on what the error channel carried, once the connection is gone. */
  #outcome(code: number, reason: string): { exitCode: number } {
    if (this.#protocolError) throw this.#protocolError;
    const text = Buffer.concat(this.#status).toString("utf8");
    if (text === "") {
      if (this.#closedHere)
        throw Object.assign(new Error(`the session of ${this.#path} was closed before the command ended`), {
          code: "CLOSED",
        });
      if (code === CLOSE_NORMAL) return { exitCode: 0 };
      throw Object.assign(
        new Error(
          `the connection of ${this.#path} ended (websocket close ${code}${reason ? `: ${reason}` : ""}) before the command's status arrived`,
        ),
        { code: "ECONNRESET" },
      );
    }
    let status: Partial<Status>;
    try {
      status = JSON.parse(text);
    } catch (error) {
      throw new ResponseError(
        `error stream protocol error: ${(error as Error).message} in ${JSON.stringify(text.slice(0, 200))}`,
        { code: "INVALID_RESPONSE", method: "GET", path: this.#path },
      );
    }
    if (status.status === "Success") return { exitCode: 0 };
    if (status.status === "Failure" && status.reason === NON_ZERO_EXIT_CODE_REASON) {
      const cause = status.details?.causes?.find((c) => c.reason === EXIT_CODE_CAUSE_TYPE);
      const exitCode = Number(cause?.message);
      // strconv.ParseUint(message, 10, 8)
      if (cause && /^[0-9]+$/.test(cause.message ?? "") && exitCode <= 255) return { exitCode };
      throw new ResponseError(
        cause
          ? `error stream protocol error: invalid exit code value ${JSON.stringify(cause.message)}`
          : `error stream protocol error: no ${EXIT_CODE_CAUSE_TYPE} cause given`,
        { code: "INVALID_RESPONSE", method: "GET", path: this.#path },
      );
    }
    if (status.status !== "Failure")
      throw new ResponseError("error stream protocol error: unknown error", {
        code: "INVALID_RESPONSE",
        method: "GET",
        path: this.#path,
      });
    const full: Status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      ...status,
      status: "Failure",
      code: status.code || 500,
    };
    throw errorFromStatus(full, { method: "GET", path: this.#path });
  }
}

/** The simple form: runs to the end, collecting output up to a limit. */
export async function runToEnd(
  open: (stdin: boolean) => Promise<StreamSession>,
  options: ExecOptions,
): Promise<ExecResult> {
  const session = await open(options.stdin !== undefined);
  const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  let tooLarge: Error | undefined;
  const collect = (stream: Readable | undefined, name: string) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream?.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge ??= new ResponseError(
          `the command's ${name} is larger than the ${limit}-byte limit: raise maxOutputBytes, or read the streaming form (execStream)`,
          { code: "RESPONSE_TOO_LARGE", method: "GET", path: "" },
        );
        session.close();
        return;
      }
      chunks.push(chunk);
    });
    return () => Buffer.concat(chunks);
  };
  const stdout = collect(session.stdout, "stdout");
  const stderr = collect(session.stderr, "stderr");
  const input = options.stdin;
  if (session.stdin && input !== undefined) {
    if (typeof input === "string" || Buffer.isBuffer(input)) session.stdin.end(input);
    else input.pipe(session.stdin);
    session.stdin.on("error", () => undefined); // a write after the end: the result says why
  }
  const { exitCode } = await session.result;
  if (tooLarge) throw tooLarge;
  return { exitCode, stdout: stdout(), stderr: stderr(), protocol: session.protocol };
}
