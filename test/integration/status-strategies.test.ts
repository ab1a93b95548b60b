// Per-kind /status strategies and metadata.generation, as 1.33's pkg/registry/<group>/<kind>/strategy.go
// have them: what a status write takes from the request's metadata (deployment strategy_test.go
// TestStatusUpdates: labels stay, annotations change; Service/Job/HPA: both change; Pod: ownerReferences
// stay; FlowSchema/APIService/ServiceCIDR: nothing but status), which kinds get a generation, and that a
// status write runs only the kind's status-update validation.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "ss" } });
});
after(async () => {
  await c.stop();
});

const podSpec = { containers: [{ name: "c", image: "x" }] };
const template = { metadata: { labels: { app: "a" } }, spec: podSpec };
const owner = {
  apiVersion: "v1",
  kind: "ConfigMap",
  name: "owner",
  uid: "6c9d4c57-1b0c-4d3e-9f7a-000000000001",
};

interface StatusCase {
  name: string;
  path: string; // collection path
  body: Record<string, unknown>;
  status: Record<string, unknown>;
  keepsLabels: boolean;
  keepsAnnotations: boolean;
  keepsOwnerReferences: boolean;
}

const cases: StatusCase[] = [
  {
    name: "Deployment",
    path: "/apis/apps/v1/namespaces/ss/deployments",
    body: { spec: { selector: { matchLabels: { app: "a" } }, template } },
    status: { observedGeneration: 1, replicas: 0 },
    keepsLabels: true,
    keepsAnnotations: false,
    keepsOwnerReferences: false,
  },
  {
    name: "Service",
    path: "/api/v1/namespaces/ss/services",
    body: { spec: { ports: [{ port: 80 }] } },
    status: { loadBalancer: {} },
    keepsLabels: false,
    keepsAnnotations: false,
    keepsOwnerReferences: false,
  },
  {
    name: "HorizontalPodAutoscaler",
    path: "/apis/autoscaling/v2/namespaces/ss/horizontalpodautoscalers",
    body: {
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "x" }, maxReplicas: 3 },
    },
    status: { currentReplicas: 1, desiredReplicas: 2 },
    keepsLabels: false,
    keepsAnnotations: false,
    keepsOwnerReferences: false,
  },
  {
    name: "Pod",
    path: "/api/v1/namespaces/ss/pods",
    body: { spec: podSpec },
    status: { phase: "Pending", qosClass: "BestEffort" },
    keepsLabels: false,
    keepsAnnotations: false,
    keepsOwnerReferences: true,
  },
  {
    name: "ResourceQuota",
    path: "/api/v1/namespaces/ss/resourcequotas",
    body: { spec: { hard: { pods: "10" } } },
    status: { hard: { pods: "10" }, used: { pods: "0" } },
    keepsLabels: false,
    keepsAnnotations: false,
    keepsOwnerReferences: false,
  },
  {
    name: "FlowSchema",
    path: "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas",
    body: { spec: { priorityLevelConfiguration: { name: "global-default" }, matchingPrecedence: 5000 } },
    status: { conditions: [{ type: "Dangling", status: "False", reason: "Found", message: "ok" }] },
    keepsLabels: true,
    keepsAnnotations: true,
    keepsOwnerReferences: true,
  },
  {
    name: "ServiceCIDR",
    path: "/apis/networking.k8s.io/v1/servicecidrs",
    body: { spec: { cidrs: ["10.200.0.0/24"] } },
    status: { conditions: [] },
    keepsLabels: true,
    keepsAnnotations: true,
    keepsOwnerReferences: true,
  },
];

