// PersistentVolumeClaim, PersistentVolume, ReplicationController, PodTemplate, LimitRange and ResourceQuota:
// defaults, validation messages (kubernetes pkg/apis/core/validation) and Table cells (printers.go).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import { limitRange } from "../../../src/server/registry/kinds/core/limitrange.ts";
import { persistentVolume } from "../../../src/server/registry/kinds/core/persistentvolume.ts";
import { persistentVolumeClaim } from "../../../src/server/registry/kinds/core/persistentvolumeclaim.ts";
import { podTemplate } from "../../../src/server/registry/kinds/core/podtemplate.ts";
import { replicationController } from "../../../src/server/registry/kinds/core/replicationcontroller.ts";
import { resourceQuota } from "../../../src/server/registry/kinds/core/resourcequota.ts";
import type { ResourceDef } from "../../../src/server/registry/types.ts";

const NOW = Date.parse("2024-06-01T12:00:00Z");
/** Go's %#v of a resource.Quantity parsed from a canonical string, as field.Invalid prints it. */
const q = (value: number, scale: number, s: string, format = "DecimalSI") =>
  `resource.Quantity{i:resource.int64Amount{value:${value}, scale:${scale}}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"${s}", Format:"${format}"}`;
const created = { creationTimestamp: "2024-06-01T11:59:00Z" };

/** "field: message" of each cause, as the 422's message lists them. */
const errors = (def: ResourceDef, obj: KubeObject, old?: KubeObject) =>
  (def.validate?.(obj, old as never) ?? []).map((c) => `${c.field}: ${c.message}`);

const withDefaults = (def: ResourceDef, obj: KubeObject) => {
  const copy = structuredClone(obj);
  def.defaults?.(copy);
  return copy;
};

describe("PersistentVolumeClaim", () => {
  const claim = (spec: object): KubeObject => ({ metadata: { name: "c" }, spec });
  const good = { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } };

  test("defaults: volumeMode Filesystem, phase Pending", () => {
    const obj = withDefaults(persistentVolumeClaim, claim(good));
    assert.equal((obj.spec as any).volumeMode, "Filesystem");
    assert.deepEqual(obj.status, { phase: "Pending" });
  });

  test("validation (ValidatePersistentVolumeClaimSpec)", () => {
    const cases: [object, string[]][] = [
      [good, []],
      [
        {},
        [
          "spec.accessModes: Required value: at least 1 access mode is required",
          "spec.resources[storage]: Required value",
        ],
      ],
      [
        { ...good, accessModes: ["ReadWriteOnce", "Bogus"] },
        [
          'spec.accessModes: Unsupported value: "Bogus": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
        ],
      ],
      [
        { ...good, accessModes: ["ReadWriteOncePod", "ReadWriteOnce"] },
        ["spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes"],
      ],
      [
        { ...good, resources: { requests: { storage: "0" } } },
        [`spec.resources[storage]: Invalid value: ${q(0, 0, "0")}: must be greater than zero`],
      ],
      [
        { ...good, resources: { requests: { storage: "-1Gi" } } },
        ['spec.resources[storage]: Invalid value: "-1Gi": must be greater than or equal to 0'],
      ],
      [
        { ...good, volumeMode: "Raw" },
        ['spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"'],
      ],
    ];
    for (const [spec, want] of cases)
      assert.deepEqual(errors(persistentVolumeClaim, claim(spec)), want, JSON.stringify(spec));
  });

  test("an update may change only resources.requests and volumeAttributesClassName", () => {
    const old = { ...claim(good), metadata: { name: "c", uid: "u", resourceVersion: "1" } };
    assert.deepEqual(
      errors(persistentVolumeClaim, claim({ ...good, resources: { requests: { storage: "20Gi" } } }), old),
      [],
    );
    assert.deepEqual(errors(persistentVolumeClaim, claim({ ...good, accessModes: ["ReadWriteMany"] }), old), [
      "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
    ]);
  });

  test("volumeName may be set once, while empty (the volume controller binding the claim)", () => {
    const old = { ...claim(good), metadata: { name: "c", uid: "u", resourceVersion: "1" } };
    assert.deepEqual(errors(persistentVolumeClaim, claim({ ...good, volumeName: "pv-1" }), old), []);
    const bound = { ...claim({ ...good, volumeName: "pv-1" }), metadata: old.metadata };
    assert.deepEqual(errors(persistentVolumeClaim, claim({ ...good, volumeName: "pv-2" }), bound), [
      "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
    ]);
  });

  test("printer: capacity and access modes only once bound (printPersistentVolumeClaim)", () => {
    const p = persistentVolumeClaim.printer!;
    assert.deepEqual(
      p.cells(
        {
          metadata: { name: "test1", ...created },
          spec: { volumeName: "my-volume", volumeMode: "Filesystem" },
          status: { phase: "Bound", capacity: { storage: "4Gi" }, accessModes: ["ReadOnlyMany"] },
        },
        NOW,
      ),
      ["test1", "Bound", "my-volume", "4Gi", "ROX", "", "<unset>", "60s", "Filesystem"],
    );
    assert.deepEqual(
      p.cells(
        {
          metadata: { name: "test2", deletionTimestamp: "2024-06-01T12:00:00Z", ...created },
          spec: { storageClassName: "fast", volumeAttributesClassName: "gold" },
          status: { phase: "Pending", capacity: { storage: "4Gi" } },
        },
        NOW,
      ),
      ["test2", "Terminating", "", "", "", "fast", "gold", "60s", "<unset>"],
    );
    assert.deepEqual(
      p.columns.map((c) => c.name),
      [
        "Name",
        "Status",
        "Volume",
        "Capacity",
        "Access Modes",
        "StorageClass",
        "VolumeAttributesClass",
        "Age",
        "VolumeMode",
      ],
    );
    assert.equal(p.columns[8].priority, 1);
  });
});

