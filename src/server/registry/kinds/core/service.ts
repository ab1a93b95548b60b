// core/v1 Service: defaults, normalisation and allocation (service-strategy.ts, pkg/registry/core/
// service), ValidateService (validation/service.ts), printService.

import type { Service } from "kubernetes-types/core/v1.d.ts";
import type { KubeObject } from "../../../../meta/types.ts";
import { asList, asMap, asNumber, asString } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN, wide } from "../../printers/columns.ts";
import { age, formatLabels, nameOf } from "../../printers/format.ts";
import { allocatorsFor } from "../../service-allocators.ts";
import { defaultLoadBalancerStatus, prepareService } from "../../service-strategy.ts";
import type { ResourceDef } from "../../types.ts";
import { validateService } from "../../validation/service.ts";
import { fields } from "../fields.ts";
import { CRUD, GET_PATCH_UPDATE } from "../verbs.ts";

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
};

const _MAX_LISTED = 3;

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

export const service: ResourceDef = {
  group: "",
  version: "v1",
  resource: "services",
  singular: "service",
  kind: "Service",
  listKind: "ServiceList",
  namespaced: true,
  shortNames: ["svc"],
  categories: ["all"],
  verbs: CRUD,
  subresources: [{ name: "status", kind: "Service", verbs: GET_PATCH_UPDATE }],
  selectableFields: fields("spec.clusterIP", "spec.type"),
  generation: false, // service strategy.go never sets it
  returnsDeletedObject: true,
  statusKeepsMetadata: [], // serviceStatusStrategy keeps spec only
  prepare: (o, old, ctx) =>
    prepareService(o as Service, old as Service | undefined, allocatorsFor(ctx.store)),
  prepareSubresource: (subresource, o) => {
    if (subresource === "status") defaultLoadBalancerStatus(o as Service);
  },
  validate: validateService,
  printer: {
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
};
