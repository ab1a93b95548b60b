// The cluster DNS serves Pods and this host only: a query from any other source is REFUSED without being
// answered or forwarded, and a TCP connection from it is closed (src/kubelet/dns/cluster-dns.ts).
import assert from "node:assert/strict";
import dgram from "node:dgram";
import net from "node:net";
import os from "node:os";
import { after, before, describe, test } from "node:test";
import dnsPacket from "dns-packet";
import pino from "pino";
import { ClusterDns, isAllowedClient } from "../../../src/kubelet/dns/cluster-dns.ts";

const records = {
  services: () => [{ metadata: { namespace: "shop", name: "web" }, spec: { clusterIP: "10.96.0.20" } }],
  slices: () => [],
};

/** A non-loopback IPv4 address of this host: queries from it look like a neighbour's. */
const hostAddress = Object.values(os.networkInterfaces())
  .flat()
  .find((a) => a && a.family === "IPv4" && !a.internal)?.address;

type Reply = dnsPacket.Packet & { rcode?: string };

function queryUdp(server: string, port: number, from: string, name: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket("udp4");
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error("no reply"));
    }, 5000);
    socket.on("message", (m) => {
      clearTimeout(timer);
      socket.close();
      resolve(dnsPacket.decode(m) as Reply);
    });
    socket.bind(0, from, () =>
      socket.send(
        dnsPacket.encode({
          type: "query",
          id: 7,
          flags: dnsPacket.RECURSION_DESIRED,
          questions: [{ type: "A", name }],
        }),
        port,
        server,
      ),
    );
  });
}

test("clients: loopback and the Pod subnets", () => {
  assert.equal(isAllowedClient("127.0.0.1", []), true);
  assert.equal(isAllowedClient("10.244.3.17", ["10.244.3.0/24"]), true);
  assert.equal(isAllowedClient("10.244.4.17", ["10.244.3.0/24"]), false);
  assert.equal(isAllowedClient("192.168.1.20", ["10.244.3.0/24"]), false);
  assert.equal(isAllowedClient("::1", ["10.244.3.0/24"]), false);
});

describe("a cluster DNS on a host address", () => {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  let open: ClusterDns;
  let closed: ClusterDns;
  before(async () => {
    assert.ok(hostAddress, "this host has a non-loopback IPv4 address");
    const log = pino({ level: "silent" });
    // The upstream is TEST-NET-2: a forwarded query would time out into SERVFAIL after 2 s.
    const common = { host: hostAddress!, records, upstreams: ["198.51.100.1"], log };
    open = new ClusterDns({ ...common, port, clients: [`${hostAddress}/32`] });
    closed = new ClusterDns({ ...common, port: port + 1, clients: ["10.244.0.0/24"] });
    await open.start();
    await closed.start();
  });
  after(async () => {
    await open?.stop();
    await closed?.stop();
  });

  test("answers a client in its Pod subnet", async () => {
    const reply = await queryUdp(hostAddress!, port, hostAddress!, "web.shop.svc.cluster.local");
    assert.equal(reply.rcode, "NOERROR");
    assert.deepEqual(
      reply.answers?.map((a) => (a as { data?: unknown }).data),
      ["10.96.0.20"],
    );
  });

  test("refuses any other client, cluster names and recursion alike, at once", async () => {
    for (const name of ["web.shop.svc.cluster.local", "example.com"]) {
      const started = Date.now();
      const reply = await queryUdp(hostAddress!, port + 1, hostAddress!, name);
      assert.equal(reply.rcode, "REFUSED", name);
      assert.deepEqual(reply.answers, []);
      assert.equal(reply.flags! & dnsPacket.RECURSION_AVAILABLE, 0);
      assert.ok(Date.now() - started < 1000, "not forwarded");
    }
  });

  test("closes TCP connections from other clients", async () => {
    const socket = net.connect({ host: hostAddress!, port: port + 1, localAddress: hostAddress });
    const closedBy = await new Promise<string>((resolve) => {
      socket.on("data", () => resolve("data"));
      socket.on("close", () => resolve("close"));
      socket.on("error", () => resolve("close"));
      socket.on("connect", () => {
        const q = dnsPacket.encode({ type: "query", id: 1, questions: [{ type: "A", name: "example.com" }] });
        const len = Buffer.alloc(2);
        len.writeUInt16BE(q.length);
        socket.write(Buffer.concat([len, q]));
      });
    });
    assert.equal(closedBy, "close");
  });
});