for (const k of cases) {
  test(`${k.name} /status takes from the request's metadata what its status strategy lets through`, async () => {
    const name = `st-${k.name.toLowerCase()}`;
    const created = await c.admin("POST", k.path, {
      ...k.body,
      metadata: { name, labels: { test: "label" }, annotations: { test: "annotation" } },
    });
    assert.equal(created.status, 201, created.text);
    const body = structuredClone(created.json);
    delete body.metadata.resourceVersion; // controllers may write status meanwhile
    body.metadata.labels = { test: "label", sneaky: "label" };
    body.metadata.annotations = { test: "annotation", sneaky: "annotation" };
    body.metadata.ownerReferences = [owner];
    body.status = k.status;
    const put = await c.admin("PUT", `${k.path}/${name}/status`, body);
    assert.equal(put.status, 200, put.text);
    const meta = put.json.metadata;
    assert.deepEqual(meta.labels, k.keepsLabels ? { test: "label" } : { test: "label", sneaky: "label" });
    assert.deepEqual(
      meta.annotations,
      k.keepsAnnotations ? { test: "annotation" } : { test: "annotation", sneaky: "annotation" },
    );
    assert.deepEqual(meta.ownerReferences, k.keepsOwnerReferences ? undefined : [owner]);
    // The spec never changes through /status.
    assert.deepEqual(put.json.spec, created.json.spec);
  });
}

test("a Pod /status write without qosClass keeps the stored one (podStatusStrategy)", async () => {
  const created = await c.admin("POST", "/api/v1/namespaces/ss/pods", {
    metadata: { name: "qos" },
    spec: podSpec,
  });
  assert.equal(created.status, 201, created.text);
  const body = structuredClone(created.json);
  body.status = { phase: "Pending" };
  const put = await c.admin("PUT", "/api/v1/namespaces/ss/pods/qos/status", body);
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.status.qosClass, "BestEffort");
});

const generationCases: { name: string; path: string; body: Record<string, unknown>; tracks: boolean }[] = [
  {
    name: "PersistentVolume",
    path: "/api/v1/persistentvolumes",
    tracks: false,
    body: {
      spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/tmp/pv" } },
    },
  },
  {
    name: "PersistentVolumeClaim",
    path: "/api/v1/namespaces/ss/persistentvolumeclaims",
    tracks: false,
    body: {
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    },
  },
  {
    name: "ResourceQuota",
    path: "/api/v1/namespaces/ss/resourcequotas",
    tracks: false,
    body: {
      spec: { hard: { pods: "5" } },
    },
  },
  {
    name: "ServiceCIDR",
    path: "/apis/networking.k8s.io/v1/servicecidrs",
    tracks: false,
    body: {
      spec: { cidrs: ["10.201.0.0/24"] },
    },
  },
  {
    name: "VolumeAttachment",
    path: "/apis/storage.k8s.io/v1/volumeattachments",
    tracks: false,
    body: {
      spec: { attacher: "csi.example.com", nodeName: "n1", source: { persistentVolumeName: "pv1" } },
    },
  },
  {
    name: "APIService",
    path: "/apis/apiregistration.k8s.io/v1/apiservices",
    tracks: false,
    body: {
      metadata: { name: "v1alpha1.gen.example.com" },
      spec: { group: "gen.example.com", version: "v1alpha1", groupPriorityMinimum: 100, versionPriority: 10 },
    },
  },
  {
    name: "PodDisruptionBudget",
    path: "/apis/policy/v1/namespaces/ss/poddisruptionbudgets",
    tracks: true,
    body: {
      spec: { minAvailable: 1, selector: { matchLabels: { app: "a" } } },
    },
  },
  {
    name: "Ingress",
    path: "/apis/networking.k8s.io/v1/namespaces/ss/ingresses",
    tracks: true,
    body: {
      spec: { defaultBackend: { service: { name: "web", port: { number: 80 } } } },
    },
  },
  {
    name: "FlowSchema",
    path: "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas",
    tracks: true,
    body: {
      spec: { priorityLevelConfiguration: { name: "global-default" }, matchingPrecedence: 6000 },
    },
  },
];

