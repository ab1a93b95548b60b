// scheduling.k8s.io, node.k8s.io, certificates.k8s.io, apiregistration.k8s.io and events.k8s.io kinds:
// validation messages, strategies, conversions and Table cells as upstream.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject, StoredObject } from "../../../../src/meta/types.ts";
import {
  apiService,
  validateAPIService,
} from "../../../../src/server/registry/kinds/apiregistration/apiservice.ts";
import {
  compareKubeVersions,
  discoveryOrder,
} from "../../../../src/server/registry/kinds/apiregistration/priorities.ts";
import { horizontalPodAutoscalerV1 } from "../../../../src/server/registry/kinds/autoscaling/horizontalpodautoscaler-v1.ts";
import {
  certificateSigningRequest,
  csrCondition,
  signerNameErrors,
  validateCSR,
} from "../../../../src/server/registry/kinds/certificates/certificatesigningrequest.ts";
import {
  eventFromCore,
  eventsV1Event,
  eventToCore,
  validateEventsV1,
} from "../../../../src/server/registry/kinds/events/event.ts";
import { validateRuntimeClass } from "../../../../src/server/registry/kinds/node/runtimeclass.ts";
import {
  priorityClass,
  validatePriorityClass,
} from "../../../../src/server/registry/kinds/scheduling/priorityclass.ts";
import { type FieldCause, storageKey } from "../../../../src/server/registry/types.ts";

const text = (errs: FieldCause[]) => errs.map((e) => `${e.field}: ${e.message}`);

describe("PriorityClass", () => {
  const pc = (name: string, value: number, extra: Record<string, unknown> = {}): KubeObject =>
    ({ metadata: { name }, value, ...extra }) as KubeObject;
  const cases: [string, KubeObject, string[]][] = [
    ["user class", pc("high", 1000), []],
    ["system class as upstream defines it", pc("system-node-critical", 2000001000), []],
    [
      "system class with another value",
      pc("system-node-critical", 5),
      [
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000",
      ],
    ],
    [
      "system class as global default",
      pc("system-cluster-critical", 2000000000, { globalDefault: true }),
      [
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false",
      ],
    ],
    [
      "user value too high",
      pc("big", 1000000001),
      ["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"],
    ],
    [
      "preemption policy",
      pc("p", 1, { preemptionPolicy: "Sometimes" }),
      ['preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"'],
    ],
  ];
  for (const [name, obj, want] of cases)
    test(name, () => assert.deepEqual(text(validatePriorityClass(obj)), want));

  test("value and preemptionPolicy are immutable; the table shows PreemptionPolicy last", () => {
    const old = pc("p", 1, { preemptionPolicy: "Never" });
    assert.deepEqual(
      text(validatePriorityClass(pc("p", 2, { preemptionPolicy: "PreemptLowerPriority" }), old)),
      [
        "value: Forbidden: may not be changed in an update.",
        'preemptionPolicy: Invalid value: "PreemptLowerPriority": field is immutable',
      ],
    );
    assert.deepEqual(
      priorityClass.printer!.cells(old, 0).filter((_, i) => i !== 3),
      ["p", 1, false, "Never"],
    );
  });
});

describe("RuntimeClass", () => {
  test("handler is a DNS label and immutable", () => {
    assert.deepEqual(validateRuntimeClass({ metadata: { name: "r" }, handler: "runc" } as KubeObject), []);
    assert.match(
      text(validateRuntimeClass({ metadata: { name: "r" } }))[0]!,
      /^handler: Invalid value: "": a lowercase RFC 1123 label/,
    );
    assert.deepEqual(
      text(
        validateRuntimeClass(
          { metadata: { name: "r" }, handler: "b" } as KubeObject,
          { metadata: { name: "r" }, handler: "a" } as KubeObject,
        ),
      ),
      ['handler: Invalid value: "b": field is immutable'],
    );
  });
});

