// PersistentVolumeClaim /status as ValidatePersistentVolumeClaimStatusUpdate checks it (1.33, with
// RecoverVolumeExpansionFailure on by default), in the style of validation_test.go's
// TestValidatePersistentVolumeClaimStatusUpdate cases; and a PersistentVolume's /status, which only needs
// a resourceVersion.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../../src/meta/types.ts";
import { persistentVolume } from "../../../../src/server/registry/kinds/core/persistentvolume.ts";
import {
  persistentVolumeClaim,
  validateClaimStatusUpdate,
} from "../../../../src/server/registry/kinds/core/persistentvolumeclaim.ts";
import type { FieldCause } from "../../../../src/server/registry/types.ts";

const text = (errs: FieldCause[]) => errs.map((e) => `${e.field}: ${e.message}`);

const claim = (status: Record<string, unknown>, resourceVersion = "1"): KubeObject => ({
  metadata: { name: "c", namespace: "ns", ...(resourceVersion ? { resourceVersion } : {}) },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10G" } } },
  status,
});

const STATES =
  'supported values: "ControllerResizeInProgress", "ControllerResizeInfeasible", "NodeResizeInProgress", "NodeResizeInfeasible", "NodeResizePending"';

describe("ValidatePersistentVolumeClaimStatusUpdate", () => {
  test("valid updates: capacity, allocated resources and resize states, prefixed names", () => {
    for (const state of [
      "ControllerResizeInProgress",
      "ControllerResizeInfeasible",
      "NodeResizePending",
      "NodeResizeInProgress",
      "NodeResizeInfeasible",
    ])
      assert.deepEqual(
        text(
          validateClaimStatusUpdate(
            claim({
              phase: "Bound",
              capacity: { storage: "10G" },
              allocatedResources: { storage: "10G", "example.com/foo": "5" },
              allocatedResourceStatuses: { storage: state, "example.com/foo": state },
            }),
          ),
        ),
        [],
      );
  });

  test("a missing resourceVersion is required", () => {
    assert.deepEqual(text(validateClaimStatusUpdate(claim({}, ""))), ["resourceVersion: Required value"]);
  });

  test("a claim without access modes names Go's field path", () => {
    const c = claim({});
    (c.spec as Record<string, unknown>).accessModes = [];
    assert.deepEqual(text(validateClaimStatusUpdate(c)), ["Spec.accessModes: Required value"]);
  });

  test("negative capacity and allocated resources print Go's rounded value", () => {
    assert.deepEqual(
      text(
        validateClaimStatusUpdate(
          claim({ capacity: { storage: "-1G" }, allocatedResources: { storage: "-500m" } }),
        ),
      ),
      [
        "status.capacity[storage]: Invalid value: -1000000000: must be a valid resource quantity",
        "status.allocatedResources[storage]: Invalid value: -1: must be a valid resource quantity",
      ],
    );
  });

  test("an unknown resize state names the resource key, as upstream does", () => {
    assert.deepEqual(
      text(validateClaimStatusUpdate(claim({ allocatedResourceStatuses: { storage: "Resizing" } }))),
      [`status.allocatedResourceStatuses: Unsupported value: "storage": ${STATES}`],
    );
  });

  test("native resource names other than storage, and names that are not qualified", () => {
    assert.deepEqual(
      text(
        validateClaimStatusUpdate(
          claim({
            allocatedResources: { cpu: "1", "kubernetes.io/foo": "1" },
            allocatedResourceStatuses: { memory: "NodeResizePending", "bad key": "NodeResizePending" },
          }),
        ),
      ),
      [
        'status.allocatedResourceStatuses: Unsupported value: "memory": supported values: "storage"',
        `status.allocatedResourceStatuses: Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
        'status.allocatedResources: Unsupported value: "cpu": supported values: "storage"',
        'status.allocatedResources: Unsupported value: "kubernetes.io/foo": supported values: "storage"',
      ],
    );
  });

  test("the kind's validate uses it for /status and the whole validation otherwise", () => {
    const bad = claim({ capacity: { storage: "-1" } });
    (bad.spec as Record<string, unknown>).volumeMode = "Weird";
    assert.deepEqual(text(persistentVolumeClaim.validate?.(bad, undefined, "status") ?? []), [
      "status.capacity[storage]: Invalid value: -1: must be a valid resource quantity",
    ]);
    assert.match(
      text(persistentVolumeClaim.validate?.(bad, undefined, "") ?? []).join("\n"),
      /spec.volumeMode/,
    );
  });
});

describe("ValidatePersistentVolumeStatusUpdate", () => {
  test("a /status write needs a resourceVersion and nothing of the spec", () => {
    const pv = (resourceVersion?: string): KubeObject => ({
      metadata: { name: "pv", ...(resourceVersion ? { resourceVersion } : {}) },
      spec: {},
      status: { phase: "Available" },
    });
    assert.deepEqual(text(persistentVolume.validate?.(pv(), undefined, "status") ?? []), [
      "resourceVersion: Required value",
    ]);
    assert.deepEqual(text(persistentVolume.validate?.(pv("3"), undefined, "status") ?? []), []);
  });
});