for (const k of generationCases) {
  test(`${k.name}: metadata.generation ${k.tracks ? "is kept" : "is never set"} (its strategy.go)`, async () => {
    const name = `gen-${k.name.toLowerCase()}`;
    const meta = (k.body.metadata as Record<string, unknown> | undefined) ?? { name };
    const created = await c.admin("POST", k.path, { ...k.body, metadata: meta });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.metadata.generation, k.tracks ? 1 : undefined);
    const updated = structuredClone(created.json);
    delete updated.metadata.resourceVersion;
    updated.metadata.labels = { changed: "yes" };
    const put = await c.admin("PUT", `${k.path}/${created.json.metadata.name}`, updated);
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.metadata.generation, k.tracks ? 1 : undefined); // metadata only: no bump
  });
}

test("Deployment: an annotation change bumps generation like a spec change (deploymentStrategy)", async () => {
  const created = await c.admin("POST", "/apis/apps/v1/namespaces/ss/deployments", {
    metadata: { name: "annotated" },
    spec: { selector: { matchLabels: { app: "a" } }, template },
  });
  assert.equal(created.json.metadata.generation, 1);
  const patched = await c.admin(
    "PATCH",
    "/apis/apps/v1/namespaces/ss/deployments/annotated",
    { metadata: { annotations: { note: "x" } } },
    "application/merge-patch+json",
  );
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.json.metadata.generation, 2);
  const labelled = await c.admin(
    "PATCH",
    "/apis/apps/v1/namespaces/ss/deployments/annotated",
    { metadata: { labels: { only: "label" } } },
    "application/merge-patch+json",
  );
  assert.equal(labelled.json.metadata.generation, 2);
});

test("a /status write runs only the kind's status-update validation", async () => {
  // ValidateNamespaceStatusUpdate: the phase follows deletionTimestamp.
  const ns = (await c.admin("GET", "/api/v1/namespaces/ss")).json;
  ns.status = { phase: "Terminating" };
  const bad = await c.admin("PUT", "/api/v1/namespaces/ss/status", ns);
  assert.equal(bad.status, 422, bad.text);
  assert.equal(
    bad.json.message,
    'Namespace "ss" is invalid: status.Phase: Invalid value: "Terminating": may only be \'Active\' if `deletionTimestamp` is empty',
  );

  // ValidateHorizontalPodAutoscalerStatusUpdate: non-negative replica counts.
  const hpa = await c.admin("POST", "/apis/autoscaling/v2/namespaces/ss/horizontalpodautoscalers", {
    metadata: { name: "neg" },
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "x" }, maxReplicas: 3 },
  });
  const negative = { ...hpa.json, status: { currentReplicas: -1, desiredReplicas: -2 } };
  const rejected = await c.admin(
    "PUT",
    "/apis/autoscaling/v2/namespaces/ss/horizontalpodautoscalers/neg/status",
    negative,
  );
  assert.equal(rejected.status, 422, rejected.text);
  assert.equal(
    rejected.json.message,
    'HorizontalPodAutoscaler.autoscaling "neg" is invalid: [status.currentReplicas: Invalid value: -1: must be greater than or equal to 0, status.desiredReplicas: Invalid value: -2: must be greater than or equal to 0]',
  );

  // cronJobStatusStrategy.ValidateUpdate returns no errors.
  const cj = await c.admin("POST", "/apis/batch/v1/namespaces/ss/cronjobs", {
    metadata: { name: "cj" },
    spec: {
      schedule: "*/5 * * * *",
      suspend: true,
      jobTemplate: { spec: { template: { spec: { ...podSpec, restartPolicy: "Never" } } } },
    },
  });
  assert.equal(cj.status, 201, cj.text);
  const cjStatus = await c.admin("PUT", "/apis/batch/v1/namespaces/ss/cronjobs/cj/status", {
    ...cj.json,
    status: { lastScheduleTime: "2026-01-01T00:00:00Z" },
  });
  assert.equal(cjStatus.status, 200, cjStatus.text);

  // ValidateStatefulSetStatusUpdate: readyReplicas cannot exceed replicas.
  const sts = await c.admin("POST", "/apis/apps/v1/namespaces/ss/statefulsets", {
    metadata: { name: "web" },
    spec: { selector: { matchLabels: { app: "a" } }, serviceName: "web", replicas: 0, template },
  });
  assert.equal(sts.status, 201, sts.text);
  const over = {
    ...sts.json,
    status: { replicas: 1, readyReplicas: 2, availableReplicas: 0, collisionCount: 0 },
  };
  delete over.metadata.resourceVersion;
  const stsBad = await c.admin("PUT", "/apis/apps/v1/namespaces/ss/statefulsets/web/status", over);
  assert.equal(stsBad.status, 422, stsBad.text);
  assert.equal(
    stsBad.json.message,
    'StatefulSet.apps "web" is invalid: status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
  );
});

