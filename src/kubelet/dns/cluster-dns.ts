// The cluster DNS (what CoreDNS's kubernetes plugin answers, with its default Corefile: cluster.local,
// `pods insecure`, ttl 30, everything else forwarded to the host's resolvers), on the Pod bridge's gateway
// address, UDP and TCP port 53, built on dns-packet:
//   <svc>.<ns>.svc.cluster.local   A: the ClusterIP; headless: the ready endpoints' addresses;
//                                  ExternalName: a CNAME to it
//   <a-b-c-d>.<ns>.pod.cluster.local  A a.b.c.d
// Other names under cluster.local are NXDOMAIN; names outside it go to the host's nameservers unchanged.
// Only Pods (the Pod subnet) and this host (loopback) are served: Linux accepts packets for the gateway
// address on any interface, so a neighbour routing to it would otherwise get an open resolver that
// forwards (and amplifies) anything; other sources get REFUSED (UDP) or a closed connection (TCP).
import dgram from "node:dgram";
import net, { isIPv4 } from "node:net";
import dnsPacket, { type Answer, type Packet, type Question } from "dns-packet";
import type { Service } from "kubernetes-types/core/v1.d.ts";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.d.ts";
import type { Logger } from "pino";
import { CLUSTER_DOMAIN } from "./resolv-conf.ts";

export const DNS_PORT = 53;
const TTL = 30;
const FORWARD_TIMEOUT_MS = 2000;
const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

export interface ClusterRecords {
  services(): Service[];
  slices(): EndpointSlice[];
}

export interface LocalAnswer {
  rcode: keyof typeof RCODE;
  answers: Answer[];
}

const SUFFIX = `.${CLUSTER_DOMAIN}`;

/** The answer for a name under cluster.local, or undefined when the name is outside it (forward it). */
export function answerClusterName(question: Question, records: ClusterRecords): LocalAnswer | undefined {
  const name = question.name.toLowerCase().replace(/\.$/, "");
  if (name !== CLUSTER_DOMAIN && !name.endsWith(SUFFIX)) return undefined;
  const labels = name.slice(0, -SUFFIX.length).split(".");
  const a = (ip: string): Answer => ({ type: "A", name: question.name, ttl: TTL, class: "IN", data: ip });
  const nodata: LocalAnswer = { rcode: "NOERROR", answers: [] };
  const nx: LocalAnswer = { rcode: "NXDOMAIN", answers: [] };

  if (labels.length === 3 && labels[2] === "pod") {
    const ip = labels[0].split("-");
    if (ip.length !== 4 || ip.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return nx;
    return question.type === "A" ? { rcode: "NOERROR", answers: [a(ip.join("."))] } : nodata;
  }
  if (labels.length !== 3 || labels[2] !== "svc") return nx;
  const [svcName, ns] = labels;
  const svc = records.services().find((s) => s.metadata?.namespace === ns && s.metadata?.name === svcName);
  if (!svc) return nx;
  if (svc.spec?.type === "ExternalName" && svc.spec.externalName) {
    const cname: Answer = {
      type: "CNAME",
      name: question.name,
      ttl: TTL,
      class: "IN",
      data: svc.spec.externalName,
    };
    return { rcode: "NOERROR", answers: [cname] };
  }
  if (question.type !== "A") return nodata;
  const clusterIP = svc.spec?.clusterIP;
  if (clusterIP && clusterIP !== "None") return { rcode: "NOERROR", answers: [a(clusterIP)] };
  const ips = new Set<string>();
  for (const slice of records.slices()) {
    if (slice.metadata?.namespace !== ns || slice.metadata?.labels?.[SERVICE_NAME_LABEL] !== svcName)
      continue;
    if (slice.addressType !== "IPv4") continue;
    for (const ep of slice.endpoints ?? [])
      if (ep.conditions?.ready !== false) for (const ip of ep.addresses ?? []) if (isIPv4(ip)) ips.add(ip);
  }
  return { rcode: "NOERROR", answers: [...ips].sort().map(a) };
}

function response(query: Packet, answer: LocalAnswer, served = true): Buffer {
  const rd = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  const aa = served ? dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE : 0;
  return dnsPacket.encode({
    type: "response",
    id: query.id,
    flags: aa | rd | RCODE[answer.rcode],
    questions: query.questions,
    answers: answer.answers,
  });
}

function servfail(query: Packet): Buffer {
  return response(query, { rcode: "SERVFAIL", answers: [] });
}

/** Whether `address` (IPv4) is in one of `cidrs` ("10.244.0.0/24") or loopback. */
export function isAllowedClient(address: string, cidrs: readonly string[]): boolean {
  if (!isIPv4(address)) return false;
  const value = ipv4Value(address);
  return ["127.0.0.0/8", ...cidrs].some((cidr) => {
    const [base, bits] = cidr.split("/");
    if (!isIPv4(base)) return false;
    const prefix = Number(bits ?? 32);
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    return (value & mask) >>> 0 === (ipv4Value(base) & mask) >>> 0;
  });
}

const ipv4Value = (ip: string) => ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);

