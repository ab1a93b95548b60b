// storage.k8s.io kinds: defaults and validation messages as pkg/apis/storage (v1 defaults, validation)
// prints them, Table cells as printers.go.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../../src/meta/types.ts";
import {
  csiDriver,
  defaultCSIDriver,
  validateCSIDriver,
} from "../../../../src/server/registry/kinds/storage/csidriver.ts";
import { csiNode, validateCSINode } from "../../../../src/server/registry/kinds/storage/csinode.ts";
import {
  defaultStorageClass,
  storageClass,
  validateStorageClass,
} from "../../../../src/server/registry/kinds/storage/storageclass.ts";
import {
  validateVolumeAttachment,
  volumeAttachment,
} from "../../../../src/server/registry/kinds/storage/volumeattachment.ts";
import type { FieldCause } from "../../../../src/server/registry/types.ts";

const text = (errs: FieldCause[]) => errs.map((e) => `${e.field}: ${e.message}`);

describe("StorageClass", () => {
  const sc = (fields: Record<string, unknown>): KubeObject => {
    const obj = { metadata: { name: "sc" }, provisioner: "kubernetes.io/gce-pd", ...fields } as KubeObject;
    defaultStorageClass(obj);
    return obj;
  };

  test("defaults and a valid class", () => {
    const obj = sc({});
    assert.equal((obj as Record<string, unknown>).reclaimPolicy, "Delete");
    assert.equal((obj as Record<string, unknown>).volumeBindingMode, "Immediate");
    assert.deepEqual(validateStorageClass(obj), []);
  });

  const cases: [string, Record<string, unknown>, string[]][] = [
    ["missing provisioner", { provisioner: "" }, ["provisioner: Required value"]],
    [
      "invalid provisioner",
      { provisioner: "invalid/yaml/provisioner" },
      [
        "provisioner: Invalid value: \"invalid/yaml/provisioner\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      ],
    ],
    [
      "empty parameter key",
      { parameters: { "": "v" } },
      ['parameters: Invalid value: "": field can not be empty.'],
    ],
    [
      "reclaim policy",
      { reclaimPolicy: "Recycle" },
      ['reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"'],
    ],
    [
      "binding mode",
      { volumeBindingMode: "Later" },
      [
        'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
      ],
    ],
  ];
  for (const [name, fields, want] of cases)
    test(name, () => assert.deepEqual(text(validateStorageClass(sc(fields))), want));

  test("updates may not touch parameters, provisioner, reclaimPolicy or volumeBindingMode", () => {
    const old = sc({ parameters: { a: "1" } });
    const next = sc({
      parameters: { a: "2" },
      provisioner: "example.com/p",
      reclaimPolicy: "Retain",
      volumeBindingMode: "WaitForFirstConsumer",
    });
    assert.deepEqual(text(validateStorageClass(next, old)), [
      "parameters: Forbidden: updates to parameters are forbidden.",
      "provisioner: Forbidden: updates to provisioner are forbidden.",
      "reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.",
      'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
    ]);
  });

  test("the default class is marked in the Name column, by either annotation", () => {
    for (const key of [
      "storageclass.kubernetes.io/is-default-class",
      "storageclass.beta.kubernetes.io/is-default-class",
    ]) {
      const obj = sc({});
      obj.metadata!.annotations = { [key]: "true" };
      assert.equal(storageClass.printer!.cells(obj, 0)[0], "sc (default)");
    }
    assert.deepEqual(storageClass.printer!.cells(sc({ allowVolumeExpansion: true }), 0).slice(0, 5), [
      "sc",
      "kubernetes.io/gce-pd",
      "Delete",
      "Immediate",
      true,
    ]);
  });
});

describe("CSIDriver", () => {
  test("defaults fill every required field", () => {
    const d: KubeObject = { metadata: { name: "d.example.com" } };
    defaultCSIDriver(d);
    assert.deepEqual(d.spec, {
      attachRequired: true,
      podInfoOnMount: false,
      storageCapacity: false,
      fsGroupPolicy: "ReadWriteOnceWithFSType",
      requiresRepublish: false,
      seLinuxMount: false,
      volumeLifecycleModes: ["Persistent"],
    });
    assert.deepEqual(validateCSIDriver(d), []);
    assert.deepEqual(csiDriver.printer!.cells(d, 0).slice(0, 7), [
      "d.example.com",
      true,
      false,
      false,
      "<unset>",
      false,
      "Persistent",
    ]);
  });

  test("modes, token audiences and immutable fields", () => {
    const d: KubeObject = {
      metadata: { name: "d" },
      spec: {
        volumeLifecycleModes: ["Ephemeral", "Other"],
        tokenRequests: [{ audience: "a" }, { audience: "a", expirationSeconds: 60 }],
      },
    };
    defaultCSIDriver(d);
    assert.deepEqual(text(validateCSIDriver(d)), [
      'spec.volumeLifecycleModes[1]: Unsupported value: "Other": supported values: "Ephemeral", "Persistent"',
      'spec.tokenRequests[1].audience: Duplicate value: "a"',
      "spec.tokenRequests[1].expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes",
    ]);
    const old: KubeObject = { metadata: { name: "d" } };
    defaultCSIDriver(old);
    const next = structuredClone(old);
    (next.spec as Record<string, unknown>).attachRequired = false;
    assert.deepEqual(text(validateCSIDriver(next, old)), [
      "spec.attachRequired: Invalid value: false: field is immutable",
    ]);
  });
});

describe("CSINode and VolumeAttachment", () => {
  test("CSINode drivers: nodeID required, names unique; Drivers column counts them", () => {
    const node: KubeObject = {
      metadata: { name: "n" },
      spec: { drivers: [{ name: "a.example.com", nodeID: "n1" }, { name: "a.example.com" }] },
    };
    assert.deepEqual(text(validateCSINode(node)), [
      'spec.drivers[1].name: Duplicate value: "a.example.com"',
      "spec.drivers[1].nodeID: Required value: nodeID of the driver must be defined",
    ]);
    assert.equal(csiNode.printer!.cells(node, 0)[1], 2);
  });

  test("VolumeAttachment: exactly one source, spec immutable", () => {
    const va = (spec: Record<string, unknown>): KubeObject => ({ metadata: { name: "va" }, spec });
    assert.deepEqual(
      text(validateVolumeAttachment(va({ attacher: "a.example.com", nodeName: "n", source: {} }))),
      [
        'spec.source: Invalid value: "": must specify exactly one of inlineVolumeSpec and persistentVolumeName',
      ],
    );
    const ok = va({ attacher: "a.example.com", nodeName: "n", source: { persistentVolumeName: "pv" } });
    assert.deepEqual(validateVolumeAttachment(ok), []);
    const moved = va({ attacher: "a.example.com", nodeName: "m", source: { persistentVolumeName: "pv" } });
    assert.deepEqual(text(validateVolumeAttachment(moved, ok)), [
      'spec: Invalid value: "": field is immutable',
    ]);
    assert.deepEqual(volumeAttachment.printer!.cells({ ...ok, status: { attached: true } }, 0).slice(0, 5), [
      "va",
      "a.example.com",
      "pv",
      "n",
      true,
    ]);
  });
});
