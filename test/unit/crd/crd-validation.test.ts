// CustomResourceDefinition validation (registry/kinds/apiextensions/customresourcedefinition.ts). The expected
// texts are field.Error strings built from k8s.io/apiextensions-apiserver pkg/apis/apiextensions/validation/
// validation.go and pkg/apiserver/schema/validation.go (the messages quoted there), not from our output.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import {
  customResourceDefinition,
  validateCRD,
} from "../../../src/server/registry/kinds/apiextensions/customresourcedefinition.ts";

function crd(mutate: (c: any) => void = () => {}): KubeObject {
  const c: any = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "foos.example.com" },
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { plural: "foos", kind: "Foo" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object" } } } },
        },
      ],
    },
  };
  mutate(c);
  customResourceDefinition.defaults?.(c);
  return c;
}

const errors = (obj: KubeObject) => validateCRD(obj).map((e) => `${e.field}: ${e.message}`);

describe("CustomResourceDefinition defaults", () => {
  it("fills singular, listKind, conversion and storedVersions (SetDefaults_CustomResourceDefinition)", () => {
    const c = crd();
    assert.equal((c.spec as any).names.singular, "foo");
    assert.equal((c.spec as any).names.listKind, "FooList");
    assert.deepEqual((c.spec as any).conversion, { strategy: "None" });
    assert.deepEqual((c.status as any).storedVersions, ["v1"]);
    assert.deepEqual(errors(c), []);
  });
});

