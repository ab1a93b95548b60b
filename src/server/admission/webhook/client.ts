// Calling one webhook: k8s.io/apiserver pkg/util/webhook/client.go (URL or Service, ServerName
// "<name>.<namespace>.svc", caBundle as the only trust) and pkg/util/proxy/proxy.go ResolveEndpoint (a
// Service port → its EndpointSlices → a ready endpoint). Errors read as Go's net/http client reports
// them: `Post "<url>?timeout=10s": <cause>`, which the dispatcher wraps as upstream does.
//
// Endpoint addresses are dialled as they are when this host routes to them (loopback, which the local
// runtime's Pod IPs are, or a subnet of one of its interfaces, such as a Pod network bridge); any other
// address is reached on 127.0.0.1 at the same port, with the TLS name unchanged.
import https from "node:https";
import { BlockList, isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { asList, asMap, asMaps, asString, isMap, type Json } from "../../registry/json-access.ts";
import type { Store } from "../../storage/index.ts";

/** The largest AdmissionReview response read: a patch for the largest object (3 MiB) in base64, with room. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** The HTTP call failed before a usable AdmissionReview came back (ErrCallingWebhook's reason). */
export class WebhookCallError extends Error {}

export interface WebhookTarget {
  /** What Go prints in `Post "<url>"`: the URL or https://<svc>.<ns>.svc:<port><path>, plus ?timeout=. */
  shownURL: string;
  host: string;
  port: number;
  path: string;
  servername: string;
}

/** Addresses this host reaches directly: loopback and the subnets of its interfaces (a Pod network bridge). */
function routable(): BlockList {
  const list = new BlockList();
  list.addSubnet("127.0.0.0", 8, "ipv4");
  list.addAddress("::1", "ipv6");
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      const prefix = Number(a.cidr?.split("/")[1]);
      if (Number.isInteger(prefix)) list.addSubnet(a.address, prefix, a.family === "IPv6" ? "ipv6" : "ipv4");
    }
  }
  return list;
}

/** An endpoint address as dialled: itself when routable from here, else loopback (same port). */
function dialAddress(address: string): string {
  const family = isIP(address);
  if (!family) return address;
  return routable().check(address, family === 6 ? "ipv6" : "ipv4") ? address : "127.0.0.1";
}

/** ResolveEndpoint: a ready address of the Service's EndpointSlices for the named service port. */
function resolveService(
  store: Store,
  namespace: string,
  name: string,
  port: number,
): { host: string; port: number } {
  const svc = store.get("services", namespace, name)?.object();
  if (!svc) throw new WebhookCallError(`service ${JSON.stringify(name)} not found`);
  const spec = asMap(svc.spec);
  const type = asString(spec.type) || "ClusterIP";
  if (!["ClusterIP", "LoadBalancer", "NodePort"].includes(type))
    throw new WebhookCallError(`unsupported service type ${JSON.stringify(type)}`);
  const svcPort = asMaps(spec.ports).find((p) => p.port === port);
  if (!svcPort)
    throw new WebhookCallError(`no service port ${port} found for service ${JSON.stringify(name)}`);
  const portName = asString(svcPort.name);
  const slices = store.list("endpointslices.discovery.k8s.io", {
    namespace,
    filter: (e) => e.labels["kubernetes.io/service-name"] === name,
  }).items;
  for (const e of slices) {
    const slice = e.object() as Json;
    const ep = asMaps(slice.ports).find((p) => asString(p.name) === portName);
    if (!ep || typeof ep.port !== "number") continue;
    for (const endpoint of asMaps(slice.endpoints)) {
      if (asMap(endpoint.conditions).ready === false) continue;
      const address = asList(endpoint.addresses).map(asString).find(Boolean);
      if (address) return { host: address, port: ep.port };
    }
  }
  throw new WebhookCallError(`no endpoints available for service ${JSON.stringify(name)}`);
}

/** Where a webhook's clientConfig points, with the URL Go would print (the Service is resolved at dial time). */
export function webhookTarget(clientConfig: Json, timeoutSeconds: number): WebhookTarget {
  const query = `?timeout=${timeoutSeconds}s`;
  if (typeof clientConfig.url === "string") {
    const u = new URL(clientConfig.url);
    return {
      shownURL: `${clientConfig.url}${query}`,
      host: u.hostname.replace(/^\[|\]$/g, ""),
      port: Number(u.port || 443),
      path: `${u.pathname}${query}`,
      servername: u.hostname.replace(/^\[|\]$/g, ""),
    };
  }
  const svc = asMap(clientConfig.service);
  const namespace = asString(svc.namespace);
  const name = asString(svc.name);
  const port = typeof svc.port === "number" ? svc.port : 443;
  const path = asString(svc.path);
  const servername = `${name}.${namespace}.svc`;
  return {
    shownURL: `https://${servername}:${port}${path}${query}`,
    host: servername,
    port,
    path: `${path || "/"}${query}`,
    servername,
  };
}

