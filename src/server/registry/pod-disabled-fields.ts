// Pod spec fields behind a feature gate that is off by default in 1.33: the strategies drop them on
// create and update unless the stored object already uses them (pkg/api/pod/util.go
// DropDisabledPodFields / DropDisabledTemplateFields → dropDisabledFields), so a write naming them is
// accepted and stored without them, as on a default kube-apiserver.
import type { KubeObject } from "../../meta/types.ts";
import { asMap, isMap, type Json } from "./json-access.ts";

function containersOf(spec: Json): Json[] {
  const lists = [spec.containers, spec.initContainers, spec.ephemeralContainers];
  return lists.flatMap((list) => (Array.isArray(list) ? list.filter(isMap) : []));
}

const stopSignalOf = (container: Json) => asMap(container.lifecycle).stopSignal;

/** containerStopSignalsInUse. */
function stopSignalsInUse(spec: unknown): boolean {
  return isMap(spec) && containersOf(spec).some((c) => stopSignalOf(c) != null);
}

/** dropContainerStopSignals (ContainerStopSignals, alpha): lifecycle.stopSignal, and a lifecycle left empty. */
function dropContainerStopSignals(spec: Json, oldSpec: unknown): void {
  if (stopSignalsInUse(oldSpec)) return;
  for (const container of containersOf(spec)) {
    const lifecycle = container.lifecycle;
    if (!isMap(lifecycle) || lifecycle.stopSignal == null) continue;
    delete lifecycle.stopSignal;
    if (lifecycle.postStart == null && lifecycle.preStop == null) delete container.lifecycle;
  }
}

/** dropDisabledFields of a pod spec against the stored one (absent on create). */
export function dropDisabledPodSpecFields(spec: unknown, oldSpec: unknown): void {
  if (isMap(spec)) dropContainerStopSignals(spec, oldSpec);
}

/** DropDisabledPodFields: a Pod's spec. */
export function dropDisabledPodFields(pod: KubeObject, old: KubeObject | undefined): void {
  dropDisabledPodSpecFields(pod.spec, old?.spec);
}

/** DropDisabledTemplateFields: the pod template at `path` (e.g. ["spec", "template"]) of a workload. */
export function dropDisabledTemplateFields(
  obj: KubeObject,
  old: KubeObject | undefined,
  path: readonly string[],
): void {
  const at = (o: unknown) => path.reduce<unknown>((node, key) => asMap(node)[key], o);
  dropDisabledPodSpecFields(asMap(at(obj)).spec, asMap(at(old)).spec);
}
