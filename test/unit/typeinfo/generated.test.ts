// The type tables generated from k8s.io/api v0.33.0 (scripts/gen-typeinfo.ts) as their users see
// them: protobuf bodies of kinds the hand tables never had, strategic-merge metadata deep inside
// nested templates, typed JSON decoding, OpenAPI extensions, and coverage of every served kind.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ApiStatusError } from "../../../src/server/http/errors.ts";
import { moduleOfGroupVersion } from "../../../src/server/http/openapi/model-names.ts";
import { patchMetadataFor } from "../../../src/server/http/openapi/patch-metadata.ts";
import { findType, type ModuleId } from "../../../src/server/http/openapi/type-catalog.ts";
import { decodeKubernetesProtobuf } from "../../../src/server/http/protobuf/index.ts";
import { converterFor } from "../../../src/server/http/protobuf/well-known.ts";
import { decodeForWrite, decodeObject } from "../../../src/server/registry/decode.ts";
import { lookupField, patchSchemaFor } from "../../../src/server/registry/patch-schema.ts";
import { RESOURCES } from "../../../src/server/registry/resources.ts";
import { strategicMerge } from "../../../src/server/registry/strategic-merge.ts";
import { groupVersion } from "../../../src/server/registry/types.ts";
import {
  goTypeName,
  hasCustomJson,
  messageForKind,
  messageSchemas,
  PACKAGES,
  UPSTREAM_TAG,
} from "../../../src/server/typeinfo/index.ts";
import { concat, envelope, len, num, tag } from "../protobuf/encode.ts";

const decode = (apiVersion: string, kind: string, raw: Uint8Array) =>
  decodeKubernetesProtobuf(Buffer.from(envelope(apiVersion, kind, raw)));

const meta = (name: string) => len(1, len(1, name), len(3, "default"));
/** PodTemplateSpec{metadata{labels{app: web}}, spec{containers[{name: app, image}]}} */
const podTemplate = (image: string) =>
  concat(len(1, len(11, len(1, "app"), len(2, "web"))), len(2, len(2, len(1, "app"), len(2, image))));
const selector = len(1, len(1, "app"), len(2, "web"));
const TEMPLATE_JSON = (image: string) => ({
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "app", image }] },
});

