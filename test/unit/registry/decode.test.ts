// The typed decoder: Go's encoding/json + sigs.k8s.io/json texts for each kind of bad input, and the
// Go type tables it reads cover every field the served OpenAPI schemas describe.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { QUANTITY_FORMAT_WRONG, QUANTITY_SUFFIX_WRONG, quantityError } from "../../../src/meta/quantity.ts";
import { moduleOfGroupVersion } from "../../../src/server/http/openapi/model-names.ts";
import { findType } from "../../../src/server/http/openapi/type-catalog.ts";
import { decodeObject } from "../../../src/server/registry/decode.ts";
import { base64ErrorOffset } from "../../../src/server/registry/go-base64.ts";

const decodeError = (apiVersion: string, kind: string, obj: unknown): string => {
  try {
    decodeObject(apiVersion, kind, obj as Record<string, unknown>);
  } catch (e) {
    return (e as Error).message;
  }
  return "";
};

describe("base64 (encoding/base64 StdEncoding)", () => {
  // Offsets as Go's CorruptInputError reports them.
  for (const [input, offset] of [
    ["aGVsbG8=", undefined],
    ["aGVs\nbG8=", undefined],
    ["", undefined],
    ["not base64", 3],
    ["aGVsbG8", 4], // missing padding: the short quantum starts at 4
    ["a===", 1],
    ["aGVsbG8=x", 8], // trailing data after padding
    ["aG=x", 2], // the first "=" is at 2 and the second is missing
    ["aGVsbG8=\n", undefined],
    ["héllo", 1],
  ] as const) {
    test(JSON.stringify(input), () => assert.equal(base64ErrorOffset(input), offset));
  }
});

describe("quantities (ParseQuantity)", () => {
  for (const ok of ["1", "0", "100m", "1.5Gi", "1e3", "2E-2", "+1", "-1k", ".5", "1.", "12Mi"])
    test(`${ok} parses`, () => assert.equal(quantityError(ok), undefined));
  for (const [bad, err] of [
    ["lots", QUANTITY_FORMAT_WRONG],
    ["", QUANTITY_FORMAT_WRONG],
    ["1.2.3", QUANTITY_FORMAT_WRONG],
    ["1 Gi", QUANTITY_FORMAT_WRONG],
    ["1Gb", QUANTITY_FORMAT_WRONG], // "b" is no suffix character at all
    ["1kk", QUANTITY_SUFFIX_WRONG],
    ["1ki", QUANTITY_SUFFIX_WRONG],
    ["1e", QUANTITY_SUFFIX_WRONG],
  ] as const)
    test(`${JSON.stringify(bad)} is refused`, () => assert.equal(quantityError(bad), err));
});

