// "Service shop/web: 2 ready endpoints: 10.244.0.5, 10.244.0.6 (ports: http 8080/TCP)", and the JSON form.
import type { ReadyEndpoints } from "./ready-endpoints.ts";

export interface ServiceRef {
  namespace: string;
  name: string;
}

export function endpointsSentence(service: ServiceRef, ready: ReadyEndpoints): string {
  const prefix = `Service ${service.namespace}/${service.name}:`;
  const n = ready.addresses.length;
  if (n === 0) return `${prefix} no ready endpoints`;
  const ports = ready.ports.map((p) => `${p.name ? `${p.name} ` : ""}${p.port}/${p.protocol}`).join(", ");
  const noun = n === 1 ? "1 ready endpoint" : `${n} ready endpoints`;
  return `${prefix} ${noun}: ${ready.addresses.join(", ")}${ports ? ` (ports: ${ports})` : ""}`;
}

export function endpointsRecord(service: ServiceRef, ready: ReadyEndpoints): Record<string, unknown> {
  return {
    namespace: service.namespace,
    service: service.name,
    ready: ready.addresses.length,
    addresses: ready.addresses,
    ports: ready.ports,
  };
}
