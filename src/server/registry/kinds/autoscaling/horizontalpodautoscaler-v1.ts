// autoscaling/v1 HorizontalPodAutoscaler: the same objects as v2 (stored in v2), read and written through
// conversion.ts. Defaults (SetDefaults_HorizontalPodAutoscaler, pkg/apis/autoscaling/v1/defaults.go) and
// validation happen on the stored version, as upstream validates the internal object.
import type { ResourceDef } from "../../types.ts";
import { hpaV1ToV2, hpaV2ToV1 } from "./conversion.ts";
import { horizontalPodAutoscaler } from "./horizontalpodautoscaler.ts";

export const horizontalPodAutoscalerV1: ResourceDef = {
  ...horizontalPodAutoscaler,
  version: "v1",
  defaults: undefined,
  validate: undefined,
  printer: {
    columns: horizontalPodAutoscaler.printer!.columns,
    cells: (obj, now) => horizontalPodAutoscaler.printer!.cells(hpaV1ToV2(obj), now),
  },
  conversion: { storage: horizontalPodAutoscaler, toStorage: hpaV1ToV2, fromStorage: hpaV2ToV1 },
};
