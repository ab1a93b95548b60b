// apps/v1 StatefulSet, DaemonSet and ControllerRevision kind modules: defaults (pkg/apis/apps/v1/
// defaults.go), validation messages (pkg/apis/apps/validation/validation.go) and Table rows
// (pkg/printers/internalversion/printers_test.go TestPrintDaemonSet, TestPrintControllerRevision).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import { controllerRevision } from "../../../src/server/registry/kinds/apps/controllerrevision.ts";
import { daemonSet } from "../../../src/server/registry/kinds/apps/daemonset.ts";
import { statefulSet } from "../../../src/server/registry/kinds/apps/statefulset.ts";

const NOW = Date.parse("2024-06-01T12:00:00Z");
const template = (labels: Record<string, string> = { app: "db" }) => ({
  metadata: { labels },
  spec: { containers: [{ name: "c", image: "img" }] },
});

/** A StatefulSet/DaemonSet as the API stores it: defaulted by the kind's own defaults. */
function defaulted(def: typeof statefulSet, spec: Record<string, unknown>): KubeObject {
  const obj: KubeObject = { metadata: { name: "db", namespace: "ns" }, spec: structuredClone(spec) };
  def.defaults?.(obj);
  return obj;
}
const messages = (def: typeof statefulSet, obj: KubeObject, old?: KubeObject) =>
  (def.validate?.(obj, old as never) ?? []).map((c) => `${c.field}: ${c.message}`);

describe("StatefulSet defaults", () => {
  test("SetDefaults_StatefulSet and the template's Pod defaults", () => {
    const sts = defaulted(statefulSet, {
      selector: { matchLabels: { app: "db" } },
      template: template(),
      volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"] } }],
    });
    const spec = sts.spec as any;
    assert.equal(spec.podManagementPolicy, "OrderedReady");
    assert.deepEqual(spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { partition: 0 } });
    assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, {
      whenDeleted: "Retain",
      whenScaled: "Retain",
    });
    assert.equal(spec.replicas, 1);
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.template.spec.restartPolicy, "Always");
    assert.equal(spec.template.spec.dnsPolicy, "ClusterFirst");
    assert.equal(spec.template.spec.containers[0].imagePullPolicy, "Always");
    assert.equal(spec.template.spec.enableServiceLinks, undefined, "template defaults only");
    assert.deepEqual(spec.volumeClaimTemplates[0].spec.volumeMode, "Filesystem");
    assert.deepEqual(spec.volumeClaimTemplates[0].status, { phase: "Pending" });
  });

  test("OnDelete gets no rollingUpdate; an explicit partition is kept", () => {
    const onDelete = defaulted(statefulSet, { updateStrategy: { type: "OnDelete" } });
    assert.deepEqual((onDelete.spec as any).updateStrategy, { type: "OnDelete" });
    const partitioned = defaulted(statefulSet, { updateStrategy: { rollingUpdate: { partition: 2 } } });
    assert.deepEqual((partitioned.spec as any).updateStrategy, {
      type: "RollingUpdate",
      rollingUpdate: { partition: 2 },
    });
  });
});

