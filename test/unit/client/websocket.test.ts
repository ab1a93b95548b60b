// The client's websocket (src/client/websocket.ts) against a real `ws` server on loopback HTTPS: framing
// (fragments, 16- and 64-bit lengths, masking the server checks), pings, the closing handshake, the message
// limit, and the handshake's refusals as the client's typed errors (a 401 refreshes credentials once); then
// the remote command decoder against a scripted v4-only peer: the fallback, exit codes and protocol errors.
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { Duplex } from "node:stream";
import { after, before, describe, test } from "node:test";
import { WebSocketServer, type WebSocket as WsPeer } from "ws";
import type { ClusterConfig } from "../../../src/client/config.ts";
import type { CredentialProvider } from "../../../src/client/credentials.ts";
import {
  ConnectionError,
  isApiError,
  isForbidden,
  isUnauthorized,
  ResponseError,
} from "../../../src/client/errors.ts";
import { openStreamSession, runToEnd } from "../../../src/client/pod-exec.ts";
import { Transport } from "../../../src/client/transport.ts";
import { connectWebSocket, WebSocket } from "../../../src/client/websocket.ts";
import { failure } from "../../../src/meta/status.ts";
import { testPki } from "../../helpers/cluster.ts";

type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

let server: Server;
let caPem: string;
let port: number;
let onUpgrade: UpgradeHandler;
const sockets = new Set<Socket>();
const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => [...offered][0] ?? false });

