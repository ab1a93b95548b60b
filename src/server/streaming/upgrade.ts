// Upgrade requests (Connection: Upgrade — websocket or SPDY/3.1) go through the same handler chain as any
// request: Node hands them over as a raw socket, so a ServerResponse is bound to that socket for error
// answers, and the handler that accepts the upgrade takes the socket over (takeUpgrade).
import { type IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";

export interface UpgradeSocket {
  socket: Duplex;
  /** Bytes the client sent after the request head (the first frames, if it did not wait). */
  head: Buffer;
}

const upgrades = new WeakMap<IncomingMessage, UpgradeSocket>();

/** The response object for an upgrade request: a normal response (a Status) closes the connection after it. */
export function upgradeResponse(req: IncomingMessage, socket: Duplex, head: Buffer): ServerResponse {
  // Node leaves an upgraded socket without listeners: an 'error' now would crash the process.
  socket.on("error", () => socket.destroy());
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.on("finish", () => {
    if (upgrades.has(req)) socket.end(); // answered without upgrading
  });
  upgrades.set(req, { socket, head });
  return res;
}

/** Whether the request asks for a protocol upgrade (httpstream.IsUpgradeRequest). */
export function isUpgradeRequest(req: IncomingMessage): boolean {
  return upgrades.has(req);
}

/** Takes the socket over; the response object must not be used afterwards. */
export function takeUpgrade(req: IncomingMessage, res: ServerResponse): UpgradeSocket | undefined {
  const upgrade = upgrades.get(req);
  if (!upgrade) return undefined;
  upgrades.delete(req);
  res.detachSocket(upgrade.socket as Socket);
  res.statusCode = 101; // for the audit record
  return upgrade;
}

/** A plain HTTP answer on a socket taken over (the kubelet's http.Error before an upgrade). */
export function rejectUpgrade(socket: Duplex, code: number, reason: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
