import assert from "node:assert/strict";
import os from "node:os";
import { test } from "node:test";
import type { ConfigMap, Container, Pod, Secret } from "kubernetes-types/core/v1.d.ts";
import {
  containerEnv,
  expandArgs,
  expandVars,
  isEnvVarName,
  kubernetesServiceEnv,
} from "../../../src/kubelet/env.ts";

test("$(VAR) expansion follows upstream's expansion package", () => {
  const vars: Record<string, string> = { VAR_A: "A", VAR_B: "B", VAR_EMPTY: "" };
  const lookup = (name: string) => vars[name];
  const cases: [string, string][] = [
    ["$(VAR_A)", "A"],
    ["___$(VAR_B)___", "___B___"],
    ["$(VAR_A)-$(VAR_B)", "A-B"],
    ["$(VAR_EMPTY)", ""],
    ["$(UNKNOWN)", "$(UNKNOWN)"],
    ["$$(VAR_A)", "$(VAR_A)"],
    ["$$$(VAR_A)", "$A"],
    ["$(VAR_A", "$(VAR_A"],
    ["$VAR_A", "$VAR_A"],
    ["trailing $", "trailing $"],
    ["$()", "$()"],
  ];
  for (const [input, want] of cases) assert.equal(expandVars(input, lookup), want, input);
});

test("the kubernetes Service variables, with the real port in the names", () => {
  assert.deepEqual(Object.fromEntries(kubernetesServiceEnv("127.0.0.1", 6443)), {
    KUBERNETES_SERVICE_HOST: "127.0.0.1",
    KUBERNETES_SERVICE_PORT: "6443",
    KUBERNETES_SERVICE_PORT_HTTPS: "6443",
    KUBERNETES_PORT: "tcp://127.0.0.1:6443",
    KUBERNETES_PORT_6443_TCP: "tcp://127.0.0.1:6443",
    KUBERNETES_PORT_6443_TCP_PROTO: "tcp",
    KUBERNETES_PORT_6443_TCP_PORT: "6443",
    KUBERNETES_PORT_6443_TCP_ADDR: "127.0.0.1",
  });
  assert.equal(kubernetesServiceEnv("::1", 443).get("KUBERNETES_PORT"), "tcp://[::1]:443");
});

test("relaxed environment variable names: printable ASCII without '='", () => {
  assert.ok(isEnvVarName("FOO_BAR"));
  assert.ok(isEnvVarName("1st.key-x y"));
  assert.equal(isEnvVarName("a=b"), false);
  assert.equal(isEnvVarName(""), false);
  assert.equal(isEnvVarName("tab\t"), false);
});

const pod: Pod = {
  metadata: { name: "p", namespace: "ns", uid: "u", labels: { app: "x" }, annotations: { note: "n" } },
  spec: { nodeName: "local", serviceAccountName: "sa", containers: [] },
  status: { podIP: "127.0.1.7", hostIP: "127.0.0.1" },
};
const configMaps: Record<string, ConfigMap> = { cfg: { data: { A: "1", B: "2", "bad=key": "x" } } };
const secrets: Record<string, Secret> = { sec: { data: { PW: Buffer.from("s3cret").toString("base64") } } };
const objects = {
  configMap: (ns: string, name: string) => (ns === "ns" ? configMaps[name] : undefined),
  secret: (ns: string, name: string) => (ns === "ns" ? secrets[name] : undefined),
};
const service = kubernetesServiceEnv("127.0.0.1", 6443);

test("envFrom, then env (overriding, expanding, resolving valueFrom), then service variables", () => {
  const container: Container = {
    name: "c",
    envFrom: [{ configMapRef: { name: "cfg" }, prefix: "CM_" }, { secretRef: { name: "sec" } }],
    env: [
      { name: "NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: "NOTE", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
      { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "CM_A", value: "override $(NAME) $(CM_B) $(KUBERNETES_SERVICE_PORT)" },
      { name: "KUBERNETES_SERVICE_HOST", value: "mine" },
      { name: "KEY", valueFrom: { configMapKeyRef: { name: "cfg", key: "B" } } },
      { name: "OPTIONAL", valueFrom: { configMapKeyRef: { name: "cfg", key: "nope", optional: true } } },
      { name: "LIMIT", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
      { name: "EMPTY" },
    ],
  };
  const result = containerEnv(pod, container, objects, service);
  assert.ok(result.ok);
  const env = Object.fromEntries(result.env);
  assert.equal(env.CM_A, "override p 2 6443");
  assert.equal(env.CM_B, "2");
  assert.equal(env.PW, "s3cret");
  assert.equal(env.NAME, "p");
  assert.equal(env.APP, "x");
  assert.equal(env.NOTE, "n");
  assert.equal(env.IP, "127.0.1.7");
  assert.equal(env.KEY, "2");
  assert.equal(env.KUBERNETES_SERVICE_HOST, "mine", "the container's own definition wins");
  assert.equal(env.KUBERNETES_SERVICE_PORT, "6443");
  assert.equal(env.EMPTY, "");
  assert.equal("OPTIONAL" in env, false);
  assert.equal(env.LIMIT, String(os.availableParallelism()), "an unset limit is the node's allocatable");
  assert.equal("CM_bad=key" in env, false);
  assert.equal(result.warnings.length, 1);
  assert.equal(result.warnings[0].reason, "InvalidEnvironmentVariableNames");
  assert.equal(
    result.warnings[0].message,
    "Keys [CM_bad=key] from the EnvFrom configMap ns/cfg were skipped since they are considered invalid environment variable names.",
  );
  assert.deepEqual(expandArgs(["$(NAME)", "$$(NAME)", "$(NOPE)"], result.env), ["p", "$(NAME)", "$(NOPE)"]);
});

test("missing references fail with the kubelet's messages unless optional", () => {
  const fail = (container: Partial<Container>) => {
    const result = containerEnv(pod, { name: "c", ...container }, objects, service);
    assert.equal(result.ok, false);
    return (result as { message: string }).message;
  };
  assert.equal(fail({ envFrom: [{ configMapRef: { name: "gone" } }] }), 'configmap "gone" not found');
  assert.equal(fail({ envFrom: [{ secretRef: { name: "gone" } }] }), 'secret "gone" not found');
  assert.equal(
    fail({ env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "cfg", key: "Z" } } }] }),
    "couldn't find key Z in ConfigMap ns/cfg",
  );
  assert.equal(
    fail({ env: [{ name: "X", valueFrom: { secretKeyRef: { name: "sec", key: "Z" } } }] }),
    "couldn't find key Z in Secret ns/sec",
  );
  assert.equal(
    fail({ env: [{ name: "X", valueFrom: { fieldRef: { fieldPath: "spec.bogus" } } }] }),
    "unsupported fieldPath: spec.bogus",
  );
  const optional = containerEnv(
    pod,
    { name: "c", envFrom: [{ configMapRef: { name: "gone", optional: true } }] },
    objects,
    service,
  );
  assert.equal(optional.ok, true);
});