describe("CustomResourceDefinition validation", () => {
  const cases: [string, (c: any) => void, string[]][] = [
    [
      "name must be plural.group",
      (c) => (c.metadata.name = "bars.example.com"),
      ['metadata.name: Invalid value: "bars.example.com": must be spec.names.plural+"."+spec.group'],
    ],
    [
      "group needs a dot",
      (c) => {
        c.spec.group = "example";
        c.metadata.name = "foos.example";
      },
      ['spec.group: Invalid value: "example": should be a domain with at least one dot'],
    ],
    [
      "scope",
      (c) => (c.spec.scope = "Galaxy"),
      ['spec.scope: Unsupported value: "Galaxy": supported values: "Cluster", "Namespaced"'],
    ],
    [
      "schema required in v1",
      (c) => delete c.spec.versions[0].schema,
      ["spec.versions[0].schema.openAPIV3Schema: Required value"],
    ],
    [
      "kind and listKind",
      (c) => (c.spec.names.listKind = "Foo"),
      ['spec.names.listKind: Invalid value: "Foo": kind and listKind may not be the same'],
    ],
    [
      "structural: type required",
      (c) =>
        (c.spec.versions[0].schema.openAPIV3Schema.properties.spec = {
          properties: { a: { type: "string" } },
        }),
      [
        "spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields",
      ],
    ],
    [
      "structural: array items",
      (c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.list = { type: "array" }),
      ["spec.validation.openAPIV3Schema.properties[list].items: Required value: must be specified"],
    ],
    [
      "root type",
      (c) => (c.spec.versions[0].schema.openAPIV3Schema = { type: "string" }),
      ['spec.validation.openAPIV3Schema.type: Invalid value: "string": must be object at the root'],
    ],
    [
      "list-type map keys",
      (c) =>
        (c.spec.versions[0].schema.openAPIV3Schema.properties.ports = {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
          items: { type: "object", properties: { name: { type: "string" } } },
        }),
      [
        "spec.validation.openAPIV3Schema.properties[ports].items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
      ],
    ],
    [
      "pattern is Go RE2",
      (c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.s = { type: "string", pattern: "a(b" }),
      [
        'spec.validation.openAPIV3Schema.properties[s].pattern: Invalid value: "a(b": must be a valid regular expression, but isn\'t: error parsing regexp: missing closing ): `a(b`',
      ],
    ],
    [
      "default must validate",
      (c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.n = { type: "integer", default: "x" }),
      [
        'spec.validation.openAPIV3Schema.properties[n].default: Invalid value: "string":  in body must be of type integer: "string"',
      ],
    ],
    [
      "scale paths",
      (c) =>
        (c.spec.versions[0].subresources = {
          scale: { specReplicasPath: ".status.replicas", statusReplicasPath: "status.replicas" },
        }),
      [
        'spec.subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec',
        'spec.subresources.scale.statusReplicasPath: Invalid value: "status.replicas": must be a simple json path starting with .',
      ],
    ],
    [
      "printer columns",
      (c) =>
        (c.spec.versions[0].additionalPrinterColumns = [{ name: "X", type: "text", jsonPath: ".spec.x" }]),
      [
        'spec.additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string',
      ],
    ],
    [
      "preserveUnknownFields",
      (c) => (c.spec.preserveUnknownFields = true),
      [
        "spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
      ],
    ],
    [
      "selectable fields",
      (c) => (c.spec.versions[0].selectableFields = [{ jsonPath: ".spec" }]),
      [
        'spec.versions[0].selectableFields[0].jsonPath: Invalid value: ".spec": must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.',
      ],
    ],
  ];
  for (const [name, mutate, want] of cases) {
    it(name, () => assert.deepEqual(errors(crd(mutate)), want));
  }

  it("two storage versions", () => {
    const errs = errors(
      crd((c) => {
        c.spec.versions.push({ ...structuredClone(c.spec.versions[0]), name: "v2" });
      }),
    );
    assert.equal(errs.length, 2, errs.join("\n"));
    assert.match(
      errs[0],
      /^spec\.versions: Invalid value: .*: must have exactly one version marked as storage version$/,
    );
    // ValidateCustomResourceDefinitionStoredVersions: every storage version must be in storedVersions.
    assert.equal(
      errs[1],
      'status.storedVersions: Invalid value: []string{"v1"}: must have the storage version v2',
    );
  });

  it("CEL rules must compile; rule fields are checked", () => {
    const errs = errors(
      crd((c) => {
        c.spec.versions[0].schema.openAPIV3Schema.properties.spec["x-kubernetes-validations"] = [
          { rule: "self.x ==" },
          { rule: "self.a == 1", message: "" },
          { rule: "self.a == 1", optionalOldSelf: true },
        ];
      }),
    );
    const at = "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations";
    assert.equal(errs.length, 3, errs.join("\n"));
    assert.ok(
      errs[0].startsWith(
        `${at}[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.x ==", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: `,
      ),
      errs[0],
    );
    assert.equal(errs[1], `${at}[1].message: Invalid value: "": message must be non-empty if specified`);
    assert.equal(
      errs[2],
      `${at}[2].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule`,
    );
  });

  it("protected groups need the api-approved.kubernetes.io annotation (validateAPIApproval)", () => {
    const inK8s = (annotations?: Record<string, string>) =>
      crd((c) => {
        c.spec.group = "widgets.k8s.io";
        c.metadata.name = "foos.widgets.k8s.io";
        if (annotations) c.metadata.annotations = annotations;
      });
    assert.deepEqual(errors(inK8s()), [
      'metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
    ]);
    assert.deepEqual(
      errors(inK8s({ "api-approved.kubernetes.io": "https://github.com/kubernetes/kubernetes/pull/1" })),
      [],
    );
    assert.deepEqual(errors(inK8s({ "api-approved.kubernetes.io": "unapproved, experimental" })), []);
    // x-k8s.io is the unprotected suffix for community projects.
    const community = crd((c) => {
      c.spec.group = "gateway.networking.x-k8s.io";
      c.metadata.name = "foos.gateway.networking.x-k8s.io";
    });
    assert.deepEqual(errors(community), []);
    assert.deepEqual(errors(inK8s({ "api-approved.kubernetes.io": "yes" })), [
      'metadata.annotations[api-approved.kubernetes.io]: Invalid value: "yes": protected groups must have approval annotation "api-approved.kubernetes.io" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111',
    ]);
  });

  it("immutable group and plural on update", () => {
    const old = crd() as any;
    const next = crd((c) => {
      c.spec.group = "other.com";
      c.metadata.name = "foos.other.com";
    });
    const errs = validateCRD(next, old).map((e) => `${e.field}: ${e.message}`);
    assert.ok(errs.includes('spec.group: Invalid value: "other.com": field is immutable'), errs.join("\n"));
  });
});
