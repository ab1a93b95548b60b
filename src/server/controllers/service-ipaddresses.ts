// The IPAddress objects 1.33's MultiCIDRServiceAllocator (pkg/registry/core/service/ipallocator/
// ipallocator.go) keeps for every allocated ClusterIP: named by the IP, labelled with its family and
// `managed-by: ipallocator.k8s.io`, parentRef the Service. Allocation itself stays in
// registry/service-allocators.ts (stored Services are its record), so these are written after the
// Service, not in the same request: a mirror of the allocations, created when a ClusterIP is taken and
// deleted when it is released. Keys are "ip|namespace|name".
import type { KubeObject } from "../../meta/types.ts";
import { asMap, asString, asStrings } from "../registry/json-access.ts";
import { SERVICE_IP_RANGE } from "../registry/service-allocators.ts";
import {
  CONTROLLER_USER,
  type Controller,
  type ControllerContext,
  controller,
  parsedObject,
} from "./context.ts";

const IP_ADDRESSES = "ipaddresses.networking.k8s.io";
const MANAGED_BY = "ipaddress.kubernetes.io/managed-by";
const ALLOCATOR = "ipallocator.k8s.io";
const FAMILY = "ipaddress.kubernetes.io/ip-family";

/** The ClusterIPs of a Service (JSON) that come from the service range. */
function allocatedIPs(service: KubeObject): string[] {
  const spec = asMap(service.spec);
  const ips = asStrings(spec.clusterIPs).length ? asStrings(spec.clusterIPs) : [asString(spec.clusterIP)];
  return ips.filter((ip) => SERVICE_IP_RANGE.offsetOf(ip) !== undefined);
}

export function serviceIPAddress(ip: string, namespace: string, name: string): KubeObject {
  return {
    metadata: { name: ip, labels: { [FAMILY]: "IPv4", [MANAGED_BY]: ALLOCATOR } },
    spec: { parentRef: { group: "", resource: "services", namespace, name } },
  };
}

export function startServiceIPAddressController(c: ControllerContext): Controller {
  const def = c.registry.find("networking.k8s.io", "v1", "ipaddresses")!;
  const keysOf = (namespace: string, service: KubeObject) =>
    allocatedIPs(service).map((ip) => `${ip}|${namespace}|${service.metadata?.name ?? ""}`);
  return controller(
    c,
    "service-ipaddresses",
    async (key) => {
      const [ip = "", namespace = "", name = ""] = key.split("|");
      const service = c.store.get("services", namespace, name)?.object();
      const holds = Boolean(
        service && !service.metadata.deletionTimestamp && allocatedIPs(service).includes(ip),
      );
      const existing = c.store.get(IP_ADDRESSES, "", ip)?.object();
      if (holds && !existing) {
        await c.objects.create(def, serviceIPAddress(ip, namespace, name), "", { user: CONTROLLER_USER });
        return;
      }
      if (holds || !existing || existing.metadata.labels?.[MANAGED_BY] !== ALLOCATOR) return;
      const ref = asMap(asMap(existing.spec).parentRef);
      if (ref.resource !== "services" || ref.namespace !== namespace || ref.name !== name) return;
      await c.objects.delete(def, "", ip, {
        user: CONTROLLER_USER,
        preconditions: { uid: existing.metadata.uid },
      });
    },
    [
      { resource: "services", key: (e) => keysOf(e.namespace, parsedObject(e)) },
      {
        resource: IP_ADDRESSES,
        key: (e) => {
          const ref = asMap(asMap(parsedObject(e).spec).parentRef);
          return ref.resource === "services"
            ? `${e.name}|${asString(ref.namespace)}|${asString(ref.name)}`
            : undefined;
        },
      },
    ],
    () => c.store.list("services").items.flatMap((e) => keysOf(e.namespace, e.object())),
  );
}
