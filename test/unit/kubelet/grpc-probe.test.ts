import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import {
  decodeServingStatus,
  encodeHealthCheckRequest,
  GRPC_PROBE_USER_AGENT,
  grpcProbe,
} from "../../../src/kubelet/grpc-probe.ts";

test("HealthCheckRequest/Response wire format", () => {
  assert.deepEqual([...encodeHealthCheckRequest("")], [0, 0, 0, 0, 0]);
  assert.deepEqual([...encodeHealthCheckRequest("ab")], [0, 0, 0, 0, 4, 0x0a, 2, 0x61, 0x62]);
  const long = encodeHealthCheckRequest("x".repeat(200));
  assert.deepEqual([...long.subarray(0, 8)], [0, 0, 0, 0, 203, 0x0a, 0xc8, 0x01]);
  assert.equal(decodeServingStatus(Buffer.from([0x08, 0x01])), 1);
  assert.equal(decodeServingStatus(Buffer.alloc(0)), 0, "proto3 default UNKNOWN");
  assert.equal(decodeServingStatus(Buffer.from([0x12, 0x01, 0x7a, 0x08, 0x02])), 2, "unknown fields skipped");
  assert.ok(decodeServingStatus(Buffer.from([0x08])) instanceof Error);
});

/** An HTTP/2 server answering each Check with `respond`, recording what the probe sent. */
async function withServer(
  respond: (stream: http2.ServerHttp2Stream) => void,
  run: (port: number, seen: { headers?: http2.IncomingHttpHeaders; body?: Buffer }) => Promise<void>,
) {
  const seen: { headers?: http2.IncomingHttpHeaders; body?: Buffer } = {};
  const server = http2.createServer();
  server.on("stream", (stream, headers) => {
    seen.headers = headers;
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      seen.body = Buffer.concat(chunks);
      respond(stream);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    await run((server.address() as AddressInfo).port, seen);
  } finally {
    server.close();
  }
}

const grpcReply =
  (message: number[], status = "0", grpcMessage?: string) =>
  (stream: http2.ServerHttp2Stream) => {
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () =>
      stream.sendTrailers({ "grpc-status": status, ...(grpcMessage ? { "grpc-message": grpcMessage } : {}) }),
    );
    const frame = Buffer.alloc(5);
    frame.writeUInt32BE(message.length, 1);
    stream.end(Buffer.concat([frame, Buffer.from(message)]));
  };

test("the Check call: path, headers and body as grpc-go sends them; SERVING and other statuses", async () => {
  await withServer(grpcReply([0x08, 0x01]), async (port, seen) => {
    const result = await grpcProbe({ host: "127.0.0.1", port, service: "svc" }, 1000);
    assert.deepEqual(result, { ok: true, message: "service healthy" });
    assert.equal(seen.headers?.[":path"], "/grpc.health.v1.Health/Check");
    assert.equal(seen.headers?.["content-type"], "application/grpc");
    assert.equal(seen.headers?.te, "trailers");
    assert.equal(seen.headers?.["user-agent"], GRPC_PROBE_USER_AGENT);
    assert.match(GRPC_PROBE_USER_AGENT, /^kube-probe\/1\.33 /);
    assert.deepEqual([...(seen.body ?? [])], [0, 0, 0, 0, 5, 0x0a, 3, 0x73, 0x76, 0x63]);
  });
  await withServer(grpcReply([0x08, 0x03]), async (port) => {
    assert.deepEqual(await grpcProbe({ host: "127.0.0.1", port, service: "" }, 1000), {
      ok: false,
      message: 'service unhealthy (responded with "SERVICE_UNKNOWN")',
    });
  });
  await withServer(grpcReply([], "16", "no%20way"), async (port) => {
    assert.deepEqual(await grpcProbe({ host: "127.0.0.1", port, service: "" }, 1000), {
      ok: false,
      message: "error: health rpc probe failed: rpc error: code = Unauthenticated desc = no way",
    });
  });
});

test("a non-gRPC answer and a call that outlives the timeout", async () => {
  await withServer(
    (stream) => {
      stream.respond({ ":status": 404 });
      stream.end();
    },
    async (port) => {
      assert.deepEqual(await grpcProbe({ host: "127.0.0.1", port, service: "" }, 1000), {
        ok: false,
        message:
          "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unexpected HTTP status code received from server: 404 (Not Found)",
      });
    },
  );
  await withServer(
    () => {},
    async (port) => {
      assert.deepEqual(await grpcProbe({ host: "127.0.0.1", port, service: "" }, 300), {
        ok: false,
        message: "timeout: health rpc did not complete within 300ms",
      });
    },
  );
});

test("an oversized answer is cut off at grpc-go's 4 MiB limit; a server that drops the call is reported", async () => {
  await withServer(
    (stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" });
      stream.end(Buffer.alloc(5 * 1024 * 1024));
    },
    async (port) => {
      const result = await grpcProbe({ host: "127.0.0.1", port, service: "" }, 5000);
      assert.equal(result.ok, false);
      assert.match(
        result.message,
        /^error: health rpc probe failed: rpc error: code = ResourceExhausted desc = grpc: received message larger than max \(\d+ vs\. 4194304\)$/,
      );
    },
  );
  await withServer(
    (stream) => stream.session?.destroy(),
    async (port) => {
      const result = await grpcProbe({ host: "127.0.0.1", port, service: "" }, 1000);
      assert.equal(result.ok, false);
      assert.match(
        result.message,
        /^error: health rpc probe failed: rpc error: code = (Unavailable|Internal) desc = /,
      );
    },
  );
});