describe("protobuf bodies of kinds the hand tables did not have", () => {
  test("StatefulSet (apps/v1)", () => {
    const spec = concat(
      num(1, 3), // replicas
      len(2, selector),
      len(3, podTemplate("nginx:1.27")),
      len(4, concat(len(1, len(1, "data")), len(2, len(1, "ReadWriteOnce")))), // volumeClaimTemplates
      len(5, "web"), // serviceName
      len(7, concat(len(1, "RollingUpdate"), len(2, num(1, 0)))), // partition: a pointer, 0 kept
      num(8, 10), // revisionHistoryLimit
    );
    assert.deepEqual(decode("apps/v1", "StatefulSet", concat(meta("web"), len(2, spec))), {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "web", namespace: "default" },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "web" } },
        template: TEMPLATE_JSON("nginx:1.27"),
        volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"] } }],
        serviceName: "web",
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
        revisionHistoryLimit: 10,
      },
    });
  });

  test("Job (batch/v1): pointer zeros kept, suspend false survives", () => {
    const spec = concat(
      num(1, 2), // parallelism
      num(2, 4), // completions
      len(6, podTemplate("busybox")),
      num(7, 0), // backoffLimit *int32 = 0
      len(9, "Indexed"), // completionMode
      num(10, 0), // suspend *bool = false
    );
    assert.deepEqual(decode("batch/v1", "Job", concat(meta("pi"), len(2, spec))).spec, {
      parallelism: 2,
      completions: 4,
      template: TEMPLATE_JSON("busybox"),
      backoffLimit: 0,
      completionMode: "Indexed",
      suspend: false,
    });
  });

  test("CronJob (batch/v1): the job template inside", () => {
    const jobTemplate = concat(
      len(1, len(11, len(1, "team"), len(2, "a"))),
      len(2, len(6, podTemplate("busybox"))),
    );
    const spec = concat(len(1, "*/5 * * * *"), len(3, "Forbid"), len(5, jobTemplate), len(8, "Etc/UTC"));
    assert.deepEqual(decode("batch/v1", "CronJob", concat(meta("tick"), len(2, spec))).spec, {
      schedule: "*/5 * * * *",
      concurrencyPolicy: "Forbid",
      jobTemplate: { metadata: { labels: { team: "a" } }, spec: { template: TEMPLATE_JSON("busybox") } },
      timeZone: "Etc/UTC",
    });
  });

  test("Ingress (networking.k8s.io/v1): the inline IngressRuleValue belongs to the rule", () => {
    const backend = len(4, len(1, "web"), len(2, num(2, 80))); // service{name, port{number}}
    const path = concat(len(1, "/"), len(2, backend), len(3, "Prefix"));
    const rule = concat(len(1, "example.com"), len(2, len(1, len(1, path))));
    const spec = concat(len(3, rule), len(4, "nginx"));
    assert.deepEqual(decode("networking.k8s.io/v1", "Ingress", concat(meta("web"), len(2, spec))).spec, {
      rules: [
        {
          host: "example.com",
          http: {
            paths: [
              { path: "/", backend: { service: { name: "web", port: { number: 80 } } }, pathType: "Prefix" },
            ],
          },
        },
      ],
      ingressClassName: "nginx",
    });
  });

  test("CustomResourceDefinition: doubles, raw JSON and the schema-or-X unions", () => {
    const double = (field: number, value: number) => {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(value);
      return concat(tag(field, 1), b);
    };
    const replicas = concat(len(5, "integer"), double(9, 10), double(11, 0), len(8, len(1, "1"))); // max, min, default
    const items = len(24, len(1, len(5, "string"))); // items: JSONSchemaPropsOrArray{schema}
    const tags = concat(len(5, "array"), items);
    const preserve = len(30, num(1, 1)); // additionalProperties: true
    const schema = concat(
      len(5, "object"),
      len(29, len(1, "replicas"), len(2, replicas)),
      len(29, len(1, "tags"), len(2, tags)),
      len(29, len(1, "extra"), len(2, concat(len(5, "object"), preserve))),
    );
    const version = concat(len(1, "v1"), num(2, 1), num(3, 1), len(4, len(1, schema)));
    const spec = concat(
      len(1, "example.com"),
      len(3, len(1, "widgets")),
      len(4, "Namespaced"),
      len(7, version),
    );
    const crd = decode(
      "apiextensions.k8s.io/v1",
      "CustomResourceDefinition",
      concat(meta("widgets.example.com"), len(2, spec)),
    );
    assert.deepEqual(crd.spec, {
      group: "example.com",
      names: { plural: "widgets" },
      scope: "Namespaced",
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                replicas: { type: "integer", maximum: 10, minimum: 0, default: 1 },
                tags: { type: "array", items: { type: "string" } },
                extra: { type: "object", additionalProperties: true },
              },
            },
          },
        },
      ],
    });
  });
});

test("patchSchemaFor('batch', 'CronJob') merges containers by name inside jobTemplate.spec.template", () => {
  const schema = patchSchemaFor("batch", "CronJob");
  const live = {
    spec: {
      jobTemplate: {
        spec: {
          template: {
            spec: {
              containers: [
                { name: "main", image: "busybox:1", env: [{ name: "A", value: "1" }] },
                { name: "sidecar", image: "envoy:1" },
              ],
            },
          },
        },
      },
    },
  };
  const patch = {
    spec: {
      jobTemplate: {
        spec: {
          template: {
            spec: { containers: [{ name: "main", image: "busybox:2", env: [{ name: "B", value: "2" }] }] },
          },
        },
      },
    },
  };
  const merged = strategicMerge(structuredClone(live), patch, schema) as typeof live;
  assert.deepEqual(merged.spec.jobTemplate.spec.template.spec.containers, [
    {
      name: "main",
      image: "busybox:2",
      env: [
        { name: "B", value: "2" },
        { name: "A", value: "1" },
      ],
    },
    { name: "sidecar", image: "envoy:1" },
  ]);
  // Lists without a patch tag stay atomic: args replaced whole.
  const spec = lookupField(lookupField(schema, "spec").schema, "jobTemplate").schema;
  assert.equal(lookupField(spec, "metadata").schema?.fields?.finalizers?.strategy, "merge");
});

