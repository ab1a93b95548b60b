// Pod validation against kubernetes v1.33 pkg/apis/core/validation/validation_test.go's tables (TestValidatePodSpec,
// TestValidateProbe, TestValidateHandler, TestValidateInitContainers, TestValidateEphemeralContainers,
// TestValidateResourceRequirements, TestValidateTolerations, TestValidateAffinity, TestValidatePodDNSConfig,
// TestValidateTopologySpreadConstraints, TestValidateSysctls, TestValidatePodSecurityContext,
// TestValidateWindowsSecurityContext, TestValidateOSFields, TestValidatePodUpdate, TestValidatePodStatusUpdate,
// TestValidatePodEphemeralContainersUpdate, TestValidatePodBinding): each case's spec change and the
// field paths and error types upstream expects (messages where the table pins them).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import type { FieldCause } from "../../../src/server/registry/types.ts";
import {
  validatePod,
  validatePodBinding,
  validatePodTemplateSpec,
} from "../../../src/server/registry/validation/pod.ts";

type Json = Record<string, unknown>;
type Spec = Json & { containers: Json[] };

/** podtest.MakePodSpec: a defaulted, valid spec. */
const baseSpec = (): Spec => ({
  volumes: [{ name: "vol", emptyDir: {} }],
  containers: [
    { name: "ctr", image: "image", imagePullPolicy: "IfNotPresent", terminationMessagePolicy: "File" },
  ],
  restartPolicy: "Always",
  dnsPolicy: "ClusterFirst",
  terminationGracePeriodSeconds: 30,
  serviceAccountName: "default",
  securityContext: {},
});
const pod = (spec: Json, extra: Json = {}): KubeObject =>
  ({ metadata: { name: "p", namespace: "ns", ...extra }, spec }) as KubeObject;
const shape = (errs: FieldCause[]) => errs.map((e) => `${e.field} ${e.type}`);
const lines = (errs: FieldCause[]) => errs.map((e) => `${e.field}: ${e.message}`);
const ctr = (over: Json = {}): Json => ({ ...baseSpec().containers[0], ...over });
const withSpec = (change: (s: Spec) => void): Spec => {
  const s = baseSpec();
  change(s);
  return s;
};

const execProbe = (over: Json = {}) => ({
  exec: { command: ["ls"] },
  timeoutSeconds: 1,
  periodSeconds: 10,
  successThreshold: 1,
  failureThreshold: 3,
  ...over,
});