test("status-update validators of quotas, APIServices, PDBs and CRDs, with upstream's texts", async () => {
  const put = async (path: string, mutate: (o: any) => void) => {
    const current = (await c.admin("GET", path.replace(/\/status$/, ""))).json;
    delete current.metadata.resourceVersion;
    mutate(current);
    return c.admin("PUT", path, current);
  };

  // ValidateResourceQuotaStatusUpdate: quota resource names and quantities of status.hard/used.
  const rq = await c.admin("POST", "/api/v1/namespaces/ss/resourcequotas", {
    metadata: { name: "rq-status" },
    spec: { hard: { pods: "3" } },
  });
  assert.equal(rq.status, 201, rq.text);
  const badQuota = await put("/api/v1/namespaces/ss/resourcequotas/rq-status/status", (o) => {
    o.status = { hard: { pods: "3", widgets: "1" }, used: { pods: "0" } };
  });
  assert.equal(badQuota.status, 422, badQuota.text);
  assert.equal(
    badQuota.json.message,
    'ResourceQuota "rq-status" is invalid: status.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota',
  );

  // ValidateAPIServiceStatus: a condition's status is True, False or Unknown.
  const svc = await c.admin("POST", "/apis/apiregistration.k8s.io/v1/apiservices", {
    metadata: { name: "v1beta1.status.example.com" },
    spec: { group: "status.example.com", version: "v1beta1", groupPriorityMinimum: 100, versionPriority: 10 },
  });
  assert.equal(svc.status, 201, svc.text);
  const badService = await put(
    "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.status.example.com/status",
    (o) => {
      o.status = { conditions: [{ type: "Available", status: "Maybe" }] };
    },
  );
  assert.equal(badService.status, 422, badService.text);
  assert.equal(
    badService.json.message,
    'APIService.apiregistration.k8s.io "v1beta1.status.example.com" is invalid: status.conditions[0].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"',
  );

  // ValidatePodDisruptionBudgetStatusUpdate: metav1 conditions, then non-negative counts.
  const pdb = await c.admin("POST", "/apis/policy/v1/namespaces/ss/poddisruptionbudgets", {
    metadata: { name: "pdb-status" },
    spec: { minAvailable: 1, selector: { matchLabels: { app: "none" } } },
  });
  assert.equal(pdb.status, 201, pdb.text);
  const badBudget = await put("/apis/policy/v1/namespaces/ss/poddisruptionbudgets/pdb-status/status", (o) => {
    o.status = {
      disruptionsAllowed: -1,
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
      conditions: [{ type: "DisruptionAllowed", status: "False", reason: "bad reason" }],
    };
  });
  assert.equal(badBudget.status, 422, badBudget.text);
  assert.equal(
    badBudget.json.message,
    'PodDisruptionBudget.policy "pdb-status" is invalid: [status.conditions[0].lastTransitionTime: Required value, ' +
      "status.conditions[0].reason: Invalid value: \"bad reason\": a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?'), " +
      "status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0]",
  );
});
