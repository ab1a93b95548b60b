// kube-apiserver's mandatory API Priority and Fairness configuration (k8s.io/apiserver pkg/apis/flowcontrol/
// bootstrap/default.go, Kubernetes 1.33): the `exempt` and `catch-all` PriorityLevelConfigurations and
// FlowSchemas. Their specs are fixed (validation refuses other values); the apiserver keeps them current.
import type { KubeObject } from "../../../../meta/types.ts";

export const GROUP_VERSION = "flowcontrol.apiserver.k8s.io/v1";

/** The annotation the apiserver's config-producer sets on the objects it keeps current. */
const AUTO_UPDATE = { "apf.kubernetes.io/autoupdate-spec": "true" };

const ALL_RESOURCES = {
  verbs: ["*"],
  apiGroups: ["*"],
  resources: ["*"],
  clusterScope: true,
  namespaces: ["*"],
};
const ALL_NON_RESOURCES = { verbs: ["*"], nonResourceURLs: ["*"] };
const group = (name: string) => ({ kind: "Group", group: { name } });

/** Specs as stored (after SetDefaults), by name. */
export const MANDATORY_PRIORITY_LEVEL_SPECS: Readonly<Record<string, KubeObject>> = {
  exempt: { type: "Exempt", exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } },
  "catch-all": {
    type: "Limited",
    limited: { nominalConcurrencyShares: 5, limitResponse: { type: "Reject" }, lendablePercent: 0 },
  },
};

export const MANDATORY_FLOW_SCHEMA_SPECS: Readonly<Record<string, KubeObject>> = {
  exempt: {
    priorityLevelConfiguration: { name: "exempt" },
    matchingPrecedence: 1,
    rules: [
      {
        subjects: [group("system:masters")],
        resourceRules: [ALL_RESOURCES],
        nonResourceRules: [ALL_NON_RESOURCES],
      },
    ],
  },
  "catch-all": {
    priorityLevelConfiguration: { name: "catch-all" },
    matchingPrecedence: 10000,
    distinguisherMethod: { type: "ByUser" },
    rules: [
      {
        subjects: [group("system:unauthenticated"), group("system:authenticated")],
        resourceRules: [ALL_RESOURCES],
        nonResourceRules: [ALL_NON_RESOURCES],
      },
    ],
  },
};

const objects = (kind: string, specs: Readonly<Record<string, KubeObject>>): KubeObject[] =>
  Object.entries(specs).map(([name, spec]) => ({
    apiVersion: GROUP_VERSION,
    kind,
    metadata: { name, annotations: { ...AUTO_UPDATE } },
    spec: structuredClone(spec),
  }));

export const mandatoryPriorityLevels = () =>
  objects("PriorityLevelConfiguration", MANDATORY_PRIORITY_LEVEL_SPECS);
export const mandatoryFlowSchemas = () => objects("FlowSchema", MANDATORY_FLOW_SCHEMA_SPECS);
