// "Service shop/web: 2 ready endpoints: 10.244.0.5, 10.244.0.6 (ports: http 8080/TCP)", and the JSON form;
// with --probe followed by "; GET :8080/metrics answered by 10.244.0.5; not by 10.244.0.6 (HTTP 503)".
import type { ProbeReport } from "./probe.ts";
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

export function probeSentence(report: ProbeReport): string {
  const what = `${report.path === undefined ? "TCP" : "GET"} :${report.port ?? "?"}${report.path ?? ""}`;
  const answered = report.results.filter((r) => r.answered).map((r) => r.address);
  const failed = report.results.filter((r) => !r.answered).map((r) => `${r.address} (${r.detail})`);
  const parts = [`${what} answered by ${answered.length > 0 ? answered.join(", ") : "none"}`];
  if (failed.length > 0) parts.push(`not by ${failed.join(", ")}`);
  return parts.join("; ");
}

export function probeRecord(report: ProbeReport): Record<string, unknown> {
  return {
    port: report.port ?? null,
    ...(report.path === undefined ? {} : { path: report.path }),
    answered: report.results.filter((r) => r.answered).length,
    results: report.results,
  };
}