describe("PersistentVolume", () => {
  const pv = (spec: object): KubeObject => ({ metadata: { name: "pv" }, spec });
  const good = { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/data" } };

  test("defaults: Retain, Filesystem, Pending", () => {
    const obj = withDefaults(persistentVolume, pv(good));
    assert.equal((obj.spec as any).persistentVolumeReclaimPolicy, "Retain");
    assert.equal((obj.spec as any).volumeMode, "Filesystem");
    assert.deepEqual(obj.status, { phase: "Pending" });
  });

  test("validation (ValidatePersistentVolumeSpec)", () => {
    const cases: [object, string[]][] = [
      [good, []],
      [{ hostPath: { path: "/x" } }, ["spec.accessModes: Required value", "spec.capacity: Required value"]],
      [
        { ...good, capacity: { storage: "1Gi", cpu: "1" } },
        [
          'spec.capacity: Unsupported value: []core.ResourceName{"storage", "cpu"}: supported values: "storage"',
        ],
      ],
      [
        { capacity: good.capacity, accessModes: good.accessModes },
        ["spec: Required value: must specify a volume type"],
      ],
      [
        { ...good, nfs: { server: "s", path: "/" } },
        ["spec.nfs: Forbidden: may not specify more than 1 volume type"],
      ],
      [
        { ...good, persistentVolumeReclaimPolicy: "Keep" },
        [
          'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
        ],
      ],
      [
        { ...good, hostPath: { path: "/a/../b" } },
        ["spec.hostPath.path: Invalid value: \"/a/../b\": must not contain '..'"],
      ],
    ];
    for (const [spec, want] of cases)
      assert.deepEqual(errors(persistentVolume, pv(spec)), want, JSON.stringify(spec));
  });

  test("printer (printPersistentVolume)", () => {
    const obj: KubeObject = {
      metadata: { name: "pv1", ...created },
      spec: {
        capacity: { storage: "4Gi" },
        accessModes: ["ReadWriteOnce", "ReadWriteMany"],
        persistentVolumeReclaimPolicy: "Delete",
        claimRef: { namespace: "ns", name: "data" },
        storageClassName: "fast",
      },
      status: { phase: "Bound", reason: "" },
    };
    assert.deepEqual(persistentVolume.printer!.cells(obj, NOW), [
      "pv1",
      "4Gi",
      "RWO,RWX",
      "Delete",
      "Bound",
      "ns/data",
      "fast",
      "<unset>",
      "",
      "60s",
      "<unset>",
    ]);
  });
});

describe("ReplicationController", () => {
  const template = {
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "c", image: "nginx" }] },
  };

  test("defaults: selector and labels from the template, one replica, template pod defaults", () => {
    const obj = withDefaults(replicationController, { metadata: { name: "rc" }, spec: { template } });
    assert.deepEqual((obj.spec as any).selector, { app: "web" });
    assert.deepEqual(obj.metadata?.labels, { app: "web" });
    assert.equal((obj.spec as any).replicas, 1);
    assert.equal((obj.spec as any).template.spec.restartPolicy, "Always");
    const kept = withDefaults(replicationController, {
      metadata: { name: "rc", labels: { own: "x" } },
      spec: { selector: { app: "web" }, replicas: 0, template },
    });
    assert.deepEqual(kept.metadata?.labels, { own: "x" });
    assert.equal((kept.spec as any).replicas, 0);
  });

  test("validation (ValidateReplicationControllerSpec, ValidatePodTemplateSpecForRC)", () => {
    const rc = (spec: object) => withDefaults(replicationController, { metadata: { name: "rc" }, spec });
    assert.deepEqual(errors(replicationController, rc({ template })), []);
    assert.deepEqual(errors(replicationController, { metadata: { name: "rc" }, spec: { replicas: -1 } }), [
      "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
      "spec.selector: Required value",
      "spec.template: Required value",
    ]);
    assert.deepEqual(errors(replicationController, rc({ selector: { app: "other" }, template })), [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: selector does not match template labels',
    ]);
    const never = {
      ...template,
      spec: { ...template.spec, restartPolicy: "Never", activeDeadlineSeconds: 5 },
    };
    assert.deepEqual(errors(replicationController, rc({ template: never })), [
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
      "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicationController is not Supported",
    ]);
  });

  test("status validation (ValidateReplicationControllerStatus)", () => {
    const rc = (status: object) => ({
      ...withDefaults(replicationController, { metadata: { name: "rc" }, spec: { template } }),
      status,
    });
    assert.deepEqual(
      errors(replicationController, rc({ replicas: 3, readyReplicas: 2, availableReplicas: 2 })),
      [],
    );
    assert.deepEqual(
      errors(
        replicationController,
        rc({ replicas: 1, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 2 }),
      ),
      [
        "status.fullyLabeledReplicas: Invalid value: 2: cannot be greater than status.replicas",
        "status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas",
        "status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas",
      ],
    );
    assert.deepEqual(errors(replicationController, rc({ replicas: -1 })), [
      "status.replicas: Invalid value: -1: must be greater than or equal to 0",
      "status.fullyLabeledReplicas: Invalid value: 0: cannot be greater than status.replicas",
      "status.readyReplicas: Invalid value: 0: cannot be greater than status.replicas",
      "status.availableReplicas: Invalid value: 0: cannot be greater than status.replicas",
    ]);
  });

  test("REST shape and printer (printReplicationController)", () => {
    assert.deepEqual(replicationController.shortNames, ["rc"]);
    assert.deepEqual(
      replicationController.subresources?.map((s) => s.name),
      ["scale", "status"],
    );
    const obj: KubeObject = {
      metadata: { name: "rc1", ...created },
      spec: { replicas: 5, selector: { b: "2", a: "1" }, template },
      status: { replicas: 4, readyReplicas: 3 },
    };
    assert.deepEqual(replicationController.printer!.cells(obj, NOW), [
      "rc1",
      5,
      4,
      3,
      "60s",
      "c",
      "nginx",
      "a=1,b=2",
    ]);
  });
});

