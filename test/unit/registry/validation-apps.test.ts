// Deployment/ReplicaSet validation against upstream's own cases: pkg/apis/apps/validation/
// validation_test.go TestValidateDeployment (errorCases keyed by a substring of the first error) and
// TestValidateReplicaSet, plus exact texts for the messages kubectl users meet.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import { validateDeployment, validateReplicaSet } from "../../../src/server/registry/validation.ts";

/** validDeployment() of validation_test.go, in its v1 JSON form. */
function validDeployment(tweak: (spec: any) => void = () => {}): KubeObject {
  const d: any = {
    metadata: { name: "abc", namespace: "default" },
    spec: {
      selector: { matchLabels: { name: "abc" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      template: {
        metadata: { name: "abc", namespace: "default", labels: { name: "abc" } },
        spec: {
          restartPolicy: "Always",
          dnsPolicy: "Default",
          containers: [
            { name: "nginx", image: "image", imagePullPolicy: "Never", terminationMessagePolicy: "File" },
          ],
        },
      },
    },
  };
  tweak(d.spec);
  return d;
}

const messages = (errs: { field: string; message: string }[]) => errs.map((e) => `${e.field}: ${e.message}`);

describe("TestValidateDeployment", () => {
  test("validDeployment() is valid", () => assert.deepEqual(validateDeployment(validDeployment()), []));

  const errorCases: Record<string, (spec: any) => void> = {
    "`selector` does not match template `labels`": (s) => {
      s.selector = { matchLabels: { name: "def" } };
    },
    'Unsupported value: "Never"': (s) => {
      s.template.spec.restartPolicy = "Never";
    },
    'supported values: "Recreate", "RollingUpdate"': (s) => {
      s.strategy.type = "randomType";
    },
    "may not be specified when strategy `type` is 'Recreate'": (s) => {
      s.strategy = { type: "Recreate", rollingUpdate: {} };
    },
    "a valid percent string must be": (s) => {
      s.strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: "20Percent" } };
    },
    "may not be 0 when `maxSurge` is 0": (s) => {
      s.strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: "0%", maxUnavailable: 0 } };
    },
    "must not be greater than 100%": (s) => {
      s.strategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "110%", maxSurge: 1 } };
    },
    "must be greater than minReadySeconds": (s) => {
      s.progressDeadlineSeconds = 600;
      s.minReadySeconds = 600;
    },
  };
  for (const [want, tweak] of Object.entries(errorCases)) {
    test(want, () => {
      const errs = messages(validateDeployment(validDeployment(tweak)));
      assert.ok(errs.length > 0, "expected failure");
      assert.ok(errs[0].includes(want), `unexpected error: ${errs[0]}`);
    });
  }
});

describe("exact texts", () => {
  test("selector vs template labels prints the labels as Go's %#v", () => {
    assert.deepEqual(
      messages(validateDeployment(validDeployment((s) => (s.selector = { matchLabels: { app: "x" } })))),
      [
        'spec.template.metadata.labels: Invalid value: map[string]string{"name":"abc"}: `selector` does not match template `labels`',
      ],
    );
  });
  test("negative replicas, minReadySeconds, revisionHistoryLimit", () => {
    const errs = messages(
      validateDeployment(
        validDeployment((s) => {
          s.replicas = -1;
          s.minReadySeconds = -2;
          s.revisionHistoryLimit = -3;
        }),
      ),
    );
    assert.deepEqual(errs, [
      "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
      "spec.minReadySeconds: Invalid value: -2: must be greater than or equal to 0",
      "spec.revisionHistoryLimit: Invalid value: -3: must be greater than or equal to 0",
    ]);
  });
  test("a missing selector is required and matches nothing", () => {
    assert.deepEqual(messages(validateDeployment(validDeployment((s) => delete s.selector))), [
      "spec.selector: Required value",
      'spec.template.metadata.labels: Invalid value: map[string]string{"name":"abc"}: `selector` does not match template `labels`',
    ]);
  });
  test("an empty selector is invalid for deployment", () => {
    assert.deepEqual(messages(validateDeployment(validDeployment((s) => (s.selector = {})))), [
      "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment",
    ]);
  });
  test("percent values print as intstr.IntOrString", () => {
    assert.deepEqual(
      messages(
        validateDeployment(
          validDeployment(
            (s) =>
              (s.strategy = {
                type: "RollingUpdate",
                rollingUpdate: { maxSurge: 1, maxUnavailable: "110%" },
              }),
          ),
        ),
      ),
      [
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"110%"}: must not be greater than 100%',
      ],
    );
  });
  test("selector expressions are validated", () => {
    const errs = messages(
      validateDeployment(
        validDeployment((s) => {
          s.selector = { matchLabels: { name: "abc" }, matchExpressions: [{ key: "k", operator: "In" }] };
        }),
      ),
    );
    assert.equal(
      errs[0],
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    );
    assert.match(errs[1], /^spec\.selector: Invalid value: v1\.LabelSelector\{.*\}: invalid label selector$/);
  });
  test("the selector is immutable on update", () => {
    const old = validDeployment();
    const next = validDeployment((s) => {
      s.selector = { matchLabels: { name: "abc", tier: "web" } };
      s.template.metadata.labels.tier = "web";
    });
    assert.deepEqual(messages(validateDeployment(next, old)), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"name":"abc", "tier":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });
  test("template pod spec errors name the template path", () => {
    const errs = messages(
      validateDeployment(validDeployment((s) => (s.template.spec.containers[0].name = "Bad_Name"))),
    );
    assert.match(
      errs[0],
      /^spec\.template\.spec\.containers\[0\]\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 label/,
    );
  });
});