describe("StatefulSet validation", () => {
  const valid = (tweak: (spec: any) => void = () => {}) => {
    const sts = defaulted(statefulSet, {
      serviceName: "db",
      selector: { matchLabels: { app: "db" } },
      template: template(),
    });
    tweak(sts.spec);
    return sts;
  };

  test("a defaulted StatefulSet is valid", () => {
    assert.deepEqual(messages(statefulSet, valid()), []);
  });

  test("upstream's messages for bad specs", () => {
    const cases: [(spec: any) => void, string][] = [
      [
        (s) => (s.podManagementPolicy = "Random"),
        `spec.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel'`,
      ],
      [
        (s) => (s.updateStrategy = { type: "OnDelete", rollingUpdate: { partition: 1 } }),
        "spec.updateStrategy.rollingUpdate: Invalid value: apps.RollingUpdateStatefulSetStrategy{Partition:1, MaxUnavailable:(*intstr.IntOrString)(nil)}: only allowed for updateStrategy 'RollingUpdate'",
      ],
      [
        (s) => (s.updateStrategy.rollingUpdate.partition = -1),
        "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0",
      ],
      [
        (s) => (s.updateStrategy.rollingUpdate.maxUnavailable = 0),
        'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: cannot be 0',
      ],
      [(s) => (s.replicas = -1), "spec.replicas: Invalid value: -1: must be greater than or equal to 0"],
      [
        (s) => (s.ordinals = { start: -2 }),
        "spec.ordinals.start: Invalid value: -2: must be greater than or equal to 0",
      ],
      [
        (s) => (s.persistentVolumeClaimRetentionPolicy.whenScaled = "Keep"),
        `spec.persistentVolumeClaimRetentionPolicy.whenScaled: Unsupported value: "Keep": supported values: "Retain", "Delete"`,
      ],
      [
        (s) => (s.selector = { matchLabels: {} }),
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset",
      ],
      [
        (s) => (s.template.metadata.labels = { app: "web" }),
        `spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: \`selector\` does not match template \`labels\``,
      ],
      [
        (s) => (s.template.spec.restartPolicy = "Never"),
        `spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`,
      ],
      [
        (s) => (s.template.spec.activeDeadlineSeconds = 5),
        "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported",
      ],
      [
        (s) => (s.serviceName = "Db_1"),
        `spec.serviceName: Invalid value: "Db_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      ],
    ];
    for (const [tweak, message] of cases) assert.deepEqual(messages(statefulSet, valid(tweak)), [message]);
  });

  test("updates may change only replicas, ordinals, template, updateStrategy, retention and minReadySeconds", () => {
    const old = valid();
    const ok = valid((s) => {
      s.replicas = 5;
      s.template.spec.containers[0].image = "img:2";
      s.updateStrategy = { type: "OnDelete" };
      s.minReadySeconds = 3;
      s.ordinals = { start: 1 };
      s.persistentVolumeClaimRetentionPolicy = { whenDeleted: "Delete", whenScaled: "Delete" };
    });
    assert.deepEqual(messages(statefulSet, ok, old), []);
    for (const tweak of [(s: any) => (s.serviceName = "other"), (s: any) => (s.revisionHistoryLimit = 3)])
      assert.deepEqual(messages(statefulSet, valid(tweak), old), [
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ]);
  });

  test("status: counts within status.replicas, collisionCount never decremented", () => {
    const sts = valid();
    sts.status = { replicas: 1, readyReplicas: 2, availableReplicas: 1, collisionCount: 0 };
    const old = valid();
    old.status = { replicas: 1, collisionCount: 1 };
    assert.deepEqual(messages(statefulSet, sts, old), [
      "status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas",
      "status.collisionCount: Invalid value: 0: cannot be decremented",
    ]);
  });

  test("a new StatefulSet's status starts zero-valued", () => {
    const sts = valid();
    statefulSet.prepare?.(sts, undefined, {} as never);
    assert.deepEqual(sts.status, { replicas: 0, availableReplicas: 0 });
  });
});

describe("DaemonSet defaults, strategy and validation", () => {
  const valid = (tweak: (spec: any) => void = () => {}) => {
    const ds = defaulted(daemonSet, { selector: { matchLabels: { app: "db" } }, template: template() });
    tweak(ds.spec);
    return ds;
  };

  test("SetDefaults_DaemonSet", () => {
    const spec = valid().spec as any;
    assert.deepEqual(spec.updateStrategy, {
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.template.spec.terminationGracePeriodSeconds, 30);
    assert.deepEqual(valid().status, undefined);
    assert.deepEqual(messages(daemonSet, valid()), []);
  });

  test("templateGeneration starts at 1 and counts template changes only", () => {
    const ds = valid();
    daemonSet.prepare?.(ds, undefined, {} as never);
    assert.equal(ds.metadata?.annotations?.["deprecated.daemonset.template.generation"], "1");
    assert.deepEqual(ds.status, {
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
    });
    const labelsOnly = structuredClone(ds);
    labelsOnly.metadata!.labels = { x: "y" };
    daemonSet.prepare?.(labelsOnly, ds as never, {} as never);
    assert.equal(labelsOnly.metadata?.annotations?.["deprecated.daemonset.template.generation"], "1");
    const changed = structuredClone(ds);
    (changed.spec as any).template.spec.containers[0].image = "img:2";
    daemonSet.prepare?.(changed, ds as never, {} as never);
    assert.equal(changed.metadata?.annotations?.["deprecated.daemonset.template.generation"], "2");
  });

  test("upstream's messages for bad specs", () => {
    const cases: [(spec: any) => void, string[]][] = [
      [
        (s) => (s.updateStrategy.rollingUpdate.maxSurge = "10%"),
        [
          'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"10%"}: may not be set when maxUnavailable is non-zero',
        ],
      ],
      [
        (s) => (s.updateStrategy.rollingUpdate.maxUnavailable = 0),
        ["spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"],
      ],
      [
        (s) => (s.updateStrategy.rollingUpdate.maxUnavailable = "120%"),
        [
          'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%',
        ],
      ],
      [
        (s) => (s.updateStrategy = { type: "Sometimes" }),
        [
          `spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:"Sometimes", RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", "OnDelete"`,
        ],
      ],
      [
        (s) => (s.template.spec.restartPolicy = "OnFailure"),
        [`spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"`],
      ],
      [
        (s) => (s.template.spec.activeDeadlineSeconds = 1),
        [
          "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported",
        ],
      ],
      [
        (s) => (s.selector = { matchLabels: { app: "web" } }),
        [
          `spec.template.metadata.labels: Invalid value: map[string]string{"app":"db"}: \`selector\` does not match template \`labels\``,
        ],
      ],
      [
        (s) => (s.revisionHistoryLimit = -1),
        ["spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"],
      ],
    ];
    for (const [tweak, expected] of cases) assert.deepEqual(messages(daemonSet, valid(tweak)), expected);
  });

  test("the selector is immutable in apps/v1", () => {
    const old = valid();
    const next = valid((s) => {
      s.selector = { matchLabels: { app: "db", tier: "x" } };
      s.template.metadata.labels.tier = "x";
    });
    assert.deepEqual(messages(daemonSet, next, old), [
      `spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"db", "tier":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable`,
    ]);
  });
});