// [name, change, expected "field type" list]; an empty list means valid.
const SPEC_CASES: [string, (s: Spec) => void, string[]][] = [
  ["the base spec", () => {}, []],
  ["restartPolicy OnFailure", (s) => Object.assign(s, { restartPolicy: "OnFailure" }), []],
  [
    "bad restartPolicy",
    (s) => Object.assign(s, { restartPolicy: "UnknowPolicy" }),
    ["spec.restartPolicy FieldValueNotSupported"],
  ],
  [
    "bad dnsPolicy",
    (s) => Object.assign(s, { dnsPolicy: "invalid" }),
    ["spec.dnsPolicy FieldValueNotSupported"],
  ],
  [
    "dnsPolicy None without dnsConfig",
    (s) => Object.assign(s, { dnsPolicy: "None" }),
    ["spec.dnsConfig FieldValueRequired"],
  ],
  [
    "dnsPolicy None without nameservers",
    (s) => Object.assign(s, { dnsPolicy: "None", dnsConfig: { searches: ["custom"] } }),
    ["spec.dnsConfig.nameservers FieldValueRequired"],
  ],
  [
    "dnsConfig with dnsPolicy None",
    (s) =>
      Object.assign(s, {
        dnsPolicy: "None",
        dnsConfig: {
          nameservers: ["1.2.3.4"],
          searches: ["custom", "_sip._tcp.abc_d.example.com", "."],
          options: [{ name: "ndots", value: "2" }],
        },
      }),
    [],
  ],
  [
    "too many nameservers",
    (s) => Object.assign(s, { dnsConfig: { nameservers: ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"] } }),
    ["spec.dnsConfig.nameservers FieldValueInvalid"],
  ],
  [
    "invalid nameserver and search",
    (s) => Object.assign(s, { dnsConfig: { nameservers: ["invalid"], searches: ["custom?"] } }),
    ["spec.dnsConfig.nameservers[0] FieldValueInvalid", "spec.dnsConfig.searches[0] FieldValueInvalid"],
  ],
  [
    "too many searches",
    (s) => Object.assign(s, { dnsConfig: { searches: Array.from({ length: 33 }, (_, i) => `s${i}`) } }),
    ["spec.dnsConfig.searches FieldValueInvalid"],
  ],
  [
    "empty dns option name",
    (s) => Object.assign(s, { dnsConfig: { options: [{ value: "x" }] } }),
    ["spec.dnsConfig.options[0] FieldValueRequired"],
  ],
  [
    "hostAliases",
    (s) => Object.assign(s, { hostAliases: [{ ip: "12.34.56.78", hostnames: ["host1", "host2"] }] }),
    [],
  ],
  [
    "bad hostAliases",
    (s) => Object.assign(s, { hostAliases: [{ ip: "999.999.999.999", hostnames: ["host1", "Host_2"] }] }),
    ["spec.hostAliases[0].ip FieldValueInvalid", "spec.hostAliases[0].hostnames[1] FieldValueInvalid"],
  ],
  [
    "hostNetwork with matching host port",
    (s) =>
      Object.assign(s, {
        hostNetwork: true,
        containers: [ctr({ ports: [{ containerPort: 8080, hostPort: 8080, protocol: "TCP" }] })],
      }),
    [],
  ],
  [
    "hostNetwork with a different host port",
    (s) =>
      Object.assign(s, {
        hostNetwork: true,
        containers: [ctr({ ports: [{ containerPort: 8080, hostPort: 8000, protocol: "TCP" }] })],
      }),
    ["spec.containers[0].ports[0].hostPort FieldValueInvalid"],
  ],
  [
    "duplicate host ports",
    (s) =>
      Object.assign(s, {
        containers: [
          ctr({ name: "a", ports: [{ containerPort: 80, hostPort: 8080, protocol: "TCP" }] }),
          ctr({ name: "b", ports: [{ containerPort: 81, hostPort: 8080, protocol: "TCP" }] }),
        ],
      }),
    ["spec.containers[1].ports[0].hostPort FieldValueDuplicate"],
  ],
  [
    "bad nodeSelector",
    (s) => Object.assign(s, { nodeSelector: { "key/a/b": "v" } }),
    ["spec.nodeSelector FieldValueInvalid"],
  ],
  [
    "activeDeadlineSeconds 0",
    (s) => Object.assign(s, { activeDeadlineSeconds: 0 }),
    ["spec.activeDeadlineSeconds FieldValueInvalid"],
  ],
  [
    "activeDeadlineSeconds too big",
    (s) => Object.assign(s, { activeDeadlineSeconds: 2 ** 31 }),
    ["spec.activeDeadlineSeconds FieldValueInvalid"],
  ],
  ["activeDeadlineSeconds max int32", (s) => Object.assign(s, { activeDeadlineSeconds: 2 ** 31 - 1 }), []],
  [
    "bad hostname and subdomain",
    (s) => Object.assign(s, { hostname: "Bad.Host", subdomain: "a.b" }),
    ["spec.hostname FieldValueInvalid", "spec.subdomain FieldValueInvalid"],
  ],
  [
    "bad priorityClassName",
    (s) => Object.assign(s, { priorityClassName: "InvalidName" }),
    ["spec.priorityClassName FieldValueInvalid"],
  ],
  [
    "bad runtimeClassName",
    (s) => Object.assign(s, { runtimeClassName: "my*RuntimeClass" }),
    ["spec.runtimeClassName FieldValueInvalid"],
  ],
  ["preemptionPolicy Never", (s) => Object.assign(s, { preemptionPolicy: "Never" }), []],
  [
    "bad preemptionPolicy",
    (s) => Object.assign(s, { preemptionPolicy: "Sometimes" }),
    ["spec.preemptionPolicy FieldValueNotSupported"],
  ],
  [
    "bad readiness gate",
    (s) => Object.assign(s, { readinessGates: [{ conditionType: "invalid/condition/type" }] }),
    ["spec.readinessGates[0].conditionType FieldValueInvalid"],
  ],
  [
    "scheduling gates: invalid and duplicate",
    (s) =>
      Object.assign(s, {
        schedulingGates: [{ name: "-invalid" }, { name: "example.com/foo" }, { name: "example.com/foo" }],
      }),
    ["spec.schedulingGates[0] FieldValueInvalid", "spec.schedulingGates[2] FieldValueDuplicate"],
  ],
  ["overhead", (s) => Object.assign(s, { overhead: { cpu: "100m", memory: "10Mi" } }), []],
  [
    "negative overhead",
    (s) => Object.assign(s, { overhead: { cpu: "-1" } }),
    ["spec.overhead.limits[cpu] FieldValueInvalid"],
  ],
  // Probes (TestValidateProbe, TestValidateHandler).
  ["liveness probe", (s) => Object.assign(s, { containers: [ctr({ livenessProbe: execProbe() })] }), []],
  [
    "liveness probe successThreshold 2",
    (s) => Object.assign(s, { containers: [ctr({ livenessProbe: execProbe({ successThreshold: 2 }) })] }),
    ["spec.containers[0].livenessProbe.successThreshold FieldValueInvalid"],
  ],
  [
    "startup probe successThreshold 2",
    (s) => Object.assign(s, { containers: [ctr({ startupProbe: execProbe({ successThreshold: 2 }) })] }),
    ["spec.containers[0].startupProbe.successThreshold FieldValueInvalid"],
  ],
  [
    "readiness probe successThreshold 2",
    (s) => Object.assign(s, { containers: [ctr({ readinessProbe: execProbe({ successThreshold: 2 }) })] }),
    [],
  ],
  [
    "readiness probe with terminationGracePeriodSeconds",
    (s) =>
      Object.assign(s, {
        containers: [ctr({ readinessProbe: execProbe({ terminationGracePeriodSeconds: 10 }) })],
      }),
    ["spec.containers[0].readinessProbe.terminationGracePeriodSeconds FieldValueInvalid"],
  ],
  [
    "liveness probe terminationGracePeriodSeconds 0",
    (s) =>
      Object.assign(s, {
        containers: [ctr({ livenessProbe: execProbe({ terminationGracePeriodSeconds: 0 }) })],
      }),
    ["spec.containers[0].livenessProbe.terminationGracePeriodSeconds FieldValueInvalid"],
  ],
  [
    "negative probe fields",
    (s) =>
      Object.assign(s, {
        containers: [
          ctr({
            readinessProbe: execProbe({
              initialDelaySeconds: -1,
              timeoutSeconds: -1,
              periodSeconds: -1,
              failureThreshold: -1,
            }),
          }),
        ],
      }),
    [
      "spec.containers[0].readinessProbe.initialDelaySeconds FieldValueInvalid",
      "spec.containers[0].readinessProbe.timeoutSeconds FieldValueInvalid",
      "spec.containers[0].readinessProbe.periodSeconds FieldValueInvalid",
      "spec.containers[0].readinessProbe.failureThreshold FieldValueInvalid",
    ],
  ],
  [
    "probe without a handler",
    (s) => Object.assign(s, { containers: [ctr({ livenessProbe: { successThreshold: 1 } })] }),
    ["spec.containers[0].livenessProbe FieldValueRequired"],
  ],
  [
    "probe with two handlers",
    (s) => Object.assign(s, { containers: [ctr({ livenessProbe: execProbe({ tcpSocket: { port: 80 } }) })] }),
    ["spec.containers[0].livenessProbe.tcpSocket FieldValueForbidden"],
  ],
  [
    "exec without command",
    (s) => Object.assign(s, { containers: [ctr({ livenessProbe: execProbe({ exec: { command: [] } }) })] }),
    ["spec.containers[0].livenessProbe.exec.command FieldValueRequired"],
  ],
  [
    "httpGet: named port, headers",
    (s) =>
      Object.assign(s, {
        containers: [
          ctr({
            readinessProbe: {
              httpGet: {
                path: "/",
                port: "http",
                scheme: "HTTP",
                httpHeaders: [{ name: "X-Forwarded-For", value: "1.2.3.4" }],
              },
              successThreshold: 1,
            },
          }),
        ],
      }),
    [],
  ],
  [
    "httpGet: bad port, scheme and header",
    (s) =>
      Object.assign(s, {
        containers: [
          ctr({
            readinessProbe: {
              httpGet: { path: "", port: 0, scheme: "FTP", httpHeaders: [{ name: "X_Forwarded_For" }] },
              successThreshold: 1,
            },
          }),
        ],
      }),
    [
      "spec.containers[0].readinessProbe.httpGet.path FieldValueRequired",
      "spec.containers[0].readinessProbe.httpGet.port FieldValueInvalid",
      "spec.containers[0].readinessProbe.httpGet.scheme FieldValueNotSupported",
      "spec.containers[0].readinessProbe.httpGet.httpHeaders FieldValueInvalid",
    ],
  ],
  [
    "grpc port out of range",
    (s) =>
      Object.assign(s, {
        containers: [ctr({ livenessProbe: { grpc: { port: 70000 }, successThreshold: 1 } })],
      }),
    ["spec.containers[0].livenessProbe.grpc.port FieldValueInvalid"],
  ],
  [
    "tcpSocket named port too long",
    (s) =>
      Object.assign(s, {
        containers: [
          ctr({ livenessProbe: { tcpSocket: { port: "a-very-long-port-name" }, successThreshold: 1 } }),
        ],
      }),
    ["spec.containers[0].livenessProbe.tcpSocket.port FieldValueInvalid"],
  ],
  // Lifecycle hooks.
  [
    "preStop sleep",
    (s) => Object.assign(s, { containers: [ctr({ lifecycle: { preStop: { sleep: { seconds: 5 } } } })] }),
    [],
  ],
  [
    "preStop sleep 0 (PodLifecycleSleepActionAllowZero)",
    (s) => Object.assign(s, { containers: [ctr({ lifecycle: { preStop: { sleep: { seconds: 0 } } } })] }),
    [],
  ],
  [
    "sleep longer than the grace period",
    (s) => Object.assign(s, { containers: [ctr({ lifecycle: { preStop: { sleep: { seconds: 31 } } } })] }),
    ["spec.containers[0].lifecycle.preStop.sleep FieldValueInvalid"],
  ],
  [
    "postStart without handler, preStop with grpc",
    (s) =>
      Object.assign(s, {
        containers: [ctr({ lifecycle: { postStart: {}, preStop: { grpc: { port: 80 } } } })],
      }),
    [
      "spec.containers[0].lifecycle.postStart FieldValueRequired",
      "spec.containers[0].lifecycle.preStop FieldValueRequired",
    ],
  ],
  // Init containers (TestValidateInitContainers).
  [
    "sidecar with probes and lifecycle",
    (s) =>
      Object.assign(s, {
        initContainers: [
          ctr({
            name: "side",
            restartPolicy: "Always",
            livenessProbe: execProbe(),
            lifecycle: { preStop: { exec: { command: ["x"] } } },
          }),
        ],
      }),
    [],
  ],
  [
    "init container with probes and lifecycle",
    (s) =>
      Object.assign(s, {
        initContainers: [
          ctr({
            name: "init",
            livenessProbe: execProbe(),
            readinessProbe: execProbe(),
            startupProbe: execProbe(),
            lifecycle: {},
          }),
        ],
      }),
    [
      "spec.initContainers[0].lifecycle FieldValueForbidden",
      "spec.initContainers[0].livenessProbe FieldValueForbidden",
      "spec.initContainers[0].readinessProbe FieldValueForbidden",
      "spec.initContainers[0].startupProbe FieldValueForbidden",
    ],
  ],
  [
    "init container restartPolicy Never, duplicate name",
    (s) => Object.assign(s, { initContainers: [ctr({ restartPolicy: "Never" })] }),
    [
      "spec.initContainers[0].restartPolicy FieldValueNotSupported",
      "spec.initContainers[0].name FieldValueDuplicate",
    ],
  ],
  [
    "regular container restartPolicy",
    (s) => Object.assign(s, { containers: [ctr({ restartPolicy: "Always" })] }),
    ["spec.containers[0].restartPolicy FieldValueForbidden"],
  ],
  // Resources (TestValidateResourceRequirements).
  [
    "requests within limits, hugepages, extended resources",
    (s) =>
      Object.assign(s, {
        containers: [
          ctr({
            resources: {
              limits: { cpu: "2", memory: "1Gi", "hugepages-2Mi": "4Mi", "example.com/gpu": "1" },
              requests: { cpu: "1", memory: "512Mi", "hugepages-2Mi": "4Mi", "example.com/gpu": "1" },
            },
          }),
        ],
      }),
    [],
  ],
  [
    "request above limit",
    (s) =>
      Object.assign(s, {
        containers: [ctr({ resources: { limits: { cpu: "1" }, requests: { cpu: "2" } } })],
      }),
    ["spec.containers[0].resources.requests FieldValueInvalid"],
  ],
  [
    "extended resource request without limit, and different from limit",
    (s) =>
      Object.assign(s, {
        containers: [
          ctr({
            resources: {
              limits: { "example.com/b": "2" },
              requests: { "example.com/a": "1", "example.com/b": "1" },
            },
          }),
        ],
      }),
    [
      "spec.containers[0].resources.limits FieldValueRequired",
      "spec.containers[0].resources.requests FieldValueInvalid",
    ],
  ],
  [
    "fractional extended resource",
    (s) =>
      Object.assign(s, {
        containers: [
          ctr({ resources: { limits: { "example.com/a": "500m" }, requests: { "example.com/a": "500m" } } }),
        ],
      }),
    [
      "spec.containers[0].resources.limits[example.com/a] FieldValueInvalid",
      "spec.containers[0].resources.requests[example.com/a] FieldValueInvalid",
    ],
  ],
  [
    "negative request, non-container resource name",
    (s) => Object.assign(s, { containers: [ctr({ resources: { requests: { memory: "-1", pods: "1" } } })] }),
    [
      "spec.containers[0].resources.requests[memory] FieldValueInvalid",
      "spec.containers[0].resources.requests[pods] FieldValueInvalid",
    ],
  ],
  [
    "hugepages without cpu or memory, indivisible",
    (s) =>
      Object.assign(s, {
        containers: [
          ctr({ resources: { limits: { "hugepages-2Mi": "3Mi" }, requests: { "hugepages-2Mi": "3Mi" } } }),
        ],
      }),
    [
      "spec.containers[0].resources.limits[hugepages-2Mi] FieldValueInvalid",
      "spec.containers[0].resources.requests[hugepages-2Mi] FieldValueInvalid",
      "spec.containers[0].resources FieldValueForbidden",
    ],
  ],
  [
    "resource claims",
    (s) =>
      Object.assign(s, {
        resourceClaims: [{ name: "gpu", resourceClaimName: "my-claim" }],
        containers: [ctr({ resources: { claims: [{ name: "gpu" }] } })],
      }),
    [],
  ],
  [
    "unknown and duplicate claim",
    (s) =>
      Object.assign(s, {
        resourceClaims: [
          { name: "gpu", resourceClaimName: "c", resourceClaimTemplateName: "t" },
          { name: "gpu" },
        ],
        containers: [ctr({ resources: { claims: [{ name: "fpga" }, { name: "fpga" }] } })],
      }),
    [
      "spec.resourceClaims[0] FieldValueInvalid",
      "spec.resourceClaims[1].name FieldValueDuplicate",
      "spec.resourceClaims[1] FieldValueInvalid",
      "spec.containers[0].resources.claims[0] FieldValueNotFound",
      "spec.containers[0].resources.claims[1] FieldValueDuplicate",
      "spec.containers[0].resources.claims[1] FieldValueNotFound",
    ],
  ],
  [
    "resize policy with restartPolicy Never",
    (s) =>
      Object.assign(s, {
        restartPolicy: "Never",
        containers: [
          ctr({
            resizePolicy: [
              { resourceName: "cpu", restartPolicy: "RestartContainer" },
              { resourceName: "disk", restartPolicy: "NotRequired" },
            ],
          }),
        ],
      }),
    [
      "spec.containers[0].resizePolicy FieldValueInvalid",
      "spec.containers[0].resizePolicy FieldValueNotSupported",
    ],
  ],
  // Env and mounts.
  [
    "env valueFrom",
    (s) =>
      Object.assign(s, {
        containers: [
          ctr({
            env: [
              { name: "a", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
              {
                name: "b",
                valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.labels['app']" } },
              },
              { name: "c", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
              { name: "d", valueFrom: { configMapKeyRef: { name: "cm", key: "k" } } },
              { name: "e", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
            ],
          }),
        ],
      }),
    [],
  ],
  [
    "env valueFrom errors",
    (s) =>
      Object.assign(s, {
        containers: [
          ctr({
            env: [
              { name: "a", valueFrom: {} },
              {
                name: "b",
                value: "x",
                valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } },
              },
              { name: "c", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.phase" } } },
              { name: "d", valueFrom: { resourceFieldRef: { resource: "limits.gpu" } } },
              {
                name: "e",
                valueFrom: {
                  configMapKeyRef: { name: "cm", key: "" },
                  secretKeyRef: { name: "s", key: "k" },
                },
              },
            ],
          }),
        ],
      }),
    [
      "spec.containers[0].env[0].valueFrom FieldValueInvalid",
      "spec.containers[0].env[1].valueFrom FieldValueInvalid",
      "spec.containers[0].env[2].valueFrom.fieldRef.fieldPath FieldValueNotSupported",
      "spec.containers[0].env[3].valueFrom.resourceFieldRef.resource FieldValueNotSupported",
      "spec.containers[0].env[4].valueFrom.configMapKeyRef.key FieldValueRequired",
      "spec.containers[0].env[4].valueFrom FieldValueInvalid",
    ],
  ],
  [
    "envFrom without a source",
    (s) => Object.assign(s, { containers: [ctr({ envFrom: [{ prefix: "P_" }] })] }),
    ["spec.containers[0].envFrom FieldValueInvalid"],
  ],
  [
    "mountPropagation Bidirectional unprivileged",
    (s) =>
      Object.assign(s, {
        containers: [
          ctr({ volumeMounts: [{ name: "vol", mountPath: "/v", mountPropagation: "Bidirectional" }] }),
        ],
      }),
    ["spec.containers[0].volumeMounts.mountPropagation FieldValueForbidden"],
  ],
  [
    "recursiveReadOnly without readOnly",
    (s) =>
      Object.assign(s, {
        containers: [ctr({ volumeMounts: [{ name: "vol", mountPath: "/v", recursiveReadOnly: "Enabled" }] })],
      }),
    ["spec.containers[0].volumeMounts.recursiveReadOnly FieldValueForbidden"],
  ],
  [
    "volumeDevices need a PVC",
    (s) =>
      Object.assign(s, { containers: [ctr({ volumeDevices: [{ name: "vol", devicePath: "/dev/x" }] })] }),
    ["spec.containers[0].volumeDevices[0].name FieldValueInvalid"],
  ],
  [
    "volumeDevices from a PVC",
    (s) =>
      Object.assign(s, {
        volumes: [{ name: "blk", persistentVolumeClaim: { claimName: "c" } }],
        containers: [ctr({ volumeDevices: [{ name: "blk", devicePath: "/dev/x" }] })],
      }),
    [],
  ],
  // Scheduling (TestValidateTolerations, TestValidateAffinity, TestValidateTopologySpreadConstraints).
  [
    "tolerations",
    (s) =>
      Object.assign(s, {
        tolerations: [
          { key: "foo", operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 },
          { operator: "Exists" },
          { key: "k", value: "v" },
        ],
      }),
    [],
  ],
  [
    "bad tolerations",
    (s) =>
      Object.assign(s, {
        tolerations: [
          { key: "nospecialchars^=@", operator: "Equal", value: "bar", effect: "NoSchedule" },
          { operator: "Equal", value: "bar" },
          { key: "foo", operator: "Exists", value: "bar" },
          { key: "foo", operator: "In" },
          { key: "foo", effect: "NoSchedule", tolerationSeconds: 20 },
          { key: "foo", effect: "Sometimes" },
        ],
      }),
    [
      "spec.tolerations[0].key FieldValueInvalid",
      "spec.tolerations[1].operator FieldValueInvalid",
      "spec.tolerations[2].operator FieldValueInvalid",
      "spec.tolerations[3].operator FieldValueNotSupported",
      "spec.tolerations[4].effect FieldValueInvalid",
      "spec.tolerations[5].effect FieldValueNotSupported",
    ],
  ],
  [
    "node, pod and anti-affinity",
    (s) =>
      Object.assign(s, {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                {
                  matchExpressions: [{ key: "key2", operator: "In", values: ["value1", "value2"] }],
                  matchFields: [{ key: "metadata.name", operator: "NotIn", values: ["host1"] }],
                },
              ],
            },
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 10,
                preference: { matchExpressions: [{ key: "foo", operator: "In", values: ["bar"] }] },
              },
            ],
          },
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              {
                labelSelector: { matchExpressions: [{ key: "key2", operator: "NotIn", values: ["value1"] }] },
                topologyKey: "zone",
                namespaces: ["ns"],
              },
            ],
          },
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 10,
                podAffinityTerm: {
                  labelSelector: { matchLabels: { a: "b" } },
                  topologyKey: "region",
                  matchLabelKeys: ["pod-template-hash"],
                },
              },
            ],
          },
        },
      }),
    [],
  ],
  [
    "node affinity errors",
    (s) =>
      Object.assign(s, {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                {
                  matchExpressions: [
                    { key: "k", operator: "In" },
                    { key: "k", operator: "Gt", values: ["1", "2"] },
                    { key: "k", operator: "Exists", values: ["x"] },
                    { key: "k", operator: "Bogus" },
                  ],
                  matchFields: [{ key: "metadata.namespace", operator: "In", values: ["a", "b"] }],
                },
              ],
            },
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 199,
                preference: { matchExpressions: [{ key: "foo", operator: "In", values: ["bar"] }] },
              },
            ],
          },
        },
      }),
    [
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values FieldValueRequired",
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[1].values FieldValueRequired",
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[2].values FieldValueForbidden",
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[3].operator FieldValueInvalid",
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values FieldValueRequired",
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key FieldValueInvalid",
      "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight FieldValueInvalid",
    ],
  ],
  [
    "empty nodeSelectorTerms",
    (s) =>
      Object.assign(s, {
        affinity: {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
        },
      }),
    [
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms FieldValueRequired",
    ],
  ],
  [
    "pod affinity errors",
    (s) =>
      Object.assign(s, {
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              {
                labelSelector: { matchExpressions: [{ key: "k", operator: "In", values: ["x"] }] },
                namespaces: ["INVALID"],
                topologyKey: "",
              },
            ],
          },
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 0,
                podAffinityTerm: { topologyKey: "zone", matchLabelKeys: ["k"], mismatchLabelKeys: ["k"] },
              },
            ],
          },
        },
      }),
    [
      "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].namespace FieldValueInvalid",
      "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey FieldValueRequired",
      "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey FieldValueInvalid",
      "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey FieldValueInvalid",
      "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight FieldValueInvalid",
      "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.matchLabelKeys FieldValueForbidden",
      "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.mismatchLabelKeys FieldValueForbidden",
      "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.matchLabelKeys[0] FieldValueInvalid",
    ],
  ],
  [
    "topology spread constraints",
    (s) =>
      Object.assign(s, {
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: "k8s.io/zone",
            whenUnsatisfiable: "DoNotSchedule",
            minDomains: 3,
            labelSelector: { matchLabels: { app: "a" } },
            matchLabelKeys: ["pod-template-hash"],
            nodeAffinityPolicy: "Honor",
          },
        ],
      }),
    [],
  ],
  [
    "topology spread constraint errors",
    (s) =>
      Object.assign(s, {
        topologySpreadConstraints: [
          {
            maxSkew: 0,
            topologyKey: "",
            whenUnsatisfiable: "N/A",
            minDomains: -1,
            nodeTaintsPolicy: "Maybe",
          },
          { maxSkew: 1, topologyKey: "k8s.io/zone", whenUnsatisfiable: "DoNotSchedule" },
          {
            maxSkew: 1,
            topologyKey: "k8s.io/zone",
            whenUnsatisfiable: "DoNotSchedule",
            matchLabelKeys: ["app"],
            labelSelector: { matchLabels: { app: "a" } },
          },
        ],
      }),
    [
      "spec.topologySpreadConstraints[0].maxSkew FieldValueInvalid",
      "spec.topologySpreadConstraints[0].topologyKey FieldValueRequired",
      "spec.topologySpreadConstraints[0].whenUnsatisfiable FieldValueNotSupported",
      "spec.topologySpreadConstraints[0].minDomains FieldValueInvalid",
      "spec.topologySpreadConstraints[0].minDomains FieldValueInvalid",
      "spec.topologySpreadConstraints[0].nodeTaintsPolicy FieldValueNotSupported",
      "spec.topologySpreadConstraints[1].{topologyKey, whenUnsatisfiable} FieldValueDuplicate",
      "spec.topologySpreadConstraints[2].matchLabelKeys[0] FieldValueInvalid",
    ],
  ],
  // Security contexts (TestValidatePodSecurityContext, TestValidateSecurityContext, TestValidateSysctls).
  [
    "pod security context",
    (s) =>
      Object.assign(s, {
        securityContext: {
          runAsUser: 1000,
          runAsGroup: 1000,
          fsGroup: 2000,
          supplementalGroups: [1, 2],
          fsGroupChangePolicy: "OnRootMismatch",
          supplementalGroupsPolicy: "Strict",
          seLinuxChangePolicy: "MountOption",
          seccompProfile: { type: "Localhost", localhostProfile: "profiles/audit.json" },
          appArmorProfile: { type: "RuntimeDefault" },
          sysctls: [
            { name: "kernel.shm_rmid_forced", value: "1" },
            { name: "net/ipv4/ip_local_port_range", value: "1024 65535" },
          ],
        },
      }),
    [],
  ],
  [
    "pod security context errors",
    (s) =>
      Object.assign(s, {
        securityContext: {
          runAsUser: -1,
          runAsGroup: 2 ** 31,
          fsGroup: -1,
          supplementalGroups: [-1],
          fsGroupChangePolicy: "Sometimes",
          supplementalGroupsPolicy: "Lax",
          seLinuxChangePolicy: "Never",
          seccompProfile: { type: "RuntimeDefault", localhostProfile: "x" },
          appArmorProfile: { type: "Localhost" },
        },
      }),
    [
      "spec.securityContext.fsGroup FieldValueInvalid",
      "spec.securityContext.runAsUser FieldValueInvalid",
      "spec.securityContext.runAsGroup FieldValueInvalid",
      "spec.securityContext.supplementalGroups[0] FieldValueInvalid",
      "spec.securityContext.fsGroupChangePolicy FieldValueNotSupported",
      "spec.securityContext.seccompProfile.localhostProfile FieldValueInvalid",
      "spec.securityContext.appArmorProfile.localhostProfile FieldValueRequired",
      "spec.securityContext.supplementalGroupsPolicy FieldValueNotSupported",
      "spec.securityContext.seLinuxChangePolicy FieldValueNotSupported",
    ],
  ],
  [
    "shareProcessNamespace with hostPID",
    (s) => Object.assign(s, { hostPID: true, shareProcessNamespace: true }),
    ["spec.securityContext.shareProcessNamespace FieldValueInvalid"],
  ],
  [
    "sysctls: bad, duplicate, host namespaces",
    (s) =>
      Object.assign(s, {
        hostNetwork: true,
        hostIPC: true,
        securityContext: {
          sysctls: [
            { name: "" },
            { name: "foo-_" },
            { name: "kernel.msgmax" },
            { name: "kernel.msgmax" },
            { name: "net.core.somaxconn" },
          ],
        },
      }),
    [
      "spec.securityContext.sysctls[0].name FieldValueRequired",
      "spec.securityContext.sysctls[1].name FieldValueInvalid",
      "spec.securityContext.sysctls[2].name FieldValueInvalid",
      "spec.securityContext.sysctls[3].name FieldValueDuplicate",
      "spec.securityContext.sysctls[3].name FieldValueInvalid",
      "spec.securityContext.sysctls[4].name FieldValueInvalid",
    ],
  ],
  [
    "container security context errors",
    (s) =>
      Object.assign(s, {
        containers: [
          ctr({
            securityContext: {
              runAsUser: -1,
              procMount: "Unmasked",
              allowPrivilegeEscalation: false,
              privileged: true,
              capabilities: { add: ["CAP_SYS_ADMIN"] },
              seccompProfile: { type: "Localhost" },
              appArmorProfile: { type: "Bogus" },
            },
          }),
        ],
      }),
    [
      "spec.containers[0].securityContext.runAsUser FieldValueInvalid",
      "spec.containers[0].securityContext.procMount FieldValueInvalid",
      "spec.containers[0].securityContext.seccompProfile.localhostProfile FieldValueRequired",
      "spec.containers[0].securityContext FieldValueInvalid",
      "spec.containers[0].securityContext FieldValueInvalid",
      "spec.containers[0].securityContext.appArmorProfile.type FieldValueNotSupported",
    ],
  ],
  [
    "procMount Unmasked with hostUsers false",
    (s) =>
      Object.assign(s, {
        hostUsers: false,
        containers: [ctr({ securityContext: { procMount: "Unmasked" } })],
      }),
    [],
  ],
  [
    "hostUsers false with host namespaces",
    (s) => Object.assign(s, { hostUsers: false, hostNetwork: true, hostPID: true, hostIPC: true }),
    [
      "spec.hostNetwork FieldValueForbidden",
      "spec.HostPID FieldValueForbidden",
      "spec.HostIPC FieldValueForbidden",
    ],
  ],
  [
    "windows options",
    (s) =>
      Object.assign(s, {
        securityContext: {
          windowsOptions: {
            gmsaCredentialSpecName: "Not_A_Name",
            gmsaCredentialSpec: "",
            runAsUserName: "a\\b\\c",
          },
        },
      }),
    [
      "spec.securityContext.windowsOptions.gmsaCredentialSpecName FieldValueInvalid",
      "spec.securityContext.windowsOptions.gmsaCredentialSpec FieldValueInvalid",
      "spec.securityContext.windowsOptions.runAsUserName FieldValueInvalid",
    ],
  ],
  [
    "windows hostProcess without hostNetwork, mixed containers",
    (s) =>
      Object.assign(s, {
        containers: [ctr({ securityContext: { windowsOptions: { hostProcess: true } } }), ctr({ name: "b" })],
      }),
    ["spec FieldValueInvalid", "spec.hostNetwork FieldValueInvalid"],
  ],
  // OS (TestValidateOSFields).
  ["os linux", (s) => Object.assign(s, { os: { name: "linux" } }), []],
  ["os empty name", (s) => Object.assign(s, { os: { name: "" } }), ["spec.os.name FieldValueRequired"]],
  ["os bad name", (s) => Object.assign(s, { os: { name: "dos" } }), ["spec.os FieldValueNotSupported"]],
  [
    "linux pod with windows options",
    (s) =>
      Object.assign(s, {
        os: { name: "linux" },
        securityContext: { windowsOptions: {} },
        containers: [ctr({ securityContext: { windowsOptions: {} } })],
      }),
    [
      "spec.securityContext.windowsOptions FieldValueForbidden",
      "spec.containers[0].securityContext.windowsOptions FieldValueForbidden",
    ],
  ],
  [
    "windows pod with linux fields",
    (s) =>
      Object.assign(s, {
        os: { name: "windows" },
        hostPID: true,
        securityContext: { runAsUser: 1, seLinuxOptions: {}, sysctls: [{ name: "a", value: "1" }] },
        containers: [ctr({ securityContext: { privileged: false, capabilities: {} } })],
      }),
    [
      "spec.securityContext.seLinuxOptions FieldValueForbidden",
      "spec.hostPID FieldValueForbidden",
      "spec.securityContext.sysctls FieldValueForbidden",
      "spec.securityContext.runAsUser FieldValueForbidden",
      "spec.containers[0].securityContext.capabilities FieldValueForbidden",
      "spec.containers[0].securityContext.privileged FieldValueForbidden",
    ],
  ],
  // Volumes (TestValidateVolumes).
  [
    "volume sources",
    (s) =>
      Object.assign(s, {
        volumes: [
          { name: "a", hostPath: { path: "/mnt/path", type: "DirectoryOrCreate" } },
          {
            name: "b",
            secret: { secretName: "s", defaultMode: 0o644, items: [{ key: "k", path: "p", mode: 0o400 }] },
          },
          { name: "c", nfs: { server: "example.com", path: "/export" } },
          { name: "d", persistentVolumeClaim: { claimName: "claim" } },
          { name: "e", csi: { driver: "example.com.csi", nodePublishSecretRef: { name: "s" } } },
          {
            name: "f",
            downwardAPI: {
              items: [
                { path: "labels", fieldRef: { apiVersion: "v1", fieldPath: "metadata.labels['app']" } },
              ],
            },
          },
          {
            name: "g",
            projected: {
              sources: [
                { configMap: { name: "cm" } },
                { serviceAccountToken: { path: "token", expirationSeconds: 3600 } },
              ],
            },
          },
          { name: "h", emptyDir: { sizeLimit: "1Gi" } },
        ],
      }),
    [],
  ],
  [
    "volume source errors",
    (s) =>
      Object.assign(s, {
        volumes: [
          { name: "a", hostPath: { path: "/a/../b", type: "Bogus" } },
          { name: "b", secret: { defaultMode: 0o1000, items: [{ path: "p", mode: -1 }] } },
          { name: "c", nfs: { server: "example.com", path: "relative" } },
          { name: "d", persistentVolumeClaim: {} },
          {
            name: "e",
            downwardAPI: {
              items: [
                { path: "x", fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } },
                { path: "y" },
              ],
            },
          },
          {
            name: "f",
            projected: {
              sources: [
                {
                  configMap: { name: "cm", items: [{ key: "k", path: "dup" }] },
                  secret: { name: "s", items: [{ key: "k", path: "dup" }] },
                },
                { serviceAccountToken: { path: "t", expirationSeconds: 60 } },
              ],
            },
          },
          { name: "g", emptyDir: {}, hostPath: { path: "/x" } },
          { name: "h", gcePersistentDisk: { pdName: "", partition: 300 } },
        ],
      }),
    [
      "spec.volumes[0].hostPath.path FieldValueInvalid",
      "spec.volumes[0].hostPath.type FieldValueNotSupported",
      "spec.volumes[1].secret.secretName FieldValueRequired",
      "spec.volumes[1].secret.defaultMode FieldValueInvalid",
      "spec.volumes[1].secret.items[0].key FieldValueRequired",
      "spec.volumes[1].secret.items[0].mode FieldValueInvalid",
      "spec.volumes[2].nfs.path FieldValueInvalid",
      "spec.volumes[3].persistentVolumeClaim.claimName FieldValueRequired",
      "spec.volumes[4].downwardAPI.fieldRef.fieldPath FieldValueNotSupported",
      "spec.volumes[4].downwardAPI FieldValueRequired",
      "spec.volumes[5].projected FieldValueInvalid",
      "spec.volumes[5].projected.sources[0] FieldValueForbidden",
      "spec.volumes[5].projected.sources[1].serviceAccountToken.expirationSeconds FieldValueInvalid",
      "spec.volumes[6].hostPath FieldValueForbidden",
      "spec.volumes[7].persistentDisk.pdName FieldValueRequired",
      "spec.volumes[7].persistentDisk.partition FieldValueInvalid",
    ],
  ],
  // Pod-only: service account tokens need a service account.
  [
    "projected token without serviceAccountName",
    (s) =>
      Object.assign(s, {
        serviceAccountName: "",
        volumes: [
          {
            name: "t",
            projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 3600 } }] },
          },
        ],
      }),
    ["spec.volumes[0].projected.sources[0].serviceAccountToken FieldValueForbidden"],
  ],
];