/** Go's net error texts for the usual failures. */
function goNetError(e: NodeJS.ErrnoException, host: string, port: number): string {
  const addr = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  switch (e.code) {
    case "ECONNREFUSED":
      return `dial tcp ${addr}: connect: connection refused`;
    case "ENOTFOUND":
      return `dial tcp: lookup ${host}: no such host`;
    case "EHOSTUNREACH":
      return `dial tcp ${addr}: connect: no route to host`;
    case "ECONNRESET":
      return "EOF";
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
      return "tls: failed to verify certificate: x509: certificate signed by unknown authority";
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `tls: failed to verify certificate: x509: certificate is valid for other names, not ${host}`;
    case "CERT_HAS_EXPIRED":
      return "tls: failed to verify certificate: x509: certificate has expired or is not yet valid";
    default:
      return e.message;
  }
}

/**
 * POST the review; resolves with the decoded response body. Throws WebhookCallError with Go's
 * `Post "<url>": <cause>` for transport failures, timeouts and non-2xx answers.
 */
export async function postReview(
  store: Store,
  clientConfig: Json,
  timeoutSeconds: number,
  body: unknown,
  agent?: https.Agent,
): Promise<unknown> {
  const target = webhookTarget(clientConfig, timeoutSeconds);
  const post = (why: string) => new WebhookCallError(`Post ${JSON.stringify(target.shownURL)}: ${why}`);
  let host = target.host;
  let port = target.port;
  if (typeof clientConfig.url !== "string") {
    const svc = asMap(clientConfig.service);
    try {
      ({ host, port } = resolveService(store, asString(svc.namespace), asString(svc.name), target.port));
    } catch (e) {
      if (e instanceof WebhookCallError) throw post(e.message);
      throw e;
    }
    host = dialAddress(host);
  }
  const caBundle = asString(clientConfig.caBundle);
  const ca = caBundle ? Buffer.from(caBundle, "base64").toString() : undefined;
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host,
        port,
        path: target.path,
        method: "POST",
        // No caBundle: the system roots, as client-go falls back to them; never "insecure".
        ...(ca ? { ca } : {}),
        // Node checks the certificate against servername (else host): the Service's DNS name even when
        // its endpoint is dialled by address.
        servername: isIP(target.servername) ? undefined : target.servername,
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json, */*",
          "Content-Length": Buffer.byteLength(payload),
        },
        // A keep-alive agent reuses connections (per host, port, CA and name), as client-go's cached clients do.
        agent: agent ?? false,
        timeout: timeoutSeconds * 1000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          // timeoutSeconds bounds the time, not the bytes: a webhook streaming without end would
          // otherwise fill this server's memory long before its deadline.
          if (size > MAX_RESPONSE_BYTES)
            req.destroy(post(`response body exceeds ${MAX_RESPONSE_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on("error", (e) => reject(post(e.message)));
        res.on("end", () => {
          clearTimeout(deadline);
          const text = Buffer.concat(chunks).toString();
          const code = res.statusCode ?? 0;
          if (code < 200 || code > 299) {
            // client-go's transformResponse: a Status body's message, else the body text.
            let message = text.trim();
            try {
              const parsed = JSON.parse(text) as Json;
              if (isMap(parsed) && parsed.kind === "Status" && typeof parsed.message === "string")
                message = parsed.message;
            } catch {}
            reject(
              post(
                `an error on the server (${JSON.stringify(message)}) has prevented the request from succeeding`,
              ),
            );
            return;
          }
          try {
            resolve(JSON.parse(text));
          } catch (e) {
            reject(new WebhookCallError(`received invalid webhook response: ${(e as Error).message}`));
          }
        });
      },
    );
    // timeoutSeconds bounds the whole exchange (the request's context), not only socket idleness.
    const deadline = setTimeout(() => {
      req.destroy(post("context deadline exceeded"));
    }, timeoutSeconds * 1000);
    req.on("timeout", () => req.destroy(post("context deadline exceeded")));
    req.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(deadline);
      reject(e instanceof WebhookCallError ? e : post(goNetError(e, host, port)));
    });
    req.end(payload);
  });
}