describe("CertificateSigningRequest", () => {
  // A minimal DER SEQUENCE in a CERTIFICATE REQUEST block: enough for the structure check.
  const request = Buffer.from(
    "-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n",
  ).toString("base64");
  const csr = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => ({
    metadata: { name: "c" },
    spec: { request, signerName: "example.com/signer", usages: ["client auth"], ...spec },
    ...(status ? { status } : {}),
  });

  test("ValidateSignerName cases", () => {
    assert.deepEqual(text(signerNameErrors("s", "example.com/a.b")), []);
    assert.deepEqual(text(signerNameErrors("s", "")), ["s: Required value"]);
    assert.deepEqual(text(signerNameErrors("s", "a/b/c")), [
      "s: Invalid value: \"a/b/c\": must be a fully qualified domain and path of the form 'example.com/signer-name'",
    ]);
    assert.deepEqual(text(signerNameErrors("s", "example/x")), [
      's: Invalid value: "example": should be a domain with at least two segments separated by dots',
    ]);
    assert.match(
      text(signerNameErrors("s", "example.com/Bad"))[0]!,
      /^s: Invalid value: "Bad": validating label "Bad": a lowercase RFC 1123 label/,
    );
  });

  test("request PEM, usages, legacy signer, duration and conditions", () => {
    assert.deepEqual(validateCSR(csr({})), []);
    const notPem = Buffer.from("hi").toString("base64");
    assert.deepEqual(text(validateCSR(csr({ request: notPem }))), [
      "spec.request: Invalid value: []byte{0x68, 0x69}: PEM block type must be CERTIFICATE REQUEST",
    ]);
    assert.deepEqual(text(validateCSR(csr({ usages: [] }))), ["spec.usages: Required value"]);
    assert.deepEqual(text(validateCSR(csr({ usages: ["client auth", "client auth"] }))), [
      'spec.usages[1]: Duplicate value: "client auth"',
    ]);
    assert.deepEqual(text(validateCSR(csr({ signerName: "kubernetes.io/legacy-unknown" }))), [
      'spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version',
    ]);
    assert.deepEqual(text(validateCSR(csr({ expirationSeconds: 60 }))), [
      "spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)",
    ]);
    assert.deepEqual(
      text(
        validateCSR(
          csr(
            {},
            {
              conditions: [
                { type: "Approved", status: "True" },
                { type: "Denied", status: "False" },
              ],
            },
          ),
        ),
      ),
      [
        'status.conditions[1].status: Unsupported value: "False": supported values: "True"',
        'status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
      ],
    );
  });

  test("create records the requester and clears status; /approval changes only conditions; /status keeps approvals", () => {
    const store = undefined as never;
    const obj = csr({ username: "forged" }, { conditions: [{ type: "Approved", status: "True" }] });
    certificateSigningRequest.prepare!(obj, undefined, {
      store,
      user: { username: "alice", groups: ["dev"], uid: "u1" },
    });
    assert.deepEqual(obj.status, {});
    assert.equal((obj.spec as Record<string, unknown>).username, "alice");
    assert.deepEqual((obj.spec as Record<string, unknown>).groups, ["dev"]);

    const old = structuredClone(obj) as StoredObject;
    const now = new Date("2025-01-01T00:00:00Z");
    const approval = {
      ...structuredClone(obj),
      spec: { usages: ["server auth"] },
      status: { certificate: "eA==", conditions: [{ type: "Approved", status: "True" }] },
    };
    certificateSigningRequest.prepareSubresource!("approval", approval, old, { store, now });
    assert.deepEqual((approval.spec as Record<string, unknown>).usages, ["client auth"]);
    assert.deepEqual(approval.status, {
      conditions: [
        {
          type: "Approved",
          status: "True",
          lastUpdateTime: "2025-01-01T00:00:00Z",
          lastTransitionTime: "2025-01-01T00:00:00Z",
        },
      ],
    });
    assert.equal(csrCondition(approval), "Approved");

    const approved = approval as StoredObject;
    const statusWrite = {
      ...structuredClone(approved),
      status: { certificate: "eA==", conditions: [{ type: "Denied", status: "True" }] },
    };
    certificateSigningRequest.prepareSubresource!("status", statusWrite, approved, { store, now });
    assert.deepEqual(
      (statusWrite.status as { conditions: { type: string }[] }).conditions.map((c) => c.type),
      ["Approved"],
    );
    assert.equal(csrCondition(statusWrite), "Approved,Issued");
  });
});

