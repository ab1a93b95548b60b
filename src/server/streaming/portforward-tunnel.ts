// SPDY tunnelled through a websocket, as kubectl ≥ 1.31 port-forwards: the websocket subprotocol
// "SPDY/3.1+<protocol>" carries the SPDY session's bytes as binary messages. Ported from the apiserver's
// k8s.io/apiserver/pkg/util/proxy/streamtunnel.go (TunnelingHandler) and wsstream.IsWebSocketRequest*.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { createWebSocketStream, WebSocketServer } from "ws";
import {
  HEADER_SPDY_31,
  negotiateProtocols,
  SpdySession,
  type SpdySessionOptions,
  writeHttpError,
} from "./spdy.ts";

/** k8s.io/apimachinery/pkg/util/portforward constants. */
export const WEBSOCKETS_SPDY_TUNNELING_PREFIX = `${HEADER_SPDY_31}+`;
const KUBERNETES_SUFFIX = ".k8s.io";

/** Tunnel messages are SPDY frames (at most the session's frame limit) or parts of them. */
const MAX_MESSAGE_BYTES = 2 << 20;

/** The subprotocol each request's handshake answers with (gorilla's Upgrader with one server subprotocol). */
const subprotocols = new WeakMap<IncomingMessage, string>();

const websockets = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  maxPayload: MAX_MESSAGE_BYTES,
});
// "SPDY/3.1+portforward.k8s.io" is no RFC 7230 token ('/' and '+'), which the ws library rejects, but gorilla
// (the apiserver's library) accepts: the header is parsed here, and the answer added to the handshake here.
websockets.on("headers", (headers, req) => {
  const subprotocol = subprotocols.get(req);
  if (subprotocol) headers.push(`Sec-WebSocket-Protocol: ${subprotocol}`);
});

/** wsstream.IsWebSocketRequest: Upgrade: websocket on an upgrade request. */
export function isWebSocketRequest(req: IncomingMessage): boolean {
  return (
    (req.headers.upgrade ?? "").toLowerCase() === "websocket" &&
    (req.headers.connection ?? "").toLowerCase().includes("upgrade")
  );
}

function requestedSubprotocols(req: IncomingMessage): string[] {
  return (req.headers["sec-websocket-protocol"] ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** The SPDY protocols a websocket request tunnels ("SPDY/3.1+portforward.k8s.io" → "portforward.k8s.io"). */
function tunneledProtocols(req: IncomingMessage): string[] {
  return requestedSubprotocols(req)
    .filter((p) => p.startsWith(WEBSOCKETS_SPDY_TUNNELING_PREFIX) && p.endsWith(KUBERNETES_SUFFIX))
    .map((p) => p.slice(WEBSOCKETS_SPDY_TUNNELING_PREFIX.length));
}

/** wsstream.IsWebSocketRequestWithTunnelingProtocol. */
export function isTunnelingRequest(req: IncomingMessage): boolean {
  return isWebSocketRequest(req) && tunneledProtocols(req).length > 0;
}

/**
 * TunnelingHandler + the kubelet's Handshake: negotiates the tunnelled SPDY protocol (the kubelet's 400/403
 * texts when that fails), completes the websocket handshake with subprotocol "SPDY/3.1+<protocol>" and
 * returns a SPDY session over the websocket's binary messages; undefined when it answered an error.
 */
export function acceptTunnel(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  protocols: readonly string[],
  options: SpdySessionOptions = {},
): Promise<SpdySession | undefined> {
  const spdyProtocols = tunneledProtocols(req);
  if (spdyProtocols.length === 0) {
    writeHttpError(socket, 400, "unable to upgrade: no tunneling spdy protocols provided");
    return Promise.resolve(undefined);
  }
  const negotiated = negotiateProtocols(spdyProtocols, protocols);
  if (!("protocol" in negotiated)) {
    writeHttpError(socket, negotiated.code, negotiated.message, negotiated.headers);
    return Promise.resolve(undefined);
  }
  subprotocols.set(req, WEBSOCKETS_SPDY_TUNNELING_PREFIX + negotiated.protocol);
  delete req.headers["sec-websocket-protocol"];
  return new Promise((resolve) => {
    // The websocket library answers a malformed handshake (400) itself and then never calls back.
    socket.once("close", () => resolve(undefined));
    websockets.handleUpgrade(req, socket, head, (ws) => {
      const session = new SpdySession(createWebSocketStream(ws), options);
      session.protocol = negotiated.protocol;
      resolve(session);
    });
  });
}
