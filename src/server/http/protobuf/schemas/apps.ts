// k8s.io/api apps/v1 generated.proto: Deployment and ReplicaSet.
// Field spec syntax: see ../schema.ts.
import type { PackageTable } from "../schema.ts";

export const APPS: PackageTable = {
  package: "apps",
  messages: {
    Deployment: {
      1: "metadata meta.ObjectMeta",
      2: "spec DeploymentSpec",
      3: "status DeploymentStatus",
    },
    DeploymentCondition: {
      1: "type string keep",
      2: "status string keep",
      4: "reason string",
      5: "message string",
      6: "lastUpdateTime meta.Time",
      7: "lastTransitionTime meta.Time",
    },
    DeploymentSpec: {
      1: "replicas int32 keep",
      2: "selector meta.LabelSelector",
      3: "template core.PodTemplateSpec",
      4: "strategy DeploymentStrategy",
      5: "minReadySeconds int32",
      6: "revisionHistoryLimit int32 keep",
      7: "paused bool",
      9: "progressDeadlineSeconds int32 keep",
    },
    DeploymentStatus: {
      1: "observedGeneration int64",
      2: "replicas int32",
      3: "updatedReplicas int32",
      4: "availableReplicas int32",
      5: "unavailableReplicas int32",
      6: "conditions DeploymentCondition[]",
      7: "readyReplicas int32",
      8: "collisionCount int32 keep",
      9: "terminatingReplicas int32 keep",
    },
    DeploymentStrategy: {
      1: "type string",
      2: "rollingUpdate RollingUpdateDeployment",
    },
    ReplicaSet: {
      1: "metadata meta.ObjectMeta",
      2: "spec ReplicaSetSpec",
      3: "status ReplicaSetStatus",
    },
    ReplicaSetCondition: {
      1: "type string keep",
      2: "status string keep",
      3: "lastTransitionTime meta.Time",
      4: "reason string",
      5: "message string",
    },
    ReplicaSetSpec: {
      1: "replicas int32 keep",
      2: "selector meta.LabelSelector",
      3: "template core.PodTemplateSpec",
      4: "minReadySeconds int32",
    },
    ReplicaSetStatus: {
      1: "replicas int32 keep",
      2: "fullyLabeledReplicas int32",
      3: "observedGeneration int64",
      4: "readyReplicas int32",
      5: "availableReplicas int32",
      6: "conditions ReplicaSetCondition[]",
      7: "terminatingReplicas int32 keep",
    },
    RollingUpdateDeployment: {
      1: "maxUnavailable intstr.IntOrString",
      2: "maxSurge intstr.IntOrString",
    },
  },
};
