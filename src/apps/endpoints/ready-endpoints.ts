// A Service's ready endpoints, folded from its EndpointSlices (a Service may have several; Endpoints is
// deprecated since Kubernetes 1.33). An endpoint counts when conditions.ready is not false: the API says a
// missing ready condition means ready. Terminating endpoints report ready=false.
import type { EndpointSlice } from "kubernetes-types/discovery/v1.d.ts";

export interface ServicePort {
  name: string;
  port: number;
  protocol: string;
}

export interface ReadyEndpoints {
  /** Sorted, de-duplicated. */
  addresses: string[];
  ports: ServicePort[];
}

export function readyEndpoints(slices: Iterable<EndpointSlice>): ReadyEndpoints {
  const addresses = new Set<string>();
  const ports = new Map<string, ServicePort>();
  for (const slice of slices) {
    for (const endpoint of slice.endpoints ?? []) {
      if (endpoint.conditions?.ready === false) continue;
      for (const address of endpoint.addresses ?? []) addresses.add(address);
    }
    for (const port of slice.ports ?? []) {
      if (port.port === undefined) continue;
      const normalized = { name: port.name ?? "", port: port.port, protocol: port.protocol ?? "TCP" };
      ports.set(`${normalized.name}/${normalized.port}/${normalized.protocol}`, normalized);
    }
  }
  return {
    addresses: [...addresses].sort(compareAddresses),
    ports: [...ports.values()].sort((a, b) => a.port - b.port || a.name.localeCompare(b.name)),
  };
}

/** 10.0.0.9 before 10.0.0.10: numeric per dotted part, text order otherwise (IPv6, FQDN). */
function compareAddresses(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  if (pa.length === 4 && pb.length === 4 && [...pa, ...pb].every(Number.isInteger)) {
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sameEndpoints(a: ReadyEndpoints | undefined, b: ReadyEndpoints): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