test("upstream tags the hand tables missed: Pod status container volume mounts merge by mountPath", () => {
  // core/v1 ContainerStatus.VolumeMounts: patchStrategy:"merge" patchMergeKey:"mountPath".
  const pod = patchSchemaFor("", "Pod");
  const statuses = lookupField(lookupField(pod, "status").schema, "containerStatuses");
  assert.equal(statuses.strategy, undefined, "containerStatuses itself is atomic (+listType=atomic)");
  assert.deepEqual(lookupField(statuses.schema, "volumeMounts"), {
    strategy: "merge",
    mergeKey: "mountPath",
  });
  // apps/v1 StatefulSetSpec.volumeClaimTemplates are PersistentVolumeClaims with ObjectMeta's tags.
  const sts = lookupField(patchSchemaFor("apps", "StatefulSet"), "spec").schema;
  const claims = lookupField(sts, "volumeClaimTemplates").schema;
  assert.deepEqual(lookupField(lookupField(claims, "metadata").schema, "ownerReferences"), {
    strategy: "merge",
    mergeKey: "uid",
  });
});

test("OpenAPI extensions carry upstream's list types, in Go's sorted key order", () => {
  assert.deepEqual(Object.entries(patchMetadataFor("io.k8s.api.core.v1.PodStatus", "conditions") ?? {}), [
    ["x-kubernetes-list-map-keys", ["type"]],
    ["x-kubernetes-list-type", "map"],
    ["x-kubernetes-patch-merge-key", "type"],
    ["x-kubernetes-patch-strategy", "merge"],
  ]);
  // Inline members' fields belong to the model: EphemeralContainer inlines EphemeralContainerCommon.
  assert.deepEqual(
    patchMetadataFor("io.k8s.api.core.v1.EphemeralContainer", "ports")?.["x-kubernetes-list-map-keys"],
    ["containerPort", "protocol"],
  );
  // Kinds added this round, and packages outside k8s.io/api.
  assert.equal(
    patchMetadataFor("io.k8s.api.batch.v1.JobStatus", "conditions")?.["x-kubernetes-list-type"],
    "atomic",
  );
  assert.equal(
    patchMetadataFor(
      "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps",
      "x-kubernetes-validations",
    )?.["x-kubernetes-patch-merge-key"],
    "rule",
  );
  assert.equal(patchMetadataFor("io.k8s.api.core.v1.PodSpec", "nodeName"), undefined);
  assert.equal(patchMetadataFor("io.example.v1.Widget", "spec"), undefined);
});

test('typed decoding rejects replicas: "x" for a StatefulSet with upstream\'s message', () => {
  const def = { group: "apps", version: "v1", kind: "StatefulSet" };
  const obj = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "web" },
    spec: { replicas: "x" },
  };
  assert.throws(
    () => decodeForWrite(def, obj, {}),
    (e: unknown) =>
      e instanceof ApiStatusError &&
      e.status.code === 400 &&
      e.status.message ===
        'StatefulSet in version "v1" cannot be handled as a StatefulSet: json: cannot unmarshal string into Go struct field StatefulSetSpec.spec.replicas of type int32',
  );
  // autoscaling/v2 types are named as reflect prints them: v2.X.
  assert.equal(goTypeName("autoscalingv2.MetricSpec"), "v2.MetricSpec");
  assert.throws(
    () =>
      decodeForWrite(
        { group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler" },
        { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", spec: { metrics: {} } },
        {},
      ),
    /cannot unmarshal object into Go struct field HorizontalPodAutoscalerSpec.spec.metrics of type \[\]v2.MetricSpec/,
  );
});

