import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod, Service } from "kubernetes-types/core/v1.d.ts";
import { kubernetesServiceEnv } from "../../../src/kubelet/env.ts";
import { envVariableName, podServiceEnv, serviceVariables } from "../../../src/kubelet/service-env.ts";

const service = (
  namespace: string,
  name: string,
  clusterIP: string,
  ports: NonNullable<Service["spec"]>["ports"],
): Service => ({
  metadata: { namespace, name },
  spec: { clusterIP, ports },
});

test("FromServices: host, first port, named ports and Docker link variables (envvars_test.go cases)", () => {
  const vars = serviceVariables(
    service("ns", "super-ipv6", "2001:db8::", [
      { name: "u-d-p", port: 8084, protocol: "UDP" },
      { name: "t-c-p", port: 8085, protocol: "TCP" },
    ]),
  );
  assert.deepEqual(vars, [
    ["SUPER_IPV6_SERVICE_HOST", "2001:db8::"],
    ["SUPER_IPV6_SERVICE_PORT", "8084"],
    ["SUPER_IPV6_SERVICE_PORT_U_D_P", "8084"],
    ["SUPER_IPV6_SERVICE_PORT_T_C_P", "8085"],
    ["SUPER_IPV6_PORT", "udp://[2001:db8::]:8084"],
    ["SUPER_IPV6_PORT_8084_UDP", "udp://[2001:db8::]:8084"],
    ["SUPER_IPV6_PORT_8084_UDP_PROTO", "udp"],
    ["SUPER_IPV6_PORT_8084_UDP_PORT", "8084"],
    ["SUPER_IPV6_PORT_8084_UDP_ADDR", "2001:db8::"],
    ["SUPER_IPV6_PORT_8085_TCP", "tcp://[2001:db8::]:8085"],
    ["SUPER_IPV6_PORT_8085_TCP_PROTO", "tcp"],
    ["SUPER_IPV6_PORT_8085_TCP_PORT", "8085"],
    ["SUPER_IPV6_PORT_8085_TCP_ADDR", "2001:db8::"],
  ]);
  // An unnamed first port has no _SERVICE_PORT_<NAME>; protocol defaults to TCP.
  assert.deepEqual(
    new Map(serviceVariables(service("ns", "foo-bar", "1.2.3.4", [{ port: 8080 }]))),
    new Map([
      ["FOO_BAR_SERVICE_HOST", "1.2.3.4"],
      ["FOO_BAR_SERVICE_PORT", "8080"],
      ["FOO_BAR_PORT", "tcp://1.2.3.4:8080"],
      ["FOO_BAR_PORT_8080_TCP", "tcp://1.2.3.4:8080"],
      ["FOO_BAR_PORT_8080_TCP_PROTO", "tcp"],
      ["FOO_BAR_PORT_8080_TCP_PORT", "8080"],
      ["FOO_BAR_PORT_8080_TCP_ADDR", "1.2.3.4"],
    ]),
  );
  assert.deepEqual(serviceVariables(service("ns", "headless", "None", [{ port: 80 }])), []);
  assert.deepEqual(serviceVariables(service("ns", "external", "", [{ port: 80 }])), []);
  assert.equal(envVariableName("my-svc-2"), "MY_SVC_2");
});

test("getServiceEnvVarMap: the Pod's namespace with links, the kubernetes Service always", () => {
  const master = kubernetesServiceEnv("10.96.0.1", 443);
  const pod = (namespace: string, enableServiceLinks?: boolean): Pod => ({
    metadata: { namespace, name: "p" },
    spec: { containers: [], ...(enableServiceLinks === undefined ? {} : { enableServiceLinks }) },
  });
  const inNs = [
    service("app", "web", "10.96.0.10", [{ port: 80 }]),
    service("app", "headless", "None", [{ port: 80 }]),
    service("other", "elsewhere", "10.96.0.11", [{ port: 81 }]),
  ];
  const env = podServiceEnv(pod("app"), inNs, master);
  assert.equal(env.get("WEB_SERVICE_HOST"), "10.96.0.10");
  assert.equal(env.get("KUBERNETES_SERVICE_HOST"), "10.96.0.1");
  assert.equal(env.has("HEADLESS_SERVICE_HOST"), false);
  assert.equal(env.has("ELSEWHERE_SERVICE_HOST"), false, "only the Pod's own namespace");

  const noLinks = podServiceEnv(pod("app", false), inNs, master);
  assert.deepEqual(noLinks, new Map(master));

  // A Service called "kubernetes" in the Pod's namespace replaces the master's variables (upstream's map
  // keeps the namespace's Service); in "default" the master Service is the runtime's own address.
  const shadow = [service("app", "kubernetes", "10.96.0.99", [{ name: "https", port: 8443 }])];
  const shadowed = podServiceEnv(pod("app"), shadow, master);
  assert.equal(shadowed.get("KUBERNETES_SERVICE_HOST"), "10.96.0.99");
  assert.equal(shadowed.has("KUBERNETES_PORT_443_TCP"), false);
  assert.equal(podServiceEnv(pod("app", false), shadow, master).get("KUBERNETES_SERVICE_HOST"), "10.96.0.1");
  const inDefault = podServiceEnv(
    pod("default"),
    [service("default", "kubernetes", "10.96.0.1", [{ name: "https", port: 443 }])],
    kubernetesServiceEnv("127.0.0.1", 6443),
  );
  assert.equal(inDefault.get("KUBERNETES_SERVICE_HOST"), "127.0.0.1");
  assert.equal(inDefault.get("KUBERNETES_SERVICE_PORT"), "6443");
});
