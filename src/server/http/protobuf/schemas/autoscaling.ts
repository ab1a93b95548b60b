// k8s.io/api autoscaling/v1 generated.proto: Scale (the scale subresource).
// Field spec syntax: see ../schema.ts.
import type { PackageTable } from "../schema.ts";

export const AUTOSCALING: PackageTable = {
  package: "autoscaling",
  messages: {
    Scale: {
      1: "metadata meta.ObjectMeta",
      2: "spec ScaleSpec",
      3: "status ScaleStatus",
    },
    ScaleSpec: {
      1: "replicas int32",
    },
    ScaleStatus: {
      1: "replicas int32 keep",
      2: "selector string",
    },
  },
};