describe("TestValidateReplicaSet", () => {
  const rs = (tweak: (spec: any) => void = () => {}): KubeObject => {
    const obj: any = {
      metadata: { name: "abc", namespace: "default" },
      spec: {
        selector: { matchLabels: { a: "b" } },
        template: {
          metadata: { labels: { a: "b" } },
          spec: {
            restartPolicy: "Always",
            dnsPolicy: "ClusterFirst",
            containers: [{ name: "abc", image: "image" }],
          },
        },
      },
    };
    tweak(obj.spec);
    return obj;
  };
  test("valid", () => assert.deepEqual(validateReplicaSet(rs()), []));
  test("selector_doesnt_match", () => {
    assert.deepEqual(
      messages(validateReplicaSet(rs((s) => (s.selector = { matchLabels: { foo: "bar" } })))),
      [
        'spec.template.metadata.labels: Invalid value: map[string]string{"a":"b"}: `selector` does not match template `labels`',
      ],
    );
  });
  test("negative_replicas", () => {
    assert.deepEqual(messages(validateReplicaSet(rs((s) => (s.replicas = -1)))), [
      "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
    ]);
  });
  test("invalid restart policy", () => {
    assert.deepEqual(messages(validateReplicaSet(rs((s) => (s.template.spec.restartPolicy = "OnFailure")))), [
      'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    ]);
  });
  test("activeDeadlineSeconds", () => {
    assert.deepEqual(messages(validateReplicaSet(rs((s) => (s.template.spec.activeDeadlineSeconds = 5)))), [
      "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported",
    ]);
  });
  test("invalid template labels are reported at spec.template.labels", () => {
    const errs = messages(
      validateReplicaSet(
        rs((s) => {
          s.template.metadata.labels = { a: "b", "NoUppercaseOrSpecialCharsLike=Equals": "b" };
        }),
      ),
    );
    assert.ok(
      errs.some((e) =>
        e.startsWith('spec.template.labels: Invalid value: "NoUppercaseOrSpecialCharsLike=Equals"'),
      ),
      errs.join("\n"),
    );
  });
});

// TestValidateDeploymentStatus / TestValidateDeploymentStatusUpdate / TestValidateReplicaSetStatus cases.
describe("status updates (ValidateDeploymentStatusUpdate, ValidateReplicaSetStatusUpdate)", () => {
  const withStatus = (status: object): KubeObject => ({ ...validDeployment(), status }) as KubeObject;
  const deploymentStatus = (status: object, old: object = {}) =>
    validateDeployment(withStatus(status), withStatus(old) as any, "status").map(
      (e) => `${e.field}: ${e.message}`,
    );
  const replicaSetStatus = (status: object) =>
    validateReplicaSet(withStatus(status), withStatus({}) as any, "status").map(
      (e) => `${e.field}: ${e.message}`,
    );

  test("a consistent status passes, and the spec is not what a status write validates", () => {
    assert.deepEqual(
      deploymentStatus({
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 2,
        availableReplicas: 1,
        observedGeneration: 2,
      }),
      [],
    );
    const badSpec = validDeployment((spec) => {
      spec.replicas = -1;
    });
    assert.deepEqual(validateDeployment(badSpec, badSpec as any, "status"), []);
  });

  for (const [name, status, want] of [
    [
      "negative updatedReplicas",
      { updatedReplicas: -1 },
      "status.updatedReplicas: Invalid value: -1: must be greater than or equal to 0",
    ],
    [
      "negative observedGeneration",
      { observedGeneration: -3 },
      "status.observedGeneration: Invalid value: -3: must be greater than or equal to 0",
    ],
    [
      "negative collisionCount",
      { collisionCount: -3 },
      "status.collisionCount: Invalid value: -3: must be greater than or equal to 0",
    ],
    [
      "updatedReplicas above replicas",
      { replicas: 3, updatedReplicas: 4 },
      "status.updatedReplicas: Invalid value: 4: cannot be greater than status.replicas",
    ],
    [
      "readyReplicas above replicas",
      { replicas: 3, readyReplicas: 4, availableReplicas: 3 },
      "status.readyReplicas: Invalid value: 4: cannot be greater than status.replicas",
    ],
    [
      "availableReplicas above readyReplicas",
      { replicas: 3, readyReplicas: 2, availableReplicas: 3 },
      "status.availableReplicas: Invalid value: 3: cannot be greater than readyReplicas",
    ],
  ] as const) {
    test(`Deployment: ${name}`, () => assert.deepEqual(deploymentStatus(status), [want]));
  }

  test("Deployment: negative replicas (the counts left at 0 are then above it too, as upstream reports)", () =>
    assert.deepEqual(deploymentStatus({ replicas: -1 }), [
      "status.replicas: Invalid value: -1: must be greater than or equal to 0",
      "status.updatedReplicas: Invalid value: 0: cannot be greater than status.replicas",
      "status.readyReplicas: Invalid value: 0: cannot be greater than status.replicas",
      "status.availableReplicas: Invalid value: 0: cannot be greater than status.replicas",
    ]));

  test("collisionCount may grow or stay, never decrease or disappear", () => {
    // IsDecremented: unset after set, even after 0 (one rule for Deployments, StatefulSets, DaemonSets).
    assert.deepEqual(deploymentStatus({}, { collisionCount: 0 }), [
      "status.collisionCount: Invalid value: 0: cannot be decremented",
    ]);
    assert.deepEqual(deploymentStatus({ collisionCount: 2 }, { collisionCount: 1 }), []);
    assert.deepEqual(deploymentStatus({ collisionCount: 1 }, { collisionCount: 1 }), []);
    assert.deepEqual(deploymentStatus({ collisionCount: 0 }, { collisionCount: 1 }), [
      "status.collisionCount: Invalid value: 0: cannot be decremented",
    ]);
    assert.deepEqual(deploymentStatus({}, { collisionCount: 1 }), [
      "status.collisionCount: Invalid value: 0: cannot be decremented",
    ]);
  });

  test("ReplicaSet: counts non-negative and bounded by status.replicas", () => {
    assert.deepEqual(
      replicaSetStatus({ replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 1 }),
      [],
    );
    assert.deepEqual(
      replicaSetStatus({ replicas: 2, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 2 }),
      ["status.fullyLabeledReplicas: Invalid value: 3: cannot be greater than status.replicas"],
    );
    // 0 > -1: the counts left at 0 are then above status.replicas too, as upstream reports them.
    assert.deepEqual(replicaSetStatus({ replicas: -1 }), [
      "status.replicas: Invalid value: -1: must be greater than or equal to 0",
      "status.fullyLabeledReplicas: Invalid value: 0: cannot be greater than status.replicas",
      "status.readyReplicas: Invalid value: 0: cannot be greater than status.replicas",
      "status.availableReplicas: Invalid value: 0: cannot be greater than status.replicas",
    ]);
    assert.deepEqual(replicaSetStatus({ replicas: 2, readyReplicas: 1, availableReplicas: 2 }), [
      "status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas",
    ]);
  });
});