describe("APIService", () => {
  test("name must be version.group; local services carry no CA; Available column", () => {
    const svc = (name: string, spec: Record<string, unknown>): KubeObject => ({ metadata: { name }, spec });
    assert.deepEqual(
      validateAPIService(
        svc("v1.apps", { group: "apps", version: "v1", groupPriorityMinimum: 17800, versionPriority: 15 }),
      ),
      [],
    );
    assert.deepEqual(
      text(
        validateAPIService(
          svc("v1.x", {
            group: "apps",
            version: "v1",
            groupPriorityMinimum: 0,
            versionPriority: 15,
            caBundle: "AAAA",
          }),
        ),
      ),
      [
        'metadata.name: Invalid value: "v1.x": must be `spec.version+"."+spec.group`: "v1.apps"',
        "spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000",
        'spec.caBundle: Invalid value: "3 bytes": local APIServices may not have a caBundle',
      ],
    );
    const down = {
      ...svc("v1.x.io", {}),
      status: { conditions: [{ type: "Available", status: "False", reason: "MissingEndpoints" }] },
    };
    assert.equal(apiService.printer!.cells(down, 0)[2], "False (MissingEndpoints)");
    assert.equal(
      apiService.printer!.cells({ ...svc("v1.y.io", { service: { namespace: "ns", name: "s" } }) }, 0)[1],
      "ns/s",
    );
  });
});

describe("discovery order", () => {
  test("groups by the aggregator's priorities, versions by versionPriority then kube order", () => {
    const groups = discoveryOrder([
      { group: "", versions: ["v1"] },
      { group: "storage.k8s.io", versions: ["v1"] },
      { group: "autoscaling", versions: ["v1", "v2"] },
      { group: "example.com", versions: ["v1alpha1", "v1", "v1beta2", "v2beta1"] },
      { group: "apps", versions: ["v1"] },
      { group: "apiregistration.k8s.io", versions: ["v1"] },
      { group: "apiextensions.k8s.io", versions: ["v1"] },
      { group: "admissionregistration.k8s.io", versions: ["v1"] },
    ]);
    assert.deepEqual(
      groups.map((g) => g.group),
      [
        "",
        "apiregistration.k8s.io",
        "apps",
        "autoscaling",
        "storage.k8s.io",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "example.com",
      ],
    );
    assert.deepEqual(groups.find((g) => g.group === "autoscaling")!.versions, ["v2", "v1"]);
    assert.deepEqual(groups.find((g) => g.group === "example.com")!.versions, [
      "v1",
      "v2beta1",
      "v1beta2",
      "v1alpha1",
    ]);
    assert.ok(compareKubeVersions("v1", "foo") < 0);
  });
});

describe("events.k8s.io/v1 Event", () => {
  const v1 = {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: { name: "e", namespace: "ns" },
    eventTime: "2025-01-01T00:00:00.000000Z",
    reportingController: "example.com/c",
    reportingInstance: "c-1",
    action: "Sync",
    reason: "Synced",
    type: "Normal",
    note: "ok",
    regarding: { kind: "Pod", namespace: "ns", name: "p" },
  } as KubeObject;

  test("is a view over core events with its own key; two versions of one resource do not collide", () => {
    assert.equal(storageKey(eventsV1Event), "events.events.k8s.io@v1");
    assert.equal(storageKey(eventsV1Event.storage!.def), "events");
    assert.equal(storageKey(horizontalPodAutoscalerV1), "horizontalpodautoscalers.autoscaling@v1");
    assert.equal(storageKey(horizontalPodAutoscalerV1.storage!.def), "horizontalpodautoscalers.autoscaling");
  });

  test("converts to core/v1 field names and back", () => {
    const core = eventToCore(v1) as Record<string, unknown>;
    assert.equal(core.apiVersion, "v1");
    assert.equal(core.message, "ok");
    assert.equal(core.reportingComponent, "example.com/c");
    assert.deepEqual(core.involvedObject, v1.regarding);
    assert.equal(core.note, undefined);
    assert.deepEqual(eventFromCore(core as KubeObject), v1);
  });

  test("strict creates, immutable updates", () => {
    assert.deepEqual(validateEventsV1(v1), []);
    // An empty controller is also not a qualified name: IsQualifiedName's own messages follow.
    assert.deepEqual(text(validateEventsV1({ ...v1, reportingController: "" } as KubeObject)).slice(0, 2), [
      "reportingController: Required value",
      'reportingController: Invalid value: "": name part must be non-empty',
    ]);
    assert.deepEqual(text(validateEventsV1({ ...v1, series: { count: 1 } } as KubeObject)), [
      'series.count: Invalid value: "": should be at least 2',
      "series.lastObservedTime: Required value",
    ]);
    assert.deepEqual(text(validateEventsV1({ ...v1, note: "changed" } as KubeObject, v1)), [
      'note: Invalid value: "changed": field is immutable',
    ]);
  });
});