export interface ClusterDnsOptions {
  /** The address to listen on (the Pod bridge's gateway). */
  host: string;
  port?: number;
  /** The Pod subnets served besides loopback (CIDRs); other clients are refused. */
  clients: readonly string[];
  records: ClusterRecords;
  /** Nameservers for other names (the host's). */
  upstreams: string[];
  log: Logger;
}

export class ClusterDns {
  readonly #options: ClusterDnsOptions;
  #udp: dgram.Socket | undefined;
  #tcp: net.Server | undefined;

  constructor(options: ClusterDnsOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    const { host, port = DNS_PORT } = this.#options;
    const udp = dgram.createSocket("udp4");
    udp.on("message", (message, peer) => {
      void this.#answer(message, "udp", isAllowedClient(peer.address, this.#options.clients))
        .then((reply) => reply && udp.send(reply, peer.port, peer.address))
        .catch((error) =>
          this.#options.log.warn({ err: (error as Error).message }, "cluster DNS answer failed"),
        );
    });
    udp.on("error", (error) => this.#options.log.warn({ err: error.message }, "cluster DNS (UDP) error"));
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(port, host, () => {
        udp.off("error", reject);
        resolve();
      });
    });
    this.#udp = udp;
    const tcp = net.createServer((socket) => this.#serveTcp(socket));
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(port, host, () => {
        tcp.off("error", reject);
        resolve();
      });
    });
    this.#tcp = tcp;
  }

  #serveTcp(socket: net.Socket): void {
    if (!isAllowedClient(socket.remoteAddress ?? "", this.#options.clients)) {
      socket.destroy();
      return;
    }
    let buffer = Buffer.alloc(0);
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
        const message = buffer.subarray(2, 2 + buffer.readUInt16BE(0));
        buffer = buffer.subarray(2 + message.length);
        void this.#answer(message, "tcp", true).then(
          (reply) => {
            if (!reply || socket.destroyed) return;
            const length = Buffer.alloc(2);
            length.writeUInt16BE(reply.length);
            socket.write(Buffer.concat([length, reply]));
          },
          () => socket.destroy(),
        );
      }
      if (buffer.length > 65_537) socket.destroy();
    });
  }

  /** One query → one reply (undefined: not a query, dropped); a client that is no Pod is refused. */
  async #answer(message: Buffer, transport: "udp" | "tcp", allowed: boolean): Promise<Buffer | undefined> {
    let query: Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return undefined;
    }
    if (query.type !== "query" || !query.questions?.length) return undefined;
    if (!allowed) return response(query, { rcode: "REFUSED", answers: [] }, false);
    const local = answerClusterName(query.questions[0], this.#options.records);
    if (local) return response(query, local);
    return (await this.#forward(message, transport)) ?? servfail(query);
  }

  /** The query as it came, to each host nameserver in turn; the first reply is relayed. */
  async #forward(message: Buffer, transport: "udp" | "tcp"): Promise<Buffer | undefined> {
    for (const upstream of this.#options.upstreams) {
      const reply = await (transport === "udp" ? forwardUdp : forwardTcp)(message, upstream).catch(
        () => undefined,
      );
      if (reply) return reply;
    }
    return undefined;
  }

  async stop(): Promise<void> {
    this.#udp?.close();
    await new Promise<void>((resolve) => (this.#tcp ? this.#tcp.close(() => resolve()) : resolve()));
  }
}

function forwardUdp(message: Buffer, server: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(server.includes(":") ? "udp6" : "udp4");
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error("timeout"));
    }, FORWARD_TIMEOUT_MS);
    socket.on("message", (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
    socket.send(message, DNS_PORT, server);
  });
}

function forwardTcp(message: Buffer, server: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server, port: DNS_PORT, timeout: FORWARD_TIMEOUT_MS });
    let buffer = Buffer.alloc(0);
    socket.on("timeout", () => socket.destroy(new Error("timeout")));
    socket.on("error", reject);
    socket.on("connect", () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      socket.write(Buffer.concat([length, message]));
    });
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
        socket.end();
        resolve(buffer.subarray(2, 2 + buffer.readUInt16BE(0)));
      }
    });
  });
}