test("PodTemplate: template validated at template.*, printer (printPodTemplate)", () => {
  const obj: KubeObject = {
    metadata: { name: "tpl", ...created },
    template: {
      metadata: { labels: { b: "2", a: "1" } },
      spec: {
        containers: [
          { name: "one", image: "i1" },
          { name: "two", image: "i2" },
        ],
      },
    },
  };
  assert.deepEqual(podTemplate.printer!.cells(obj, NOW), ["tpl", "one,two", "i1,i2", "a=1,b=2"]);
  assert.deepEqual(errors(podTemplate, withDefaults(podTemplate, obj)), []);
  assert.deepEqual(errors(podTemplate, { metadata: { name: "t" }, template: { spec: {} } }), [
    "template.spec.containers: Required value",
  ]);
});

describe("LimitRange", () => {
  const lr = (...limits: object[]): KubeObject => ({ metadata: { name: "l" }, spec: { limits } });

  test("defaults: SetDefaults_LimitRangeItem (default ← max, defaultRequest ← default ← min)", () => {
    const obj = withDefaults(
      limitRange,
      lr(
        { type: "Container", max: { cpu: "2" }, min: { memory: "64Mi" } },
        { type: "Pod", max: { cpu: "4" } },
      ),
    );
    const [container, pod] = (obj.spec as any).limits;
    assert.deepEqual(container.default, { cpu: "2" });
    assert.deepEqual(container.defaultRequest, { cpu: "2", memory: "64Mi" });
    assert.equal(pod.default, undefined);
  });

  test("validation (ValidateLimitRange)", () => {
    const cases: [KubeObject, string[]][] = [
      [lr({ type: "Container", min: { cpu: "100m" }, max: { cpu: "1" }, default: { cpu: "500m" } }), []],
      [
        // Defaulting runs first: default and defaultRequest come from max, and min exceeds those too.
        lr({ type: "Container", min: { cpu: "2" }, max: { cpu: "1" } }),
        [
          `spec.limits[0].min[cpu]: Invalid value: ${q(2, 0, "2")}: min value 2 is greater than max value 1`,
          `spec.limits[0].defaultRequest[cpu]: Invalid value: ${q(1, 0, "1")}: min value 2 is greater than default request value 1`,
          `spec.limits[0].default[cpu]: Invalid value: ${q(2, 0, "2")}: min value 2 is greater than default value 1`,
        ],
      ],
      [
        lr({ type: "Container", default: { memory: "1Gi" }, defaultRequest: { memory: "2Gi" } }),
        [
          `spec.limits[0].defaultRequest[memory]: Invalid value: ${q(2147483648, 0, "2Gi", "BinarySI")}: default request value 2Gi is greater than default limit value 1Gi`,
        ],
      ],
      [
        lr({ type: "Pod", default: { cpu: "1" } }),
        ["spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"],
      ],
      [
        lr({ type: "Pod", max: { cpu: "1" } }, { type: "Pod", max: { cpu: "2" } }),
        ['spec.limits[1].type: Duplicate value: "Pod"'],
      ],
      [
        lr({ type: "PersistentVolumeClaim" }),
        [
          "spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided",
        ],
      ],
      [
        lr({ type: "Container", maxLimitRequestRatio: { cpu: "500m" } }),
        [
          `spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: ${q(500, -3, "500m")}: ratio 500m is less than 1`,
        ],
      ],
    ];
    for (const [obj, want] of cases)
      assert.deepEqual(errors(limitRange, withDefaults(limitRange, obj)), want, JSON.stringify(obj.spec));
  });

  test("no printer of its own: the default Table (Name, Created At)", () => {
    assert.equal(limitRange.printer, undefined);
    assert.deepEqual(limitRange.shortNames, ["limits"]);
  });
});

