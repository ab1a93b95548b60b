// printers.go for services, endpoints and endpointslices.
import type { KubeObject } from "../../../meta/types.ts";
import { asList, asMap, asNumber, asString } from "../json-access.ts";
import type { PrinterTable } from "../tables.ts";
import { AGE_COLUMN, column, NAME_COLUMN, wide } from "./columns.ts";
import { age, formatLabels, listWithMore, nameOf } from "./format.ts";

const DOCS = {
  type: 'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. "ExternalName" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types',
  clusterIP:
    'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are "None", empty string (""), or a valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
  externalIPs:
    "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.",
  ports:
    "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies",
  selector:
    "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/",
  subsets:
    "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.",
  addressType:
    "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.",
  slicePorts:
    'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.',
  sliceEndpoints:
    "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.",
};

const MAX_LISTED = 3;

// ---- services ----

/** The spec.type defaulting applies before printing upstream. */
const serviceType = (spec: Record<string, unknown>) => asString(spec.type) || "ClusterIP";

function clusterIP(spec: Record<string, unknown>): string {
  const ips = asList(spec.clusterIPs);
  return (ips.length > 0 ? asString(ips[0]) : asString(spec.clusterIP)) || "<none>";
}

/** loadBalancerStatusStringer (wide): unique ingress IPs or hostnames, sorted. */
function loadBalancerIngress(svc: KubeObject): string {
  const ingress = asList(asMap(asMap(svc.status).loadBalancer).ingress).map(asMap);
  const hosts = new Set(ingress.map((i) => asString(i.ip) || asString(i.hostname)).filter((h) => h !== ""));
  return [...hosts].sort().join(",");
}

function externalIP(svc: KubeObject): string {
  const spec = asMap(svc.spec);
  const external = asList(spec.externalIPs).map(asString);
  switch (serviceType(spec)) {
    case "ClusterIP":
    case "NodePort":
      return external.length > 0 ? external.join(",") : "<none>";
    case "LoadBalancer": {
      const lb = loadBalancerIngress(svc);
      if (external.length > 0) return [...(lb ? lb.split(",") : []), ...external].join(",");
      return lb || "<pending>";
    }
    case "ExternalName":
      return asString(spec.externalName);
    default:
      return "<unknown>";
  }
}

/** makePortString: "80/TCP,443:30443/TCP"; protocol is defaulted to TCP upstream. */
function servicePorts(spec: Record<string, unknown>): string {
  const ports = asList(spec.ports).map(asMap);
  const s = ports
    .map((p) => {
      const protocol = asString(p.protocol) || "TCP";
      const nodePort = asNumber(p.nodePort);
      return nodePort > 0 ? `${asNumber(p.port)}:${nodePort}/${protocol}` : `${asNumber(p.port)}/${protocol}`;
    })
    .join(",");
  return s || "<none>";
}

// ---- endpoints ----

/** formatEndpoints: up to three "ip:port" (or bare IPs for port-less subsets), then "+ N more...". */
function formatEndpoints(endpoints: KubeObject): string {
  const subsets = asList(endpoints.subsets).map(asMap);
  if (subsets.length === 0) return "<none>";
  const list: string[] = [];
  let more = false;
  let count = 0;
  const take = (addresses: Record<string, unknown>[], port?: number) => {
    count += addresses.length;
    for (const a of addresses) {
      if (list.length === MAX_LISTED) {
        more = true;
        break;
      }
      list.push(port === undefined ? asString(a.ip) : joinHostPort(asString(a.ip), port));
    }
  };
  for (const ss of subsets) {
    const addresses = asList(ss.addresses).map(asMap);
    const ports = asList(ss.ports).map(asMap);
    if (ports.length === 0) take(addresses);
    else for (const p of ports) take(addresses, asNumber(p.port));
  }
  const joined = list.join(",");
  return more ? `${joined} + ${count - MAX_LISTED} more...` : joined;
}

/** net.JoinHostPort: IPv6 hosts are bracketed. */
const joinHostPort = (host: string, port: number) =>
  host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;

/** The first three items as strings, then "+ N more..." (formatDiscoveryPorts/Endpoints). */
function firstThree(items: string[]): string {
  return listWithMore(
    items.slice(0, MAX_LISTED),
    items.length > MAX_LISTED,
    items.length,
    MAX_LISTED,
    "<unset>",
  );
}

function slicePorts(slice: KubeObject): string {
  return firstThree(
    asList(slice.ports)
      .map(asMap)
      .map((p) => (typeof p.port === "number" ? String(p.port) : typeof p.name === "string" ? p.name : "*")),
  );
}

function sliceEndpoints(slice: KubeObject): string {
  return firstThree(
    asList(slice.endpoints)
      .map(asMap)
      .flatMap((e) => asList(e.addresses).map(asString)),
  );
}

export const NETWORK_PRINTERS: PrinterTable = {
  "/services": {
    columns: [
      NAME_COLUMN,
      column("Type", "string", DOCS.type),
      column("Cluster-IP", "string", DOCS.clusterIP),
      column("External-IP", "string", DOCS.externalIPs),
      column("Port(s)", "string", DOCS.ports),
      AGE_COLUMN,
      wide("Selector", "string", DOCS.selector),
    ],
    cells(svc, now) {
      const spec = asMap(svc.spec);
      return [
        nameOf(svc),
        serviceType(spec),
        clusterIP(spec),
        externalIP(svc),
        servicePorts(spec),
        age(svc, now),
        formatLabels(spec.selector),
      ];
    },
  },
  "/endpoints": {
    columns: [NAME_COLUMN, column("Endpoints", "string", DOCS.subsets), AGE_COLUMN],
    cells: (ep, now) => [nameOf(ep), formatEndpoints(ep), age(ep, now)],
  },
  "discovery.k8s.io/endpointslices": {
    columns: [
      NAME_COLUMN,
      column("AddressType", "string", DOCS.addressType),
      column("Ports", "string", DOCS.slicePorts),
      column("Endpoints", "string", DOCS.sliceEndpoints),
      AGE_COLUMN,
    ],
    cells: (slice, now) => [
      nameOf(slice),
      asString(slice.addressType),
      slicePorts(slice),
      sliceEndpoints(slice),
      age(slice, now),
    ],
  },
};
