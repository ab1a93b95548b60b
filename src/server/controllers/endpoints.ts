// EndpointSlices (and legacy Endpoints) from Services × ready Pods, and the `kubernetes` Service
// that points in-cluster clients at this API server.
import type { Pod, Service } from "kubernetes-types/core/v1.d.ts";
import { labelSelectorFromObject, matchesLabels } from "../../meta/labels.ts";
import type { KubeObject } from "../../meta/types.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext, controller } from "./context.ts";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
const MANAGED_BY = "endpointslice-controller.k8s.io";

interface Address {
  ip: string;
  ready: boolean;
  terminating: boolean;
  nodeName?: string;
  pod?: { name: string; uid: string; namespace: string };
}

function podReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

function resolvePort(port: NonNullable<NonNullable<Service["spec"]>["ports"]>[number], pods: Pod[]): number {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const p of pods)
    for (const c of p.spec?.containers ?? [])
      for (const cp of c.ports ?? []) if (cp.name === target) return cp.containerPort;
  return port.port;
}

export function startEndpointsController(c: ControllerContext): Controller {
  const slices = c.registry.find("discovery.k8s.io", "v1", "endpointslices")!;
  const endpoints = c.registry.find("", "v1", "endpoints")!;

  const write = async (
    namespace: string,
    service: string,
    ports: object[],
    addresses: Address[],
    labels: Record<string, string>,
  ) => {
    const desiredSlice: KubeObject = {
      metadata: {
        name: service,
        labels: {
          [SERVICE_NAME_LABEL]: service,
          "endpointslice.kubernetes.io/managed-by": MANAGED_BY,
          ...labels,
        },
      },
      addressType: "IPv4",
      endpoints: addresses.map((a) => ({
        addresses: [a.ip],
        conditions: { ready: a.ready, serving: a.ready, terminating: a.terminating },
        ...(a.nodeName ? { nodeName: a.nodeName } : {}),
        ...(a.pod
          ? { targetRef: { kind: "Pod", namespace: a.pod.namespace, name: a.pod.name, uid: a.pod.uid } }
          : {}),
      })),
      ports,
    };
    const ready = addresses.filter((a) => a.ready);
    const notReady = addresses.filter((a) => !a.ready);
    const subset: Record<string, unknown> = { ports };
    const toAddress = (a: Address) => ({
      ip: a.ip,
      ...(a.nodeName ? { nodeName: a.nodeName } : {}),
      ...(a.pod ? { targetRef: { kind: "Pod", ...a.pod } } : {}),
    });
    if (ready.length) subset.addresses = ready.map(toAddress);
    if (notReady.length) subset.notReadyAddresses = notReady.map(toAddress);
    const desiredEndpoints: KubeObject = {
      metadata: { name: service, labels },
      subsets: addresses.length ? [subset] : [],
    };
    await upsert(slices, namespace, service, desiredSlice, ["endpoints", "ports"]);
    await upsert(endpoints, namespace, service, desiredEndpoints, ["subsets"]);
  };

  const upsert = async (
    def: typeof slices,
    namespace: string,
    name: string,
    desired: KubeObject,
    fields: string[],
  ) => {
    const existing = c.store.get(def.group ? `${def.resource}.${def.group}` : def.resource, namespace, name);
    if (!existing) {
      await c.objects.create(def, desired, namespace, { user: CONTROLLER_USER });
      return;
    }
    const same = (obj: KubeObject) =>
      fields.every((f) => JSON.stringify(obj[f] ?? null) === JSON.stringify(desired[f] ?? null));
    if (same(existing.object())) return;
    await c.objects.guaranteedUpdate(
      def,
      namespace,
      name,
      (obj) => {
        if (same(obj)) return undefined;
        for (const f of fields) obj[f] = desired[f];
        return obj;
      },
      { user: CONTROLLER_USER },
    );
  };

  return controller(
    c,
    "endpointslice",
    async (key) => {
      const [namespace, name] = key.split("/");
      if (namespace === "default" && name === "kubernetes") {
        const ports = [{ name: "https", port: c.port, protocol: "TCP" }];
        await write(namespace, name, ports, [{ ip: c.host, ready: true, terminating: false }], {});
        return;
      }
      const svc = c.store.get("services", namespace, name)?.object() as Service | undefined;
      const selector = svc?.spec?.selector;
      if (!svc || !selector || Object.keys(selector).length === 0) return;
      const match = labelSelectorFromObject({ matchLabels: selector });
      const pods = c.store
        .list("pods", { namespace, filter: (e) => matchesLabels(match, e.labels) })
        .items.map((e) => e.object() as unknown as Pod)
        .filter((p) => p.status?.podIP);
      const ports = (svc.spec?.ports ?? []).map((p) => ({
        ...(p.name ? { name: p.name } : { name: "" }),
        port: resolvePort(p, pods),
        protocol: p.protocol ?? "TCP",
      }));
      const addresses = pods.map((p) => ({
        ip: p.status!.podIP!,
        ready: podReady(p) && !p.metadata?.deletionTimestamp,
        terminating: Boolean(p.metadata?.deletionTimestamp),
        nodeName: p.spec?.nodeName,
        pod: { name: p.metadata!.name!, uid: p.metadata!.uid!, namespace },
      }));
      await write(namespace, name, ports, addresses, {});
    },
    [
      { resource: "services", key: (e) => `${e.namespace}/${e.name}` },
      // A pod change may affect any service in its namespace; the reconcile is cheap and idempotent.
      {
        resource: "pods",
        key: (e) =>
          c.store.list("services", { namespace: e.namespace }).items.map((s) => `${s.namespace}/${s.name}`),
      },
    ],
    () => ["default/kubernetes", ...c.store.list("services").items.map((e) => `${e.namespace}/${e.name}`)],
  );
}
