// Server-side apply of rendered manifests, in an order that lets each object land (Namespaces before what
// lives in them, RBAC before the workloads that need it), reported the way kubectl reports it.
import type { KubeClient } from "../../client/index.ts";
import type { KubeObject } from "../../meta/types.ts";

export const FIELD_MANAGER = "incluster-demo";

const KIND_ORDER = [
  "Namespace",
  "ServiceAccount",
  "ClusterRole",
  "Role",
  "ClusterRoleBinding",
  "RoleBinding",
  "ConfigMap",
  "Secret",
  "Service",
];

export function applyOrder(objects: KubeObject[]): KubeObject[] {
  const rank = (o: KubeObject) => {
    const i = KIND_ORDER.indexOf(o.kind ?? "");
    return i === -1 ? KIND_ORDER.length : i;
  };
  return [...objects].sort((a, b) => rank(a) - rank(b));
}

/** Applies every object; resolves with kubectl-style lines ("deployment.apps/pod-counter serverside-applied"). */
export async function applyAll(client: KubeClient, objects: KubeObject[]): Promise<string[]> {
  const lines: string[] = [];
  for (const object of applyOrder(objects)) {
    const resource = client.resource(`${object.apiVersion}/${object.kind}`);
    const ref = await resource.ref();
    const name = object.metadata?.name ?? "";
    await resource.patch(name, object, "apply", {
      namespace: object.metadata?.namespace,
      fieldManager: FIELD_MANAGER,
      force: true,
    });
    const kind = (ref.kind ?? object.kind ?? ref.resource).toLowerCase();
    lines.push(`${kind}${ref.group ? `.${ref.group}` : ""}/${name} serverside-applied`);
  }
  return lines;
}
