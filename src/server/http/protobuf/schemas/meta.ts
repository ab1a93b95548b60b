// k8s.io/apimachinery: pkg/apis/meta/v1, pkg/util/intstr and pkg/api/resource generated.proto.
// Time, MicroTime, FieldsV1, IntOrString and Quantity have custom JSON forms: see ../well-known.ts.
// Field spec syntax: see ../schema.ts.
import type { PackageTable } from "../schema.ts";

export const META: PackageTable = {
  package: "meta",
  messages: {
    Condition: {
      1: "type string keep",
      2: "status string keep",
      3: "observedGeneration int64",
      4: "lastTransitionTime Time",
      5: "reason string keep",
      6: "message string keep",
    },
    DeleteOptions: {
      1: "gracePeriodSeconds int64 keep",
      2: "preconditions Preconditions",
      3: "orphanDependents bool keep",
      4: "propagationPolicy string keep",
      5: "dryRun string[]",
      6: "ignoreStoreReadErrorWithClusterBreakingPotential bool keep",
    },
    FieldSelectorRequirement: {
      1: "key string keep",
      2: "operator string keep",
      3: "values string[]",
    },
    FieldsV1: {
      1: "Raw bytes",
    },
    LabelSelector: {
      1: "matchLabels map<string,string>",
      2: "matchExpressions LabelSelectorRequirement[]",
    },
    LabelSelectorRequirement: {
      1: "key string keep",
      2: "operator string keep",
      3: "values string[]",
    },
    ManagedFieldsEntry: {
      1: "manager string",
      2: "operation string",
      3: "apiVersion string",
      4: "time Time",
      6: "fieldsType string",
      7: "fieldsV1 FieldsV1",
      8: "subresource string",
    },
    MicroTime: {
      1: "seconds int64 keep",
      2: "nanos int32 keep",
    },
    ObjectMeta: {
      1: "name string",
      2: "generateName string",
      3: "namespace string",
      4: "selfLink string",
      5: "uid string",
      6: "resourceVersion string",
      7: "generation int64",
      8: "creationTimestamp Time",
      9: "deletionTimestamp Time",
      10: "deletionGracePeriodSeconds int64 keep",
      11: "labels map<string,string>",
      12: "annotations map<string,string>",
      13: "ownerReferences OwnerReference[]",
      14: "finalizers string[]",
      17: "managedFields ManagedFieldsEntry[]",
    },
    OwnerReference: {
      1: "kind string keep",
      3: "name string keep",
      4: "uid string keep",
      5: "apiVersion string keep",
      6: "controller bool keep",
      7: "blockOwnerDeletion bool keep",
    },
    Preconditions: {
      1: "uid string keep",
      2: "resourceVersion string keep",
    },
    Time: {
      1: "seconds int64 keep",
      2: "nanos int32 keep",
    },
  },
};

export const INTSTR: PackageTable = {
  package: "intstr",
  messages: {
    IntOrString: {
      1: "type int64 keep",
      2: "intVal int32 keep",
      3: "strVal string keep",
    },
  },
};

export const RESOURCE: PackageTable = {
  package: "resource",
  messages: {
    Quantity: {
      1: "string string keep",
    },
  },
};