describe("decoding errors read as Go's", () => {
  test("the first type mismatch wins; decoding goes on past it", () => {
    assert.equal(
      decodeError("v1", "Pod", {
        spec: { hostNetwork: "yes", containers: [{ ports: [{ containerPort: "80" }] }] },
      }),
      "json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool",
    );
  });
  test("a custom unmarshaler's error stops decoding and wins over an earlier mismatch", () => {
    assert.equal(
      decodeError("v1", "Pod", {
        spec: { hostNetwork: "yes", containers: [{ resources: { requests: { memory: "1kk" } } }] },
      }),
      "unable to parse quantity's suffix",
    );
  });
  test("inline members belong to the parent struct (Probe embeds ProbeHandler)", () => {
    assert.equal(
      decodeError("v1", "Pod", { spec: { containers: [{ livenessProbe: { httpGet: "x" } }] } }),
      "json: cannot unmarshal string into Go struct field Probe.spec.containers.livenessProbe.httpGet of type v1.HTTPGetAction",
    );
  });
  test("out-of-range and fractional integers print the number", () => {
    assert.equal(
      decodeError("apps/v1", "Deployment", { spec: { replicas: 2 ** 31 } }),
      "json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32",
    );
    assert.equal(
      decodeError("v1", "Pod", { spec: { activeDeadlineSeconds: 1.5 } }),
      "json: cannot unmarshal number 1.5 into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64",
    );
  });
  test("metav1.Time: RFC 3339 or Go's parse error; written back in UTC seconds", () => {
    assert.equal(
      decodeError("v1", "Pod", { status: { startTime: "yesterday" } }),
      'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
    );
    const decoded = decodeObject("v1", "Pod", { status: { startTime: "2024-01-01T01:30:00.5+02:00" } });
    assert.deepEqual(decoded?.object, { status: { startTime: "2023-12-31T23:30:00Z" } });
  });
  // Checked against sigs.k8s.io/json with mirror types: the nested json.Unmarshal error of a custom
  // unmarshaler gets the outer decoder's context too.
  test("IntOrString and Time errors carry the struct context", () => {
    assert.equal(
      decodeError("v1", "Pod", { spec: { containers: [{ livenessProbe: { httpGet: { port: 1.5 } } }] } }),
      "json: cannot unmarshal number 1.5 into Go struct field HTTPGetAction.spec.containers.livenessProbe.httpGet.port of type int32",
    );
    assert.equal(
      decodeError("v1", "Pod", { metadata: { creationTimestamp: 5 } }),
      "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string",
    );
  });
  test("Secret data that is not a string", () => {
    assert.equal(
      decodeError("v1", "Secret", { data: { a: 5 } }),
      "json: cannot unmarshal number into Go struct field Secret.data of type []uint8",
    );
  });
  test("int64 holds what Go's int64 holds", () => {
    assert.equal(decodeError("v1", "Pod", { spec: { activeDeadlineSeconds: 2 ** 60 } }), "");
    assert.equal(
      decodeError("v1", "Pod", { spec: { activeDeadlineSeconds: 1e20 } }),
      "json: cannot unmarshal number 100000000000000000000 into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64",
    );
  });
  test("map values and list elements keep the struct context", () => {
    assert.equal(
      decodeError("v1", "ConfigMap", { data: { a: true } }),
      "json: cannot unmarshal bool into Go struct field ConfigMap.data of type string",
    );
    assert.equal(
      decodeError("v1", "Pod", { spec: { containers: [{ args: ["a", 1] }] } }),
      "json: cannot unmarshal number into Go struct field Container.spec.containers.args of type string",
    );
  });
  test("unknown fields are dropped and listed with their paths, once each", () => {
    const decoded = decodeObject("v1", "Secret", {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s", labels: { a: "b" }, x: 1 },
      data: { k: "aGk=" },
      extra: { deep: 1 },
      items: [],
    });
    assert.deepEqual(decoded?.object, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s", labels: { a: "b" } },
      data: { k: "aGk=" },
    });
    assert.deepEqual(decoded?.strictErrors, [
      'unknown field "metadata.x"',
      'unknown field "extra"',
      'unknown field "items"',
    ]);
  });
  test("kinds without a Go type are left alone", () => {
    assert.equal(decodeObject("example.com/v1", "Widget", { anything: 1 }), undefined);
  });
});

// The Go type tables the decoder reads must know every field the served OpenAPI describes, or a
// strict create would refuse a valid field.
test("every OpenAPI member of the served kinds is a known Go field", () => {
  const roots = [
    ["v1", "Pod"],
    ["v1", "Service"],
    ["v1", "Secret"],
    ["v1", "ConfigMap"],
    ["v1", "Namespace"],
    ["v1", "ServiceAccount"],
    ["v1", "Node"],
    ["v1", "Event"],
    ["v1", "Endpoints"],
    ["apps/v1", "Deployment"],
    ["apps/v1", "ReplicaSet"],
    ["discovery.k8s.io/v1", "EndpointSlice"],
    ["rbac.authorization.k8s.io/v1", "ClusterRole"],
    ["rbac.authorization.k8s.io/v1", "RoleBinding"],
  ] as const;
  const missing: string[] = [];
  const seen = new Set<string>();
  // Builds a sample with every member set to null, then checks nothing is reported unknown.
  const sample = (module: string, name: string, depth: number): Record<string, unknown> => {
    const decl = findType(module, name);
    const out: Record<string, unknown> = {};
    if (!decl || decl.alias || depth > 12) return out;
    for (const m of decl.members) {
      let t = m.type;
      let wrap = (v: unknown) => v;
      if (t.kind === "array") {
        t = t.items;
        wrap = (v) => [v];
      }
      const key = `${module}.${name}.${m.name}`;
      if (t.kind === "ref" && !findType(t.module, t.name)?.alias && !seen.has(key)) {
        seen.add(key);
        out[m.name] = wrap(sample(t.module, t.name, depth + 1));
      } else out[m.name] = null;
    }
    return out;
  };
  for (const [apiVersion, kind] of roots) {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    const obj = sample(moduleOfGroupVersion(group, version), kind, 0);
    const decoded = decodeObject(apiVersion, kind, obj);
    // Removed upstream in 1.31 (DRA ClaimSource); the tables follow the served version, 1.33.
    const unknown = (decoded?.strictErrors ?? []).filter((e) => !e.includes("resourceClaims[0].source"));
    missing.push(...unknown.map((e) => `${kind}: ${e}`));
  }
  assert.deepEqual(missing, []);
});
