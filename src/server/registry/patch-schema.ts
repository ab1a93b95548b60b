// Strategic-merge patch metadata (the patchStrategy/patchMergeKey struct tags of k8s.io/api) for the
// kinds we serve. Only tags matter to the server-side merge: a list without `patchStrategy:"merge"`
// is atomic (replaced whole), maps always merge key by key. retainKeys needs no entry here: the
// `$retainKeys` directive in a patch is honoured wherever it appears.

export interface PatchField {
  /** "merge": a list merged by mergeKey (maps) or as a set (primitives); "replace": a map replaced whole. */
  strategy?: "merge" | "replace";
  mergeKey?: string;
  /** The struct (or list element struct) under this field. */
  schema?: PatchSchema;
}

export interface PatchSchema {
  fields?: Record<string, PatchField>;
  /** A Go map[string]T: every value has this metadata. */
  values?: PatchField;
}

const merged = (mergeKey: string, schema?: PatchSchema): PatchField => ({
  strategy: "merge",
  mergeKey,
  schema,
});
const SET: PatchField = { strategy: "merge" };
const struct = (fields: Record<string, PatchField>): PatchField => ({ schema: { fields } });

const OBJECT_META = struct({ finalizers: SET, ownerReferences: merged("uid") });

const CONTAINER: PatchSchema = {
  fields: {
    ports: merged("containerPort"),
    env: merged("name"),
    volumeMounts: merged("mountPath"),
    volumeDevices: merged("devicePath"),
  },
};

const POD_SPEC = struct({
  volumes: merged("name"),
  initContainers: merged("name", CONTAINER),
  containers: merged("name", CONTAINER),
  ephemeralContainers: merged("name", CONTAINER),
  imagePullSecrets: merged("name"),
  hostAliases: merged("ip"),
  topologySpreadConstraints: merged("topologyKey"),
  schedulingGates: merged("name"),
  resourceClaims: merged("name"),
});

const POD_STATUS = struct({
  conditions: merged("type"),
  podIPs: merged("ip"),
  hostIPs: merged("ip"),
  resourceClaimStatuses: merged("name"),
});

const POD_TEMPLATE = struct({ metadata: OBJECT_META, spec: POD_SPEC });
const CONDITIONS_STATUS = struct({ conditions: merged("type") });

const kind = (fields: Record<string, PatchField>): PatchSchema => ({
  fields: { metadata: OBJECT_META, ...fields },
});
const workload = kind({ spec: struct({ template: POD_TEMPLATE }), status: CONDITIONS_STATUS });

const SCHEMAS: Record<string, PatchSchema> = {
  "/Pod": kind({ spec: POD_SPEC, status: POD_STATUS }),
  "/PodTemplate": kind({ template: POD_TEMPLATE }),
  "/ReplicationController": workload,
  "/Service": kind({ spec: struct({ ports: merged("port") }), status: CONDITIONS_STATUS }),
  "/ServiceAccount": kind({ secrets: merged("name") }),
  "/Namespace": kind({ status: CONDITIONS_STATUS }),
  "/Node": kind({
    spec: struct({ podCIDRs: SET }),
    status: struct({ conditions: merged("type"), addresses: merged("type") }),
  }),
  "apps/Deployment": workload,
  "apps/ReplicaSet": workload,
  "apps/StatefulSet": workload,
  "apps/DaemonSet": workload,
  "batch/Job": workload,
  "batch/CronJob": kind({
    spec: struct({
      jobTemplate: struct({ metadata: OBJECT_META, spec: struct({ template: POD_TEMPLATE }) }),
    }),
  }),
};

/** Everything else (ConfigMap, Secret, Endpoints, EndpointSlice, Event, RBAC…): only ObjectMeta has tags. */
const METADATA_ONLY = kind({});

export function patchSchemaFor(group: string, kindName: string): PatchSchema {
  return SCHEMAS[`${group}/${kindName}`] ?? METADATA_ONLY;
}

/** forkedjson.LookupPatchMetadata; unknown fields get no metadata (upstream errors on unknown struct fields). */
export function lookupField(schema: PatchSchema | undefined, key: string): PatchField {
  return schema?.fields?.[key] ?? schema?.values ?? {};
}