describe("ResourceQuota", () => {
  test("validation: quantities and scopes", () => {
    const quota = (spec: object): KubeObject => ({ metadata: { name: "q" }, spec });
    assert.deepEqual(
      errors(
        resourceQuota,
        quota({
          hard: { pods: "10", "requests.cpu": "2", "count/jobs.batch": "3", "requests.nvidia.com/gpu": "1" },
        }),
      ),
      [],
    );
    assert.deepEqual(errors(resourceQuota, quota({ hard: { widgets: "1" } })), [
      'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota',
    ]);
    assert.deepEqual(errors(resourceQuota, quota({ hard: { pods: "-1" }, scopes: ["Sometimes"] })), [
      'spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0',
      'spec.scopes[0]: Unsupported value: "Sometimes": supported values: "BestEffort", "CrossNamespacePodAffinity", "NotBestEffort", "NotTerminating", "PriorityClass", "Terminating", "VolumeAttributesClass"',
    ]);
  });

  test("printer: limits.* in the Limit column, names sorted (printResourceQuota)", () => {
    const obj: KubeObject = {
      metadata: { name: "q", ...created },
      status: {
        hard: { "limits.memory": "2Gi", pods: "10", "requests.cpu": "2", "limits.cpu": "4" },
        used: { "limits.memory": "512Mi", pods: "3", "requests.cpu": "1500m" },
      },
    };
    assert.deepEqual(resourceQuota.printer!.cells(obj, NOW), [
      "q",
      "pods: 3/10, requests.cpu: 1500m/2",
      "limits.cpu: 0/4, limits.memory: 512Mi/2Gi",
      "60s",
    ]);
  });
});
