// autoscaling/v1 HorizontalPodAutoscaler: the same objects as v2, stored as v2 and served through
// conversion.ts by the store (ResourceDef.storage). Defaults, validation and the strategy
// (pkg/registry/autoscaling/horizontalpodautoscaler/strategy.go) apply to the v2 form, as upstream applies
// them to the internal object.
import type { KubeObject, StoredObject } from "../../../../meta/types.ts";
import type { ResourceDef } from "../../types.ts";
import { CONDITIONS_ANNOTATION, CURRENT_METRICS_ANNOTATION, hpaV1ToV2, hpaV2ToV1 } from "./conversion.ts";
import { horizontalPodAutoscaler as v2 } from "./horizontalpodautoscaler.ts";

/** Replaces obj's content in place (defaults and prepare mutate what they are given). */
function assign(obj: KubeObject, next: KubeObject): void {
  for (const key of Object.keys(obj)) delete (obj as Record<string, unknown>)[key];
  Object.assign(obj, next);
}

/** Status rides in these annotations in v1: a write to the main resource keeps the stored status. */
const STATUS_ANNOTATIONS = [CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION];

function prepare(obj: KubeObject, old: StoredObject | undefined): void {
  if (!old) return;
  const annotations = { ...(obj.metadata?.annotations ?? {}) };
  for (const a of STATUS_ANNOTATIONS) {
    const kept = old.metadata.annotations?.[a];
    if (kept === undefined) delete annotations[a];
    else annotations[a] = kept;
  }
  obj.metadata ??= {};
  const meta = obj.metadata;
  if (Object.keys(annotations).length) meta.annotations = annotations;
  else delete meta.annotations;
}

export const horizontalPodAutoscalerV1: ResourceDef = {
  ...v2,
  version: "v1",
  defaults: (obj) => {
    const stored = hpaV1ToV2(obj);
    v2.defaults?.(stored);
    assign(obj, hpaV2ToV1(stored));
  },
  prepare,
  validate: (obj, old, subresource) =>
    v2.validate?.(hpaV1ToV2(obj), old && (hpaV1ToV2(old) as StoredObject), subresource) ?? [],
  printer: {
    columns: v2.printer!.columns,
    cells: (obj, now) => v2.printer!.cells(hpaV1ToV2(obj), now),
  },
  storage: { def: v2, toStorage: hpaV1ToV2, fromStorage: hpaV2ToV1 },
};