test("a nested object's TypeMeta is known: volumeClaimTemplates may say apiVersion and kind", () => {
  const sts = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    spec: {
      volumeClaimTemplates: [{ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "d" } }],
    },
  };
  const decoded = decodeObject("apps/v1", "StatefulSet", sts);
  assert.deepEqual(decoded?.strictErrors, []);
  assert.deepEqual(decoded?.object, sts);
  assert.match(
    decodeForWriteError(
      { group: "apps", version: "v1", kind: "StatefulSet" },
      {
        ...sts,
        spec: { volumeClaimTemplates: [{ kind: 1 }] },
      },
    ),
    /cannot unmarshal number into Go struct field PersistentVolumeClaim.spec.volumeClaimTemplates.kind of type string/,
  );
});

function decodeForWriteError(def: { group: string; version: string; kind: string }, obj: object): string {
  try {
    decodeForWrite(def, obj as never, {});
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

// The Go tables must know every field kubernetes-types describes for every kind of every served
// group version (a strict create would otherwise refuse a valid field): JSON names, inline members
// and TypeMeta included.
test("every OpenAPI member of every generated kind is a known Go field", () => {
  const seen = new Set<string>();
  const sample = (module: ModuleId, name: string, depth: number): Record<string, unknown> => {
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
  const unknown: string[] = [];
  let checked = 0;
  for (const p of PACKAGES) {
    if (p.groupVersion === undefined) continue;
    const [group, version] = p.groupVersion.includes("/") ? p.groupVersion.split("/") : ["", p.groupVersion];
    const module = moduleOfGroupVersion(group, version);
    for (const kind of p.kinds) {
      if (!findType(module, kind)) continue; // kubernetes-types lacks a few (APIService, AdmissionReview)
      checked++;
      const decoded = decodeObject(p.groupVersion, kind, sample(module, kind, 0));
      // Removed upstream in 1.31 (DRA ClaimSource); kubernetes-types still has it.
      const errors = (decoded?.strictErrors ?? []).filter((e) => !e.includes("resourceClaims[0].source"));
      unknown.push(...errors.map((e) => `${p.groupVersion} ${kind}: ${e}`));
    }
  }
  assert.ok(checked > 100, `checked ${checked} kinds`);
  assert.deepEqual(unknown, []);
});

test("every kind the server serves has a protobuf message", () => {
  for (const def of RESOURCES) {
    const gv = groupVersion(def);
    assert.ok(messageForKind(gv, def.kind), `${gv} ${def.kind}`);
    if (def.verbs.includes("list")) assert.ok(messageForKind(gv, `${def.kind}List`), `${gv} ${def.kind}List`);
  }
});

test("every custom JSON form reachable from a served kind has a converter", () => {
  const schemas = messageSchemas();
  const seen = new Set<string>();
  const walk = (m: string) => {
    if (seen.has(m)) return;
    seen.add(m);
    for (const f of schemas.get(m)?.fields.values() ?? []) {
      const ref = f.mapValue ?? f.type;
      if ("message" in ref) walk(ref.message);
    }
  };
  for (const p of PACKAGES)
    if (p.groupVersion !== undefined) for (const k of p.kinds) walk(`${p.package}.${k}`);
  const custom = [...seen].filter(hasCustomJson);
  assert.ok(custom.includes("runtime.RawExtension") && custom.includes("meta.Time"), custom.join());
  for (const m of custom) assert.ok(converterFor(m), `${m} needs a converter in well-known.ts`);
});

test("the tables say where they come from", () => {
  assert.equal(UPSTREAM_TAG, "v0.33.0");
  assert.ok(PACKAGES.length > 20);
});
