// The port-forward stream protocol (src/server/streaming/portforward.ts, the kubelet's httpstream.go) on a SPDY
// session: header validation, error/data pairing by requestID (and by stream id for old clients), creation
// timeouts, copying to a real loopback TCP server, and the error stream's texts.
import assert from "node:assert/strict";
import net, { type AddressInfo } from "node:net";
import { duplexPair } from "node:stream";
import { after, before, test } from "node:test";
import pino from "pino";
import { parsePort, queryPorts, servePortForward } from "../../../src/server/streaming/portforward.ts";
import { SpdySession } from "../../../src/server/streaming/spdy.ts";
import { data, type Frame, Peer } from "../../helpers/spdy-peer.ts";

let echo: net.Server;
let echoPort: number;
before(async () => {
  // Echoes what it reads and ends when the client ends.
  echo = net.createServer({ allowHalfOpen: true }, (s) => s.pipe(s));
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  echoPort = (echo.address() as AddressInfo).port;
});
after(() => echo.close());

const UID = "8f3b8c9e-0000-4000-8000-000000000001";

function session(streamCreationTimeoutMs?: number): Peer {
  const [server, client] = duplexPair();
  const s = new SpdySession(server);
  const target = {
    id: UID,
    connect: (port: number) =>
      port === 8080
        ? new Promise<net.Socket>((resolve) => {
            const socket = net.connect(echoPort, "127.0.0.1", () => resolve(socket));
          })
        : Promise.reject(new Error(`dial tcp 10.244.0.5:${port}: connect: connection refused`)),
  };
  servePortForward(s, target, pino({ level: "silent" }), streamCreationTimeoutMs);
  return new Peer(client);
}

const isRst = (id: number) => (f: Frame) => f.control && f.type === 3 && f.payload.readUInt32BE(0) === id;
const dataOn = (id: number) => (f: Frame) => !f.control && f.streamId === id;

/** Everything that arrives on a stream until its FIN. */
async function readStream(peer: Peer, id: number): Promise<string> {
  let text = "";
  for (;;) {
    const f = await peer.next(dataOn(id));
    text += f.payload.toString();
    if (f.flags & 1) return text;
  }
}

test("streams without a valid port or stream type are reset", async () => {
  const peer = session();
  const cases: Record<string, string>[] = [
    { streamtype: "data" },
    { streamtype: "data", port: "http" },
    { streamtype: "data", port: "0" },
    { streamtype: "data", port: "70000" },
    { port: "8080" },
    { streamtype: "stdin", port: "8080" },
  ];
  for (const [i, headers] of cases.entries()) {
    const id = 1 + 2 * i;
    await peer.synStream(id, { ...headers, requestid: String(i) });
    const rst = await peer.next(isRst(id));
    assert.equal(rst.payload.readUInt32BE(4), 5, `stream ${id} is cancelled`);
  }
  peer.socket.destroy();
});

test("an error and a data stream make a pair: bytes reach the port and come back, then both end", async () => {
  const peer = session();
  await peer.synStream(1, { streamtype: "error", port: "8080", requestid: "0" });
  await peer.synStream(3, { streamtype: "data", port: "8080", requestid: "0" });
  peer.socket.write(data(3, 0, "ping "));
  peer.socket.write(data(3, 1, "pong")); // FIN: the echo server ends after echoing
  assert.equal(await readStream(peer, 3), "ping pong");
  assert.equal(await readStream(peer, 1), "", "nothing on the error stream");
  peer.socket.destroy();
});

test("a refused port is written to the error stream as the kubelet writes it", async () => {
  const peer = session();
  await peer.synStream(1, { streamtype: "error", port: "9", requestid: "0" });
  await peer.synStream(3, { streamtype: "data", port: "9", requestid: "0" });
  assert.equal(
    await readStream(peer, 1),
    `error forwarding port 9 to pod ${UID}, uid : dial tcp 10.244.0.5:9: connect: connection refused`,
  );
  assert.equal(await readStream(peer, 3), "");
  peer.socket.destroy();
});

test("a second error stream for a request is reported on the first", async () => {
  const peer = session();
  await peer.synStream(1, { streamtype: "error", port: "9", requestid: "7" });
  await peer.synStream(3, { streamtype: "error", port: "9", requestid: "7" });
  const f = await peer.next(dataOn(1));
  assert.equal(f.payload.toString(), "error processing stream for request 7: error stream already assigned");
  peer.socket.destroy();
});

test("clients without requestID pair streams by id (error n, data n+2)", async () => {
  const peer = session();
  await peer.synStream(5, { streamtype: "error", port: "8080" });
  await peer.synStream(7, { streamtype: "data", port: "8080" });
  peer.socket.write(data(7, 1, "old client"));
  assert.equal(await readStream(peer, 7), "old client");
  peer.socket.destroy();
});

test("a lone stream times out with upstream's message", async () => {
  const peer = session(100);
  await peer.synStream(1, { streamtype: "error", port: "8080", requestid: "5" });
  const f = await peer.next(dataOn(1));
  assert.match(f.payload.toString(), /^\(conn=.*, request=5\) timed out waiting for streams$/);
  peer.socket.destroy();
});

test("port texts are parsed as the kubelet and the apiserver parse them", () => {
  assert.equal(parsePort("080"), 80);
  assert.equal(parsePort("65535"), 65535);
  assert.equal(
    parsePort("-1"),
    'unable to parse "-1" as a port: strconv.ParseUint: parsing "-1": invalid syntax',
  );
  assert.equal(parsePort("0"), 'port "0" must be > 0');
  assert.deepEqual(queryPorts(["80,443", "8080"]), [80, 443, 8080]);
  assert.equal(
    queryPorts(["80,"]),
    'cannot convert to []int32: strconv.ParseUint: parsing "": invalid syntax',
  );
});