before(async () => {
  const pki = await testPki();
  caPem = pki.caCertPem;
  server = createServer({ cert: pki.servingCertPem, key: pki.servingKeyPem });
  server.on("upgrade", (req, socket, head) => onUpgrade(req, socket, head));
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function config(credentials?: CredentialProvider): ClusterConfig {
  return {
    server: `https://127.0.0.1:${port}`,
    namespace: "default",
    source: "explicit",
    ca: {
      current: () => caPem,
      onChange: () => () => undefined,
      describe: () => "test CA",
      close: () => undefined,
    },
    insecureSkipTLSVerify: false,
    warnings: [],
    credentials,
    close: () => undefined,
  };
}

/** Accepts every upgrade and hands the server side to `serve`. */
function accept(serve: (peer: WsPeer, req: IncomingMessage) => void): void {
  onUpgrade = (req, socket, head) => wss.handleUpgrade(req, socket, head, (peer) => serve(peer, req));
}

const open = (transport: Transport, extra: Partial<Parameters<typeof connectWebSocket>[1]> = {}) =>
  connectWebSocket(transport, {
    path: "/ws",
    protocols: ["v5.channel.k8s.io", "v4.channel.k8s.io"],
    ...extra,
  });

const nextMessage = (ws: WebSocket) =>
  new Promise<[Buffer, boolean]>((resolve) => ws.once("message", (data, binary) => resolve([data, binary])));
const closed = (ws: WebSocket) =>
  new Promise<[number, string]>((resolve) => ws.once("close", (code, reason) => resolve([code, reason])));

test("messages both ways: fragments, 16- and 64-bit lengths, masked client frames, pings answered", async () => {
  const received: Buffer[] = [];
  let pongs = 0;
  accept((peer, req) => {
    assert.equal(req.headers["sec-websocket-protocol"], "v5.channel.k8s.io, v4.channel.k8s.io");
    peer.on("pong", () => pongs++);
    peer.on("message", (data: Buffer) => {
      received.push(data);
      peer.send(Buffer.from(String(data.length)));
    });
    peer.send(Buffer.from("hel"), { fin: false });
    peer.send(Buffer.from("lo"), { fin: true });
    peer.send(Buffer.alloc(70_000, 1));
    peer.ping();
  });
  const transport = new Transport(config(), { qps: 0 });
  const ws = await open(transport);
  assert.equal(ws.protocol, "v5.channel.k8s.io");
  assert.deepEqual(await nextMessage(ws), [Buffer.from("hello"), true]);
  const [big] = await nextMessage(ws);
  assert.equal(big.length, 70_000);
  for (const size of [5, 300, 100_000]) {
    ws.send(Buffer.alloc(size, 7));
    assert.equal((await nextMessage(ws))[0].toString(), String(size));
  }
  assert.deepEqual(
    received.map((b) => b.length),
    [5, 300, 100_000],
  );
  assert.ok(received.every((b) => b.every((byte) => byte === 7)));
  assert.equal(pongs, 1);
  const done = closed(ws);
  ws.close();
  assert.equal((await done)[0], 1000);
  transport.close();
});

test("the server's close code and reason, and a message over the limit closes with 1009", async () => {
  accept((peer) => peer.close(4000, "bye"));
  const transport = new Transport(config(), { qps: 0 });
  const ws = await open(transport);
  assert.deepEqual(await closed(ws), [4000, "bye"]);

  let serverSaw!: Promise<number>;
  accept((peer) => {
    serverSaw = new Promise((resolve) => peer.on("close", resolve));
    peer.send(Buffer.alloc(2000));
  });
  const small = await open(transport, { maxMessageBytes: 1000 });
  const [code, reason] = await closed(small);
  assert.equal(code, 1009);
  assert.match(reason, /a message over the 1000-byte limit/);
  // The client said why before it dropped the connection.
  assert.equal(await serverSaw, 1009);
  transport.close();
});

test("refusals: a Status becomes the typed error; a 401 refreshes the credentials and retries once", async () => {
  onUpgrade = (_req, socket) => {
    const body = JSON.stringify(
      failure(
        403,
        "Forbidden",
        'pods "p" is forbidden: User "u" cannot create resource "pods/exec" in API group "" in the namespace "ns"',
      ),
    );
    socket.end(
      `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  };
  const transport = new Transport(config(), { qps: 0 });
  await assert.rejects(open(transport), (error: unknown) => {
    assert.ok(isForbidden(error), String(error));
    assert.equal(error.forbidden?.verb, "create");
    assert.equal(error.path, "/ws");
    return true;
  });
  transport.close();

  let token = "first";
  const credentials: CredentialProvider = {
    header: async () => `Bearer ${token}`,
    refresh: async () => {
      token = "second";
      return true;
    },
    describe: () => "a test token",
    currentToken: () => token,
    close: () => undefined,
  };
  const seen: string[] = [];
  onUpgrade = (req, socket, head) => {
    seen.push(req.headers.authorization ?? "");
    if (req.headers.authorization === "Bearer first")
      return void socket.end("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
    wss.handleUpgrade(req, socket, head, () => undefined);
  };
  const refreshing = new Transport(config(credentials), { qps: 0 });
  const ws = await open(refreshing);
  assert.deepEqual(seen, ["Bearer first", "Bearer second"]);
  ws.terminate();
  token = "first";
  credentials.refresh = async () => false;
  await assert.rejects(open(refreshing), (error: unknown) => isUnauthorized(error));
  refreshing.close();
});

test("a handshake without a subprotocol, and one that never answers, fail with what went wrong", async () => {
  onUpgrade = (req, socket, head) =>
    new WebSocketServer({ noServer: true, handleProtocols: () => false }).handleUpgrade(
      req,
      socket,
      head,
      (p) => p.close(),
    );
  const transport = new Transport(config(), { qps: 0 });
  await assert.rejects(open(transport), (error: unknown) => {
    assert.ok(error instanceof ResponseError, String(error));
    assert.match(
      error.message,
      /the server chose no subprotocol \(offered v5\.channel\.k8s\.io, v4\.channel\.k8s\.io\)/,
    );
    return true;
  });
  onUpgrade = () => undefined; // never answers
  await assert.rejects(open(transport, { timeoutMs: 300 }), (error: unknown) => {
    assert.ok(error instanceof ConnectionError, String(error));
    assert.equal(error.code, "REQUEST_TIMEOUT");
    assert.match(error.message, /no answer to the websocket upgrade within 300 ms/);
    return true;
  });
  const controller = new AbortController();
  const aborted = open(transport, { signal: controller.signal });
  setTimeout(() => controller.abort(new Error("stop")), 50);
  await assert.rejects(aborted, /stop/);
  transport.close();
});

describe("remote command sessions against a scripted v4-only peer (a kubelet before 1.30)", () => {
  /** A peer that speaks only v4.channel.k8s.io and plays `script` once the session opens. */
  function v4Peer(script: (peer: WsPeer) => void): void {
    onUpgrade = (req, socket, head) =>
      new WebSocketServer({
        noServer: true,
        handleProtocols: (offered) => (offered.has("v4.channel.k8s.io") ? "v4.channel.k8s.io" : false),
      }).handleUpgrade(req, socket, head, script);
  }
  const frame = (channel: number, text: string) => Buffer.concat([Buffer.of(channel), Buffer.from(text)]);
  const statusFrame = (status: object) => frame(3, JSON.stringify({ metadata: {}, ...status }));

  test("the default offer (v5, v4) falls back to v4; NonZeroExitCode gives the exit code", async () => {
    v4Peer((peer) => {
      peer.send(frame(1, ""));
      peer.send(frame(1, "out"));
      peer.send(frame(2, "err"));
      peer.send(
        statusFrame({
          status: "Failure",
          reason: "NonZeroExitCode",
          message: "command terminated with non-zero exit code: exit 9",
          details: { causes: [{ reason: "ExitCode", message: "9" }] },
        }),
      );
      peer.close(1000);
    });
    const transport = new Transport(config(), { qps: 0 });
    const result = await runToEnd(
      () => openStreamSession(transport, "/api/v1/namespaces/ns/pods/p/exec", ["x"], {}),
      {},
    );
    assert.equal(result.protocol, "v4.channel.k8s.io");
    assert.deepEqual(
      [result.exitCode, result.stdout.toString(), result.stderr.toString()],
      [9, "out", "err"],
    );
    transport.close();
  });

  const failures: [string, (peer: WsPeer) => void, (error: unknown) => boolean][] = [
    [
      "another Failure Status is an ApiError with its message",
      (peer) => {
        peer.send(
          statusFrame({
            status: "Failure",
            reason: "InternalError",
            message: "Internal error occurred: boom",
            code: 500,
          }),
        );
        peer.close(1000);
      },
      (error) => isApiError(error) && error.code === 500 && error.message === "Internal error occurred: boom",
    ],
    [
      "NonZeroExitCode without an ExitCode cause is a protocol error",
      (peer) => {
        peer.send(statusFrame({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [] } }));
        peer.close(1000);
      },
      (error) => error instanceof ResponseError && /no ExitCode cause given/.test(error.message),
    ],
    [
      "an exit code that is not a uint8 is a protocol error",
      (peer) => {
        peer.send(
          statusFrame({
            status: "Failure",
            reason: "NonZeroExitCode",
            details: { causes: [{ reason: "ExitCode", message: "300" }] },
          }),
        );
        peer.close(1000);
      },
      (error) => error instanceof ResponseError && /invalid exit code value "300"/.test(error.message),
    ],
    [
      "a text message is a protocol error",
      (peer) => peer.send("1hello"),
      (error) => error instanceof ResponseError && /sent a text message/.test(error.message),
    ],
    [
      "a connection lost before the status is an error, not a success",
      (peer) => {
        peer.send(frame(1, "partial"));
        setTimeout(() => peer.terminate(), 20);
      },
      (error) => /ended \(websocket close 1006\) before the command's status arrived/.test(String(error)),
    ],
  ];
  for (const [name, script, check] of failures) {
    test(name, async () => {
      v4Peer(script);
      const transport = new Transport(config(), { qps: 0 });
      await assert.rejects(
        runToEnd(() => openStreamSession(transport, "/api/v1/namespaces/ns/pods/p/exec", ["x"], {}), {}),
        (error: unknown) => check(error) || assert.fail(String(error)),
      );
      transport.close();
    });
  }
});

describe("frame parsing, however the bytes are split into reads", () => {
  /** One unmasked server frame. */
  const serverFrame = (opcode: number, payload: Buffer, fin = true) => {
    const length = payload.length;
    const header =
      length < 126
        ? Buffer.of(0, length)
        : length < 65_536
          ? Buffer.of(0, 126, length >> 8, length & 0xff)
          : Buffer.concat([Buffer.of(0, 127), Buffer.alloc(4), Buffer.alloc(4)]);
    if (length >= 65_536) header.writeUInt32BE(length, 6);
    header[0] = (fin ? 0x80 : 0) | opcode;
    return Buffer.concat([header, payload]);
  };
  const patterned = (size: number) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 31) & 0xff));
  const stream = Buffer.concat([
    serverFrame(0x1, Buffer.from("hel"), false),
    serverFrame(0x9, Buffer.from("ping")), // a control frame between fragments
    serverFrame(0x0, Buffer.from("lo")),
    serverFrame(0x2, patterned(300)),
    serverFrame(0x2, Buffer.alloc(0)),
    serverFrame(0x2, patterned(70_000)),
    serverFrame(0x2, Buffer.of(1)),
  ]);
  const expected = [Buffer.from("hello"), patterned(300), Buffer.alloc(0), patterned(70_000), Buffer.of(1)];

  /** A WebSocket over an in-memory socket: what it emits, and the frames it wrote back. */
  function peer(maxMessageBytes?: number) {
    const written: Buffer[] = [];
    const socket = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _encoding, callback) => {
        written.push(chunk);
        callback();
      },
    });
    const ws = new WebSocket(socket, "v4.channel.k8s.io", maxMessageBytes);
    const messages: Buffer[] = [];
    ws.on("message", (data) => messages.push(Buffer.from(data)));
    return { ws, socket, messages, written };
  }

  for (const size of [1, 2, 3, 7, 1000, 16_384, stream.length]) {
    test(`reads of ${size} bytes`, () => {
      const { ws, messages, written } = peer();
      for (let at = 0; at < stream.length; at += size) ws.receive(stream.subarray(at, at + size));
      assert.deepEqual(messages, expected);
      // The ping was answered with a masked pong carrying its payload.
      assert.equal(written.length, 1);
      assert.equal(written[0][0], 0x8a);
      const mask = written[0].subarray(2, 6);
      assert.equal(Buffer.from(written[0].subarray(6).map((b, i) => b ^ mask[i & 3])).toString(), "ping");
      ws.terminate();
    });
  }

  test("a message over the limit is refused from its header, before its payload arrives", async () => {
    const { ws, messages } = peer(1000);
    const done = closed(ws);
    const header = serverFrame(0x2, Buffer.alloc(70_000)).subarray(0, 10);
    ws.receive(header.subarray(0, 1));
    ws.receive(header.subarray(1));
    const [code, reason] = await done;
    assert.equal(code, 1009);
    assert.match(reason, /a message over the 1000-byte limit/);
    assert.deepEqual(messages, []);
  });
});
