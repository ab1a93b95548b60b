// exec/attach over SPDY/3.1 (kubectl before 1.30, and newer ones falling back): the client opens one stream
// per standard stream, named by its streamType header, and the server starts once all it expects are there.
// Ported from pkg/kubelet/cri/streaming/remotecommand/httpstream.go (createHTTPStreamStreams, the v1–v4
// protocol handlers' waitForStreams and status writers); the SPDY framing is spdy.ts.
import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import type { SessionChannels } from "./pod-exec.ts";
import {
  type ChannelStatus,
  SPDY_STREAM_PROTOCOLS,
  STREAM_PROTOCOL_V3,
  STREAM_PROTOCOL_V4,
  type StreamOptions,
} from "./remotecommand.ts";
import { acceptSpdy, type SpdyStream } from "./spdy.ts";
import type { UpgradeSocket } from "./upgrade.ts";

/** remotecommand.DefaultStreamCreationTimeout. */
const STREAM_CREATION_TIMEOUT_MS = 30_000;
/** The kubelet's streaming idle timeout. */
const IDLE_TIMEOUT_MS = 4 * 60 * 60 * 1000;
/** How long the client gets to close the connection after the status before the session is closed. */
const CLOSE_GRACE_MS = 10_000;
const STREAM_TYPES = new Set(["error", "stdin", "stdout", "stderr", "resize"]);

/**
 * Upgrades to SPDY and waits for the client's streams (the error stream, each requested standard stream, and
 * resize for a tty on v3+). Undefined when the upgrade was refused or the streams never came.
 */
export function serveSpdySession(
  req: IncomingMessage,
  upgrade: UpgradeSocket,
  opts: StreamOptions,
  log: Logger,
): Promise<SessionChannels | undefined> {
  const session = acceptSpdy(req, upgrade.socket, upgrade.head, SPDY_STREAM_PROTOCOLS, {
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    maxStreams: 16,
  });
  if (!session) return Promise.resolve(undefined);
  const protocol = session.protocol;
  const resizes = opts.tty && (protocol === STREAM_PROTOCOL_V4 || protocol === STREAM_PROTOCOL_V3);
  const expected = 1 + Number(opts.stdin) + Number(opts.stdout) + Number(opts.stderr) + Number(resizes);
  const streams = new Map<string, SpdyStream>();
  const closed = new Promise<void>((resolve) => session.once("close", () => resolve()));

  return new Promise((resolve) => {
    let received = 0;
    const timer = setTimeout(() => {
      log.debug({ protocol }, "timed out waiting for client to create streams");
      session.close();
      resolve(undefined);
    }, STREAM_CREATION_TIMEOUT_MS);
    void closed.then(() => {
      clearTimeout(timer);
      resolve(undefined); // no-op once resolved with the channels
    });
    session.on("stream", (stream) => {
      stream.on("error", () => stream.destroy());
      const type = stream.header("streamType") ?? "";
      if (!STREAM_TYPES.has(type) || received >= expected) {
        log.debug({ type }, "unexpected stream type"); // upstream logs it and leaves the stream be
        return;
      }
      streams.set(type, stream);
      if (++received < expected) return;
      clearTimeout(timer);
      // spdystream's Close waits for the client to finish its streams rather than resetting them (a reset
      // can overtake output the client has not read yet): the client closes once it has the status.
      const close = () => {
        const timer = setTimeout(() => session.close(), CLOSE_GRACE_MS).unref();
        void closed.then(() => clearTimeout(timer));
      };
      resolve(channels(streams, protocol, closed, close));
    });
  });
}

function channels(
  streams: Map<string, SpdyStream>,
  protocol: string,
  closed: Promise<void>,
  close: () => void,
): SessionChannels {
  const error = streams.get("error");
  return {
    stdin: streams.get("stdin"),
    stdout: streams.get("stdout"),
    stderr: streams.get("stderr"),
    resize: streams.get("resize"),
    // v4 writes the Status as JSON; v1–v3 only a failure's message (v1WriteStatusFunc).
    writeStatus: (status: ChannelStatus) =>
      new Promise<void>((resolve) => {
        if (!error || error.destroyed) return resolve();
        const body =
          protocol === STREAM_PROTOCOL_V4
            ? JSON.stringify(status)
            : status.status === "Success"
              ? ""
              : (status.message ?? "");
        error.end(body, () => resolve());
      }),
    closed,
    close,
  };
}
