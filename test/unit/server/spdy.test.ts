// SPDY/3.1 sessions (src/server/streaming/spdy.ts) against frames built from the SPDY/3 draft, with Node's
// own zlib (the SPDY dictionary, sync flushes) standing in for a Go peer's compressor (helpers/spdy-peer.ts).
import assert from "node:assert/strict";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { duplexPair } from "node:stream";
import { test } from "node:test";
import { acceptSpdy, SpdySession, type SpdyStream } from "../../../src/server/streaming/spdy.ts";
import { control, data, Peer, u32 } from "../../helpers/spdy-peer.ts";

function pair(options = {}): {
  session: SpdySession;
  peer: Peer;
  streams: SpdyStream[];
  closed: Promise<Error | undefined>;
} {
  const [server, client] = duplexPair();
  const session = new SpdySession(server, options);
  const streams: SpdyStream[] = [];
  session.on("stream", (s) => streams.push(s));
  const closed = new Promise<Error | undefined>((resolve) => session.once("close", resolve));
  return { session, peer: new Peer(client), streams, closed };
}

async function readAll(stream: SpdyStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

test("a client stream: headers in, SYN_REPLY out, data both ways, FIN both ways", async () => {
  const { session, peer, streams } = pair();
  await peer.synStream(1, { streamtype: "data", port: "8080", requestid: "0" });
  const reply = await peer.next((f) => f.control && f.type === 2);
  assert.equal(reply.streamId, 1);
  assert.deepEqual(reply.headers, {});
  // Each block ends as a sync flush does: Go's inflater returns a stored block's bytes only at the next block.
  assert.deepEqual([...reply.payload.subarray(-5)], [0, 0, 0, 0xff, 0xff]);
  const stream = streams[0]!;
  assert.equal(stream.id, 1);
  assert.equal(stream.header("streamType"), "data");
  assert.deepEqual(stream.headers.port, ["8080"]);

  const received = readAll(stream);
  peer.socket.write(data(1, 0, "hello "));
  peer.socket.write(data(1, 1, "world"));
  assert.equal(await received, "hello world");

  stream.end("pong");
  const body = await peer.next((f) => !f.control && f.payload.length > 0);
  assert.equal(body.streamId, 1);
  assert.equal(body.payload.toString(), "pong");
  const fin = await peer.next((f) => !f.control);
  assert.equal(fin.flags & 1, 1);
  assert.equal(fin.payload.length, 0);
  // A second stream's headers use the same zlib context in both directions.
  await peer.synStream(3, { streamtype: "error", port: "8080", requestid: "0" });
  const reply3 = await peer.next((f) => f.control && f.type === 2);
  assert.equal(reply3.streamId, 3);
  assert.equal(streams[1]!.header("streamtype"), "error");
  session.close();
  const goAway = await peer.next((f) => f.control && f.type === 7);
  // The last stream accepted (spdystream's receivedStreamId - 2), status OK.
  assert.deepEqual([goAway.payload.readUInt32BE(0), goAway.payload.readUInt32BE(4)], [3, 0]);
});

test("a stream reset by the handler gets RST_STREAM CANCEL and no reply", async () => {
  const { session, peer } = pair();
  session.on("stream", (s) => s.reset());
  await peer.synStream(1, { streamtype: "bogus" });
  const rst = await peer.next((f) => f.control);
  assert.equal(rst.type, 3);
  assert.deepEqual([rst.payload.readUInt32BE(0), rst.payload.readUInt32BE(4)], [1, 5]);
  session.destroy();
});

test("writes made inside the stream listener follow the SYN_REPLY", async () => {
  const { session, peer } = pair();
  session.on("stream", (s) => s.write("early"));
  await peer.synStream(1, {});
  const first = await peer.next();
  assert.equal(first.type, 2, "SYN_REPLY comes first");
  const second = await peer.next();
  assert.equal(second.payload.toString(), "early");
  session.destroy();
});

test("PING from the client is echoed; WINDOW_UPDATE and SETTINGS are accepted and ignored", async () => {
  const { session, peer } = pair();
  peer.socket.write(control(4, 0, u32(1, 7, 65536)));
  peer.socket.write(control(9, 0, u32(1, 1000)));
  peer.socket.write(control(6, 0, u32(5)));
  const pong = await peer.next();
  assert.equal(pong.type, 6);
  assert.equal(pong.payload.readUInt32BE(0), 5);
  assert.equal(session.isClosed, false);
  session.destroy();
});

test("the peer's RST_STREAM destroys the stream and marks it", async () => {
  const { session, peer, streams } = pair();
  await peer.synStream(1, {});
  await peer.next();
  const stream = streams[0]!;
  const closed = new Promise((r) => stream.once("close", r));
  peer.socket.write(control(3, 0, u32(1, 5)));
  await closed;
  assert.equal(stream.resetByPeer, true);
  session.destroy();
});

test("stream ids must be odd and rising: others get RST_STREAM PROTOCOL_ERROR", async () => {
  const { session, peer, streams } = pair();
  await peer.synStream(5, {});
  await peer.next();
  await peer.synStream(3, {});
  await peer.synStream(6, {});
  for (const id of [3, 6]) {
    const rst = await peer.next((f) => f.control && f.type === 3 && f.payload.readUInt32BE(0) === id);
    assert.equal(rst.payload.readUInt32BE(4), 1);
  }
  assert.equal(streams.length, 1);
  session.destroy();
});

test("streams beyond maxStreams are refused", async () => {
  const { session, peer, streams } = pair({ maxStreams: 2 });
  for (const id of [1, 3, 5]) await peer.synStream(id, {});
  const rst = await peer.next((f) => f.control && f.type === 3);
  assert.deepEqual([rst.payload.readUInt32BE(0), rst.payload.readUInt32BE(4)], [5, 3]);
  assert.equal(streams.length, 2);
  session.destroy();
});

test("a header block that inflates past the cap ends the session with a protocol error", async () => {
  const { peer, closed } = pair({ maxHeaderBytes: 4096 });
  await peer.synStream(1, { big: "x".repeat(100_000) });
  const err = await closed;
  assert.match(String(err), /decompresses to more than 4096 bytes/);
  const goAway = await peer.next((f) => f.control && f.type === 7);
  assert.equal(goAway.payload.readUInt32BE(4), 1);
});

for (const [name, bytes, message] of [
  ["a wrong version", control(1, 0, Buffer.alloc(12), 2), /unsupported SPDY version 2/],
  ["an oversized frame", u32(0x80030000 | 1, 0xfffff0), /exceeds the limit/],
  [
    "garbage header compression",
    control(1, 0, Buffer.concat([u32(1, 0), Buffer.alloc(2), Buffer.from("not zlib")])),
    /invalid compressed SPDY header block/,
  ],
  ["an unknown control frame", control(42, 0, Buffer.alloc(4)), /unknown SPDY control frame type 42/],
  ["a truncated RST_STREAM", control(3, 0, u32(1)), /invalid control frame/],
  ["a DATA frame on stream 0", data(0, 0, "x"), /stream id zero/],
] as const) {
  test(`${name} closes the session with a clear error, not a crash`, async () => {
    const { peer, closed } = pair();
    peer.socket.write(bytes);
    assert.match(String(await closed), message);
    await peer.untilClosed();
  });
}

test("header names must be lower-case and unique, hop-by-hop headers are refused", async () => {
  for (const [headers, message] of [
    [{ Port: "1" }, /not lower-case/],
    [{ connection: "close" }, /not allowed/],
  ] as const) {
    const { peer, closed } = pair();
    await peer.synStream(1, headers);
    assert.match(String(await closed), message);
  }
  const { peer, closed } = pair();
  const dup = Buffer.concat([
    u32(2),
    u32(1),
    Buffer.from("a"),
    u32(1),
    Buffer.from("1"),
    u32(1),
    Buffer.from("a"),
    u32(1),
    Buffer.from("2"),
  ]);
  const block = await peer.compress(dup);
  peer.socket.write(control(1, 0, Buffer.concat([u32(1, 0), Buffer.alloc(2), block])));
  assert.match(String(await closed), /appears twice/);
});

test("a slow reader pauses the session instead of buffering without bound", async () => {
  const { session, peer, streams } = pair();
  await peer.synStream(1, {});
  await peer.next();
  const stream = streams[0]!;
  const chunk = Buffer.alloc(32 * 1024, 1);
  for (let i = 0; i < 200; i++) peer.socket.write(data(1, 0, chunk));
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(stream.readableLength <= 64 * 1024, `buffered ${stream.readableLength} bytes`);
  let total = 0;
  stream.on("data", (c: Buffer) => {
    total += c.length;
  });
  while (total < 200 * chunk.length) await new Promise((r) => setTimeout(r, 10));
  assert.equal(total, 200 * chunk.length);
  session.destroy();
});

test("the peer ending its side closes the session", async () => {
  const { peer, closed, streams } = pair();
  await peer.synStream(1, {});
  await peer.next();
  peer.socket.end();
  assert.equal(await closed, undefined);
  assert.equal(streams[0]!.destroyed, true);
});

async function upgradeServer(
  protocols: string[],
): Promise<{ port: number; sessions: SpdySession[]; close: () => void }> {
  const sessions: SpdySession[] = [];
  const server = http.createServer((_, res) => res.end());
  server.on("upgrade", (req, socket, head) => {
    const s = acceptSpdy(req, socket, head, protocols);
    if (s) sessions.push(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    sessions,
    close: () => {
      for (const s of sessions) s.destroy();
      server.close();
    },
  };
}

async function rawRequest(
  port: number,
  headers: string[],
): Promise<{ head: string; socket: net.Socket; rest: Buffer }> {
  const socket = net.connect(port, "127.0.0.1");
  socket.write(["GET /x HTTP/1.1", "Host: 127.0.0.1", ...headers, "", ""].join("\r\n"));
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buf.subarray(0, end).toString();
      const length = /content-length: (\d+)/i.exec(head);
      if (length && buf.length < end + 4 + Number(length[1])) return;
      socket.off("data", onData);
      socket.pause();
      resolve({ head, socket, rest: buf.subarray(end + 4) });
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
}

test("the upgrade handshake: 101 with the first client protocol the server accepts, then a working session", async () => {
  const srv = await upgradeServer(["portforward.k8s.io"]);
  try {
    const { head, socket, rest } = await rawRequest(srv.port, [
      "Connection: Upgrade",
      "Upgrade: SPDY/3.1",
      "X-Stream-Protocol-Version: v9.portforward.k8s.io, portforward.k8s.io",
    ]);
    assert.match(head, /^HTTP\/1\.1 101 Switching Protocols/);
    assert.match(head, /\r\nUpgrade: SPDY\/3\.1/);
    assert.match(head, /\r\nX-Stream-Protocol-Version: portforward\.k8s\.io/);
    assert.equal(rest.length, 0);
    const peer = new Peer(socket);
    socket.resume();
    await peer.synStream(1, { streamtype: "data" });
    assert.equal((await peer.next()).type, 2);
    assert.equal(srv.sessions[0]!.protocol, "portforward.k8s.io");
    socket.destroy();
  } finally {
    srv.close();
  }
});

test("handshake failures answer as upstream's Handshake and UpgradeResponse do", async () => {
  const srv = await upgradeServer(["portforward.k8s.io"]);
  try {
    const none = await rawRequest(srv.port, ["Connection: Upgrade", "Upgrade: SPDY/3.1"]);
    assert.match(none.head, /^HTTP\/1\.1 400 /);
    assert.equal(
      none.rest.toString(),
      "unable to upgrade: header X-Stream-Protocol-Version does not exist in request with 3 headers\n",
    );
    const other = await rawRequest(srv.port, [
      "Connection: Upgrade",
      "Upgrade: SPDY/3.1",
      "X-Stream-Protocol-Version: v4.channel.k8s.io",
    ]);
    assert.match(other.head, /^HTTP\/1\.1 403 /);
    assert.match(other.head, /\r\nX-Accepted-Stream-Protocol-Versions: portforward\.k8s\.io/);
    assert.equal(
      other.rest.toString(),
      "unable to upgrade: unable to negotiate protocol: client supports [v4.channel.k8s.io], server accepts [portforward.k8s.io]\n",
    );
    const ws = await rawRequest(srv.port, [
      "Connection: Upgrade",
      "Upgrade: websocket",
      "X-Stream-Protocol-Version: portforward.k8s.io",
    ]);
    assert.match(ws.head, /^HTTP\/1\.1 400 /);
    assert.match(
      ws.rest.toString(),
      /^unable to upgrade: missing upgrade headers in request: http\.Header\{"Connection":\[\]string\{"Upgrade"\}, "Upgrade":\[\]string\{"websocket"\}, "X-Stream-Protocol-Version":\[\]string\{"portforward.k8s.io"\}\}\n$/,
    );
    for (const r of [none, other, ws]) r.socket.destroy();
  } finally {
    srv.close();
  }
});