describe("ControllerRevision validation", () => {
  test("data is mandatory, revision non-negative, data immutable", () => {
    assert.deepEqual(messages(controllerRevision, { metadata: { name: "r" }, revision: -1 }), [
      "data: Required value: data is mandatory",
      "revision: Invalid value: -1: must be greater than or equal to 0",
    ]);
    const old = { metadata: { name: "r" }, data: { a: 1 }, revision: 1 } as KubeObject;
    assert.deepEqual(messages(controllerRevision, { ...old, revision: 2 }, old), []);
    assert.deepEqual(messages(controllerRevision, { ...old, data: { a: 2 } }, old), [
      "data: Invalid value: runtime.RawExtension{Raw:[]uint8{0x7b, 0x22, 0x61, 0x22, 0x3a, 0x32, 0x7d}, Object:runtime.Object(nil)}: field is immutable",
    ]);
  });
});

describe("printers", () => {
  const created = new Date(NOW).toISOString();
  test("printDaemonSet (TestPrintDaemonSet)", () => {
    const ds: KubeObject = {
      metadata: { name: "test1", creationTimestamp: created },
      spec: {
        selector: { matchLabels: { foo: "bar" } },
        template: {
          spec: {
            containers: [
              { name: "fake-container1", image: "fake-image1" },
              { name: "fake-container2", image: "fake-image2" },
            ],
          },
        },
      },
      status: {
        currentNumberScheduled: 2,
        desiredNumberScheduled: 3,
        numberReady: 1,
        updatedNumberScheduled: 2,
        numberAvailable: 0,
      },
    };
    assert.deepEqual(daemonSet.printer?.cells(ds, NOW), [
      "test1",
      3,
      2,
      1,
      2,
      0,
      "<none>",
      "0s",
      "fake-container1,fake-container2",
      "fake-image1,fake-image2",
      "foo=bar",
    ]);
    assert.deepEqual(
      daemonSet.printer?.columns.map((c) => [c.name, c.type, c.priority]),
      [
        ["Name", "string", 0],
        ["Desired", "integer", 0],
        ["Current", "integer", 0],
        ["Ready", "integer", 0],
        ["Up-to-date", "integer", 0],
        ["Available", "integer", 0],
        ["Node Selector", "string", 0],
        ["Age", "string", 0],
        ["Containers", "string", 1],
        ["Images", "string", 1],
        ["Selector", "string", 1],
      ],
    );
    (ds.spec as any).template.spec.nodeSelector = { zone: "b", disk: "ssd" };
    assert.equal(daemonSet.printer?.cells(ds, NOW)[6], "disk=ssd,zone=b");
  });

  test("printStatefulSet", () => {
    const sts: KubeObject = {
      metadata: { name: "web", creationTimestamp: new Date(NOW - 90_000).toISOString() },
      spec: { replicas: 3, template: { spec: { containers: [{ name: "nginx", image: "nginx:1" }] } } },
      status: { replicas: 3, readyReplicas: 2 },
    };
    assert.deepEqual(statefulSet.printer?.cells(sts, NOW), ["web", "2/3", "90s", "nginx", "nginx:1"]);
    assert.deepEqual(
      statefulSet.printer?.columns.map((c) => c.name),
      ["Name", "Ready", "Age", "Containers", "Images"],
    );
  });

  test("printControllerRevision (TestPrintControllerRevision)", () => {
    const rev = (name: string, revision: number, ownerReferences?: unknown[]): KubeObject => ({
      metadata: { name, creationTimestamp: created, ownerReferences } as never,
      revision,
    });
    const cases: [KubeObject, unknown[]][] = [
      [
        rev("test1", 1, [{ controller: true, apiVersion: "apps/v1", kind: "DaemonSet", name: "foo" }]),
        ["test1", "daemonset.apps/foo", 1, "0s"],
      ],
      [rev("test2", 2, [{ controller: false, kind: "ABC", name: "foo" }]), ["test2", "<none>", 2, "0s"]],
      [rev("test3", 3, []), ["test3", "<none>", 3, "0s"]],
      [rev("test4", 4), ["test4", "<none>", 4, "0s"]],
    ];
    for (const [obj, cells] of cases) assert.deepEqual(controllerRevision.printer?.cells(obj, NOW), cells);
  });
});

describe("REST shape", () => {
  test("short names, categories and subresources as kube-apiserver 1.33 serves them", () => {
    assert.deepEqual([statefulSet.shortNames, statefulSet.categories], [["sts"], ["all"]]);
    assert.deepEqual(
      statefulSet.subresources?.map((s) => `${s.name}:${s.group ?? "apps"}/${s.kind}`),
      ["status:apps/StatefulSet", "scale:autoscaling/Scale"],
    );
    assert.deepEqual([daemonSet.shortNames, daemonSet.categories], [["ds"], ["all"]]);
    assert.deepEqual(
      daemonSet.subresources?.map((s) => s.name),
      ["status"],
    );
    assert.deepEqual(
      [controllerRevision.shortNames, controllerRevision.categories, controllerRevision.subresources],
      [undefined, undefined, undefined],
    );
  });
});