describe("ValidatePodSpec (validation_test.go tables)", () => {
  for (const [name, change, expected] of SPEC_CASES) {
    test(name, () => assert.deepEqual(shape(validatePod(pod(withSpec(change)))), expected));
  }
});

describe("messages", () => {
  test("probe, sleep and resource messages", () => {
    const spec = withSpec((s) => {
      s.containers = [
        ctr({
          livenessProbe: execProbe({ successThreshold: 2 }),
          lifecycle: { preStop: { sleep: { seconds: 31 } } },
          resources: { limits: { cpu: "1" }, requests: { cpu: "1500m" } },
        }),
      ];
    });
    assert.deepEqual(lines(validatePod(pod(spec))), [
      'spec.containers[0].resources.requests: Invalid value: "1500m": must be less than or equal to cpu limit of 1',
      "spec.containers[0].lifecycle.preStop.sleep: Invalid value: 31: must be non-negative and less than terminationGracePeriodSeconds (30)",
      "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
    ]);
  });

  test("tolerations, affinity and sysctls", () => {
    const spec = withSpec((s) => {
      s.tolerations = [{ operator: "Equal", value: "bar" }];
      s.affinity = {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
      };
      s.securityContext = { sysctls: [{ name: "Foo" }] };
    });
    assert.deepEqual(lines(validatePod(pod(spec))), [
      'spec.securityContext.sysctls[0].name: Invalid value: "Foo": must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$',
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term",
      'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
    ]);
  });

  test("a bad search path names the subdomain regex (RelaxedDNSSearchValidation)", () => {
    const spec = withSpec((s) => Object.assign(s, { dnsConfig: { searches: ["Bad."] } }));
    assert.deepEqual(lines(validatePod(pod(spec))), [
      "spec.dnsConfig.searches[0]: Invalid value: \"Bad\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
  });
});

describe("ValidatePodCreate", () => {
  test("a tolerations annotation that is not a JSON list", () => {
    const annotations = { "scheduler.alpha.kubernetes.io/tolerations": "{}" };
    assert.deepEqual(lines(validatePod(pod(baseSpec(), { annotations }))), [
      'metadata.annotations: Invalid value: "scheduler.alpha.kubernetes.io/tolerations": json: cannot unmarshal object into Go value of type []core.Toleration',
    ]);
  });

  test("ephemeral containers and nodeName with scheduling gates", () => {
    const spec = withSpec((s) => {
      s.ephemeralContainers = [
        {
          name: "debug",
          image: "busybox",
          imagePullPolicy: "IfNotPresent",
          terminationMessagePolicy: "File",
        },
      ];
      s.nodeName = "node1";
      s.schedulingGates = [{ name: "foo" }];
    });
    assert.deepEqual(shape(validatePod(pod(spec))), [
      "spec.ephemeralContainers FieldValueForbidden",
      "spec.nodeName FieldValueForbidden",
    ]);
  });

  test("seccomp and AppArmor annotations must match the fields", () => {
    const spec = withSpec((s) => {
      s.securityContext = { seccompProfile: { type: "RuntimeDefault" } };
      s.containers = [
        ctr({ securityContext: { appArmorProfile: { type: "Localhost", localhostProfile: "a" } } }),
      ];
    });
    const annotations = {
      "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
      "container.apparmor.security.beta.kubernetes.io/ctr": "localhost/b",
    };
    assert.deepEqual(lines(validatePod(pod(spec, { annotations }))), [
      "spec.securityContext.seccompProfile.type: Forbidden: seccomp type in annotation and field must match",
      "spec.containers[0].securityContext.appArmorProfile.localhostProfile: Forbidden: apparmor profile in annotation and field must match",
    ]);
  });

  test("pod-specific annotations", () => {
    const annotations = {
      "kubernetes.io/config.mirror": "x",
      "controller.kubernetes.io/pod-deletion-cost": "1.5",
      "seccomp.security.alpha.kubernetes.io/pod": "bogus",
      "container.apparmor.security.beta.kubernetes.io/nope": "runtime/default",
      "scheduler.alpha.kubernetes.io/tolerations": '[{"key":"a","operator":"Exists","value":"x"}]',
    };
    assert.deepEqual(shape(validatePod(pod(baseSpec(), { annotations }))), [
      "metadata.annotations[kubernetes.io/config.mirror] FieldValueInvalid",
      "metadata.annotations.scheduler.alpha.kubernetes.io/tolerations[0].operator FieldValueInvalid",
      "metadata.annotations[controller.kubernetes.io/pod-deletion-cost] FieldValueInvalid",
      "metadata.annotations.seccomp.security.alpha.kubernetes.io/pod FieldValueInvalid",
      "metadata.annotations[container.apparmor.security.beta.kubernetes.io/nope] FieldValueInvalid",
    ]);
  });
});

describe("ValidatePodUpdate (TestValidatePodUpdate)", () => {
  const update = (change: (s: Spec) => void, prior: (s: Spec) => void = () => {}) => {
    const old = pod(withSpec(prior));
    const now = pod(
      withSpec((s) => {
        prior(s);
        change(s);
      }),
    );
    return validatePod(now, old);
  };

  test("image change is allowed", () =>
    assert.deepEqual(
      update((s) => Object.assign(s.containers[0], { image: "bar:V2" })),
      [],
    ));
  test("activeDeadlineSeconds: set, lower; not raise, not unset, not negative", () => {
    assert.deepEqual(
      update((s) => Object.assign(s, { activeDeadlineSeconds: 30 })),
      [],
    );
    const prior = (s: Spec) => Object.assign(s, { activeDeadlineSeconds: 30 });
    assert.deepEqual(
      update((s) => Object.assign(s, { activeDeadlineSeconds: 10 }), prior),
      [],
    );
    assert.deepEqual(shape(update((s) => Object.assign(s, { activeDeadlineSeconds: 31 }), prior)), [
      "spec.activeDeadlineSeconds FieldValueInvalid",
    ]);
    assert.deepEqual(lines(update((s) => void delete s.activeDeadlineSeconds, prior)), [
      "spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value",
    ]);
    assert.deepEqual(lines(update((s) => Object.assign(s, { activeDeadlineSeconds: -1 }), prior)), [
      "spec.activeDeadlineSeconds: Invalid value: -1: must be between 1 and 2147483647, inclusive",
      "spec.activeDeadlineSeconds: Invalid value: -1: must be between 0 and 2147483647, inclusive",
    ]);
  });
  test("containers may not be added or removed", () => {
    assert.deepEqual(lines(update((s) => void s.containers.push(ctr({ name: "b" })))), [
      "spec.containers: Forbidden: pod updates may not add or remove containers",
    ]);
  });
  test("tolerations: additions and tolerationSeconds changes only", () => {
    const prior = (s: Spec) =>
      Object.assign(s, {
        tolerations: [{ key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: 10 }],
      });
    assert.deepEqual(
      update(
        (s) =>
          Object.assign(s, {
            tolerations: [
              { key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: 20 },
              { key: "j", operator: "Exists" },
            ],
          }),
        prior,
      ),
      [],
    );
    assert.deepEqual(shape(update((s) => Object.assign(s, { tolerations: [] }), prior)), [
      "spec.tolerations FieldValueForbidden",
    ]);
  });
  test("scheduling gates may only be removed", () => {
    const prior = (s: Spec) => Object.assign(s, { schedulingGates: [{ name: "foo" }] });
    assert.deepEqual(
      update((s) => Object.assign(s, { schedulingGates: [] }), prior),
      [],
    );
    assert.deepEqual(
      lines(update((s) => Object.assign(s, { schedulingGates: [{ name: "foo" }, { name: "bar" }] }), prior)),
      [
        "spec.schedulingGates[1].name: Forbidden: only deletion is allowed, but found new scheduling gate 'bar'",
      ],
    );
  });
  test("a gated pod may add nodeSelector entries and node affinity requirements", () => {
    const prior = (s: Spec) => {
      s.schedulingGates = [{ name: "foo" }];
      s.nodeSelector = { a: "1" };
    };
    assert.deepEqual(
      update((s) => Object.assign(s, { nodeSelector: { a: "1", b: "2" } }), prior),
      [],
    );
    assert.deepEqual(shape(update((s) => Object.assign(s, { nodeSelector: { a: "2" } }), prior)), [
      "spec.nodeSelector FieldValueInvalid",
    ]);
    assert.deepEqual(
      update(
        (s) =>
          Object.assign(s, {
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key: "k", operator: "Exists" }] }],
                },
              },
            },
          }),
        prior,
      ),
      [],
    );
  });
  test("terminationGracePeriodSeconds may go from negative to 1, nothing else", () => {
    const prior = (s: Spec) => Object.assign(s, { terminationGracePeriodSeconds: -1 });
    assert.deepEqual(
      update((s) => Object.assign(s, { terminationGracePeriodSeconds: 1 }), prior),
      [],
    );
    const [cause] = update((s) => Object.assign(s, { terminationGracePeriodSeconds: 2 }), prior);
    assert.equal(cause.field, "spec");
    assert.match(
      cause.message,
      /^Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`,/,
    );
    assert.match(
      cause.message,
      /\n- \tTerminationGracePeriodSeconds: -1,\n\+ \tTerminationGracePeriodSeconds: 2,\n/,
    );
  });
  test("the diff names what changed, in Go field names", () => {
    const [cause] = update((s) =>
      Object.assign(s.containers[0], { ports: [{ containerPort: 80, protocol: "TCP" }] }),
    );
    assert.ok(
      cause.message.endsWith(
        '\n  core.PodSpec{\n  \t... // 1 identical fields\n  \tContainers: {\n  \t\t{\n  \t\t\t... // 4 identical fields\n+ \t\t\tPorts: {{ContainerPort: 80, Protocol: "TCP"}},\n  \t\t},\n  \t},\n  \t... // 5 identical fields\n  }\n',
      ),
      cause.message,
    );
  });
});

describe("ValidatePodStatusUpdate (TestValidatePodStatusUpdate)", () => {
  const withStatus = (status: Json, specChange: (s: Spec) => void = () => {}) =>
    ({ ...pod(withSpec(specChange)), status }) as KubeObject;
  const status = (oldStatus: Json, newStatus: Json, specChange?: (s: Spec) => void) =>
    validatePod(withStatus(newStatus, specChange), withStatus(oldStatus, specChange), "status");

  test("conditions, nominatedNodeName, podIPs and hostIPs", () => {
    assert.deepEqual(
      status(
        { qosClass: "BestEffort" },
        {
          qosClass: "BestEffort",
          nominatedNodeName: "node1",
          conditions: [
            { type: "Ready", status: "True" },
            { type: "example.com/custom", status: "True" },
          ],
          podIPs: [{ ip: "10.0.0.1" }, { ip: "fd00::1" }],
          hostIP: "10.0.0.2",
          hostIPs: [{ ip: "10.0.0.2" }],
        },
      ),
      [],
    );
    assert.deepEqual(
      shape(
        status(
          { qosClass: "BestEffort" },
          {
            qosClass: "Guaranteed",
            nominatedNodeName: "Node_1",
            conditions: [{ type: "bad type", status: "True" }],
            podIPs: [{ ip: "10.0.0.1" }, { ip: "10.0.0.1" }],
            hostIP: "10.0.0.2",
            hostIPs: [{ ip: "10.0.0.3" }],
          },
        ),
      ),
      [
        "metadata.conditions[0].Type FieldValueInvalid",
        "status.nominatedNodeName FieldValueInvalid",
        "status.qosClass FieldValueInvalid",
        "status.podIPs FieldValueInvalid",
        "status.podIPs[1] FieldValueDuplicate",
        "status.hostIPs[0].ip FieldValueInvalid",
      ],
    );
  });

  test("allocatedResourcesStatus names the container's requests or claims", () => {
    const spec = (s: Spec) => {
      s.containers = [
        ctr({ resources: { requests: { "example.com/gpu": "1" }, limits: { "example.com/gpu": "1" } } }),
      ];
    };
    const allocated = (name: string, resources: Json[]) => ({
      containerStatuses: [{ name: "ctr", allocatedResourcesStatus: [{ name, resources }] }],
    });
    assert.deepEqual(
      status({}, allocated("example.com/gpu", [{ resourceID: "a", health: "Healthy" }]), spec),
      [],
    );
    assert.deepEqual(
      shape(
        status(
          {},
          allocated("claim:gpu", [
            { resourceID: "a", health: "Fine" },
            { resourceID: "a", health: "Unknown" },
          ]),
          spec,
        ),
      ),
      [
        "status.containerStatuses[0].allocatedResourcesStatus[0].name FieldValueInvalid",
        "status.containerStatuses[0].allocatedResourcesStatus[0].resources[0].health FieldValueNotSupported",
        "status.containerStatuses[0].allocatedResourcesStatus[0].resources[1].resourceID FieldValueDuplicate",
      ],
    );
  });

  test("terminated containers stay terminated unless the restart policy restarts them", () => {
    const before = { containerStatuses: [{ name: "ctr", state: { terminated: { exitCode: 1 } } }] };
    const after = { containerStatuses: [{ name: "ctr", state: { running: {} } }] };
    assert.deepEqual(status(before, after), []);
    assert.deepEqual(
      status(before, after, (s) => Object.assign(s, { restartPolicy: "OnFailure" })),
      [],
    );
    assert.deepEqual(lines(status(before, after, (s) => Object.assign(s, { restartPolicy: "Never" }))), [
      "status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state",
    ]);
    const sidecar = (s: Spec) => {
      s.restartPolicy = "Never";
      s.initContainers = [ctr({ name: "side", restartPolicy: "Always" })];
    };
    const init = (state: Json) => ({ initContainerStatuses: [{ name: "side", state }] });
    assert.deepEqual(status(init({ terminated: { exitCode: 0 } }), init({ running: {} }), sidecar), []);
  });
});

describe("ValidatePodEphemeralContainersUpdate", () => {
  const debug = {
    name: "debug",
    image: "busybox",
    imagePullPolicy: "IfNotPresent",
    terminationMessagePolicy: "File",
  };
  const withEphemeral = (list: Json[], annotations?: Json) =>
    pod(
      withSpec((s) => Object.assign(s, { ephemeralContainers: list })),
      annotations ? { annotations } : {},
    );

  test("adding one is allowed; changing, removing, or forbidden fields are not", () => {
    assert.deepEqual(validatePod(withEphemeral([debug]), withEphemeral([]), "ephemeralcontainers"), []);
    assert.deepEqual(lines(validatePod(withEphemeral([]), withEphemeral([debug]), "ephemeralcontainers")), [
      'spec.ephemeralContainers: Forbidden: existing ephemeral containers "debug" may not be removed\n',
    ]);
    const changed = validatePod(
      withEphemeral([{ ...debug, image: "alpine" }]),
      withEphemeral([debug]),
      "ephemeralcontainers",
    );
    assert.deepEqual(shape(changed), ["spec.ephemeralContainers FieldValueForbidden"]);
    assert.match(changed[0].message, /may not be changed\n {2}core.EphemeralContainer\{\n/);
    const bad = {
      ...debug,
      name: "ctr",
      ports: [{ containerPort: 80 }],
      targetContainerName: "nope",
      volumeMounts: [{ name: "vol", mountPath: "/v", subPath: "x" }],
    };
    assert.deepEqual(shape(validatePod(withEphemeral([bad]), withEphemeral([]), "ephemeralcontainers")), [
      "spec.ephemeralContainers[0].name FieldValueDuplicate",
      "spec.ephemeralContainers[0].targetContainerName FieldValueNotFound",
      "spec.ephemeralContainers[0].ports FieldValueForbidden",
      "spec.ephemeralContainers[0].volumeMounts[0].subPath FieldValueForbidden",
    ]);
  });

  test("static pods have none", () => {
    const mirror = { "kubernetes.io/config.mirror": "x" };
    assert.deepEqual(
      lines(validatePod(withEphemeral([debug], mirror), withEphemeral([], mirror), "ephemeralcontainers")),
      [": Forbidden: static pods do not support ephemeral containers"],
    );
  });
});

describe("ValidatePodBinding and ValidatePodTemplateSpec", () => {
  test("binding target", () => {
    assert.deepEqual(validatePodBinding({ target: { name: "foo" } }), []);
    assert.deepEqual(validatePodBinding({ target: { kind: "Node", name: "foo" } }), []);
    assert.deepEqual(lines(validatePodBinding({ target: { kind: "Pod" } })), [
      'target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"',
      "target.name: Required value",
    ]);
  });

  test("templates may leave a host-network hostPort unset and keep whitespace in images", () => {
    const spec = withSpec((s) => {
      s.hostNetwork = true;
      s.containers = [ctr({ image: " image", ports: [{ containerPort: 80, protocol: "TCP" }] })];
    });
    assert.deepEqual(
      validatePodTemplateSpec({ metadata: { labels: { a: "b" } }, spec }, "spec.template"),
      [],
    );
    assert.deepEqual(
      shape(
        validatePodTemplateSpec(
          { spec: { ...spec, ephemeralContainers: [{ name: "d", image: "i" }] } },
          "spec.template",
        ),
      ),
      ["spec.template.spec.ephemeralContainers FieldValueForbidden"],
    );
  });
});
