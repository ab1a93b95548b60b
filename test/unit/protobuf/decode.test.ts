// Decoding rules the captured fixtures do not exercise: timestamps, managedFields, unknown fields,
// merging, packed and negative numbers, and map keys that are not safe as plain property names.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeKubernetesProtobuf } from "../../../src/server/http/protobuf/index.ts";
import { concat, envelope, len, num, tag } from "./encode.ts";

const decode = (apiVersion: string, kind: string, raw: Uint8Array) =>
  decodeKubernetesProtobuf(Buffer.from(envelope(apiVersion, kind, raw)));

const mapEntry = (key: string, value?: Uint8Array | string) =>
  value === undefined ? len(1, key) : concat(len(1, key), len(2, value));

test("ObjectMeta in full: timestamps, owner references, managed fields, labels, finalizers", () => {
  const time = (seconds: number, nanos = 0) => concat(num(1, seconds), num(2, nanos));
  const metadata = concat(
    len(1, "web"),
    len(2, ""), // generateName: value fields are always on the wire, zero ones are omitted
    len(3, "default"),
    len(5, "6f1c"),
    len(6, "42"),
    num(7, 2 ** 40),
    len(8, time(1_700_000_000, 999_999_999)), // metav1.Time keeps whole seconds only
    len(9, time(0)), // explicitly set to the epoch
    num(10, 0), // deletionGracePeriodSeconds is a pointer: an explicit 0 is kept
    len(11, mapEntry("app", "web")),
    len(11, mapEntry("tier", "")),
    len(12, mapEntry("note", "a")),
    len(
      13,
      concat(len(1, "ReplicaSet"), len(3, "web-1"), len(4, "u1"), len(5, "apps/v1"), num(6, 1), num(7, 0)),
    ),
    len(14, "example.com/a"),
    len(14, "example.com/b"),
    len(
      17,
      concat(
        len(1, "kubectl"),
        len(2, "Update"),
        len(3, "v1"),
        len(4, time(1_700_000_001)),
        len(6, "FieldsV1"),
        len(7, len(1, '{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}')),
      ),
    ),
  );
  assert.deepEqual(decode("v1", "ConfigMap", len(1, metadata)), {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: "web",
      namespace: "default",
      uid: "6f1c",
      resourceVersion: "42",
      generation: 2 ** 40,
      creationTimestamp: "2023-11-14T22:13:20Z",
      deletionTimestamp: "1970-01-01T00:00:00Z",
      deletionGracePeriodSeconds: 0,
      labels: { app: "web", tier: "" },
      annotations: { note: "a" },
      ownerReferences: [
        {
          kind: "ReplicaSet",
          name: "web-1",
          uid: "u1",
          apiVersion: "apps/v1",
          controller: true,
          blockOwnerDeletion: false,
        },
      ],
      finalizers: ["example.com/a", "example.com/b"],
      managedFields: [
        {
          manager: "kubectl",
          operation: "Update",
          apiVersion: "v1",
          time: "2023-11-14T22:13:21Z",
          fieldsType: "FieldsV1",
          fieldsV1: { "f:metadata": { "f:labels": { ".": {}, "f:app": {} } } },
        },
      ],
    },
  });
});

test("an empty metav1.Time is Go's zero time, written as null, so it is omitted", () => {
  assert.deepEqual(decode("v1", "Namespace", len(1, len(8, []))), {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {},
  });
});

test("Event: MicroTime keeps microseconds, negative int32 values survive their 10-byte varint", () => {
  const event = concat(
    len(2, concat(len(1, "Pod"), len(3, "web"))),
    num(8, -1),
    len(10, concat(num(1, 1_700_000_000), num(2, 123_456_789))),
    len(14, ""), // reportingComponent has no omitempty in Go: kept
  );
  assert.deepEqual(decode("v1", "Event", event), {
    apiVersion: "v1",
    kind: "Event",
    involvedObject: { kind: "Pod", name: "web" },
    count: -1,
    eventTime: "2023-11-14T22:13:20.123456Z",
    reportingComponent: "",
  });
});

test("unknown fields of every wire type are skipped", () => {
  const unknown = concat(
    num(90, 7),
    concat(tag(91, 1), Array(8).fill(1)),
    len(92, "x"),
    concat(tag(93, 5), [1, 2, 3, 4]),
  );
  assert.deepEqual(
    decode("v1", "ServiceAccount", concat(unknown, len(1, concat(unknown, len(1, "sa"))), unknown)),
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "sa" },
    },
  );
});

test("pointer fields keep explicit zeros; value fields drop them, as encoding/json's omitempty does", () => {
  const sa = concat(len(1, len(1, "sa")), num(4, 0));
  assert.deepEqual(decode("v1", "ServiceAccount", sa), {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "sa" },
    automountServiceAccountToken: false,
  });
  const secret = concat(
    len(1, len(1, "s")),
    len(2, mapEntry("k", Uint8Array.from([0, 255]))),
    len(3, ""),
    num(5, 1),
  );
  assert.deepEqual(decode("v1", "Secret", secret), {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "s" },
    data: { k: "AP8=" },
    immutable: true,
  });
});

test("a message field seen twice merges; a scalar seen twice keeps the last value", () => {
  const raw = concat(len(1, concat(len(1, "a"), len(3, "ns"))), len(1, len(1, "b")), len(1, len(3, "")));
  assert.deepEqual(decode("v1", "ConfigMap", raw), {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "b" },
  });
});

test("repeated numbers may be packed", () => {
  const podSecurityContext = concat(len(4, [0x01, 0x02, 0xac, 0x02]), num(4, 7));
  const pod = decode("v1", "Pod", len(2, len(14, podSecurityContext)));
  assert.deepEqual(pod.spec, { securityContext: { supplementalGroups: [1, 2, 300, 7] } });
});

test("inline members, IntOrString, Quantity and empty messages", () => {
  const volume = (name: string, source: Uint8Array) => len(1, concat(len(1, name), len(2, source)));
  const container = concat(
    len(1, "app"),
    len(8, concat(len(1, mapEntry("cpu", len(1, "500m"))), len(2, mapEntry("memory")))),
    len(10, concat(len(1, len(2, len(2, concat(num(1, 0), num(2, 8080), len(3, ""))))), num(4, 10))),
    len(11, len(1, len(3, len(1, concat(num(1, 1), num(2, 0), len(3, "http")))))),
  );
  const spec = concat(
    volume("tmp", len(2, [])),
    volume("cfg", len(19, len(1, len(1, "cm")))),
    len(2, container),
  );
  assert.deepEqual(decode("v1", "Pod", len(2, spec)).spec, {
    volumes: [
      { name: "tmp", emptyDir: {} },
      { name: "cfg", configMap: { name: "cm" } },
    ],
    containers: [
      {
        name: "app",
        resources: { limits: { cpu: "500m" }, requests: { memory: "0" } },
        livenessProbe: { httpGet: { port: 8080 }, periodSeconds: 10 },
        readinessProbe: { tcpSocket: { port: "http" } },
      },
    ],
  });
});

test("map keys that are not safe property names stay ordinary entries", () => {
  const labels = concat(len(11, mapEntry("__proto__", "x")), len(11, mapEntry("constructor", "y")));
  const meta = decode("v1", "ConfigMap", len(1, labels)).metadata as { labels: Record<string, string> };
  assert.equal(Object.getPrototypeOf(meta.labels), Object.prototype);
  assert.deepEqual(Object.entries(meta.labels), [
    ["__proto__", "x"],
    ["constructor", "y"],
  ]);
});

test("SubjectAccessReview extra values are string arrays", () => {
  const extra = len(5, concat(len(1, "scopes"), len(2, concat(len(1, "a"), len(1, "b")))));
  const spec = concat(
    len(2, concat(len(1, "/healthz"), len(2, "get"))),
    len(3, "alice"),
    len(4, "devs"),
    extra,
  );
  assert.deepEqual(decode("authorization.k8s.io/v1", "SubjectAccessReview", len(2, spec)).spec, {
    nonResourceAttributes: { path: "/healthz", verb: "get" },
    user: "alice",
    groups: ["devs"],
    extra: { scopes: ["a", "b"] },
  });
});

test("DeleteOptions under any group version", () => {
  const opts = concat(
    num(1, 30),
    len(2, concat(len(1, "u1"), len(2, ""))),
    len(4, "Foreground"),
    len(5, "All"),
  );
  assert.deepEqual(decode("rbac.authorization.k8s.io/v1", "DeleteOptions", opts), {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "DeleteOptions",
    gracePeriodSeconds: 30,
    preconditions: { uid: "u1", resourceVersion: "" },
    propagationPolicy: "Foreground",
    dryRun: ["All"],
  });
});
