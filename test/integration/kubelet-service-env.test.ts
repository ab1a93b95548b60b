// Service links on the runtime, over the real API server: the kubelet's {SVC}_SERVICE_* and Docker link
// variables for the Services of the Pod's namespace, the `kubernetes` Service always, `enableServiceLinks:
// false`, container env winning, and $(VAR) expansion seeing them.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Service } from "kubernetes-types/core/v1.d.ts";
import { createNamespace, createPod, type RuntimeCluster, startRuntimeCluster } from "./kubelet-harness.ts";

const NS = "links";
const OTHER = "links-other";

let c: RuntimeCluster;
let web: Service;
before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
  await createNamespace(c, OTHER);
  const create = async (namespace: string, body: Service) => {
    const r = await c.admin("POST", `/api/v1/namespaces/${namespace}/services`, body);
    assert.equal(r.status, 201, r.text);
    return r.json as Service;
  };
  web = await create(NS, {
    metadata: { name: "web-front" },
    spec: {
      selector: { app: "web" },
      ports: [
        { name: "http", port: 80, targetPort: 8080 },
        { name: "dns", port: 53, protocol: "UDP" },
      ],
    },
  });
  await create(NS, {
    metadata: { name: "headless" },
    spec: { clusterIP: "None", selector: { a: "b" }, ports: [{ port: 81 }] },
  });
  await create(OTHER, {
    metadata: { name: "elsewhere" },
    spec: { selector: { a: "b" }, ports: [{ port: 82 }] },
  });
});
after(() => c.stop());

/**
 * A Pod's environment. As on a cluster, a Pod started before the runtime's watch delivered a new Service
 * lacks its variables; `expect` makes the container exit (and be restarted) until they are there, upstream's
 * advice for that race.
 */
async function envOf(
  name: string,
  expect: string,
  enableServiceLinks?: boolean,
): Promise<Map<string, string>> {
  await createPod(c, NS, {
    metadata: { name },
    spec: {
      restartPolicy: "OnFailure",
      ...(enableServiceLinks === undefined ? {} : { enableServiceLinks }),
      containers: [
        {
          name: "env",
          image: "busybox",
          command: ["sh", "-c", `[ -n "$${expect}" ] || exit 1; env | sort`],
          env: [
            { name: "WEB_FRONT_SERVICE_PORT_HTTP", value: "container wins" },
            { name: "URL", value: "http://$(WEB_FRONT_SERVICE_HOST):$(WEB_FRONT_SERVICE_PORT)/" },
          ],
        },
      ],
    },
  });
  await c.waitForPod(NS, name, (p) => p.status?.phase === "Succeeded", "Succeeded", 30_000);
  const r = await c.kubectl(["logs", name, "-n", NS]);
  assert.equal(r.code, 0, r.stderr);
  return new Map(
    r.stdout
      .trim()
      .split("\n")
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

test("every Service with a ClusterIP in the Pod's namespace becomes variables; container env wins", async () => {
  const ip = web.spec?.clusterIP ?? "";
  assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
  const env = await envOf("with-links", "WEB_FRONT_SERVICE_HOST");
  const expected: Record<string, string> = {
    WEB_FRONT_SERVICE_HOST: ip,
    WEB_FRONT_SERVICE_PORT: "80",
    WEB_FRONT_SERVICE_PORT_HTTP: "container wins",
    WEB_FRONT_SERVICE_PORT_DNS: "53",
    WEB_FRONT_PORT: `tcp://${ip}:80`,
    WEB_FRONT_PORT_80_TCP: `tcp://${ip}:80`,
    WEB_FRONT_PORT_80_TCP_PROTO: "tcp",
    WEB_FRONT_PORT_80_TCP_PORT: "80",
    WEB_FRONT_PORT_80_TCP_ADDR: ip,
    WEB_FRONT_PORT_53_UDP: `udp://${ip}:53`,
    WEB_FRONT_PORT_53_UDP_PROTO: "udp",
    WEB_FRONT_PORT_53_UDP_PORT: "53",
    WEB_FRONT_PORT_53_UDP_ADDR: ip,
    URL: `http://${ip}:80/`,
  };
  for (const [name, value] of Object.entries(expected)) assert.equal(env.get(name), value, name);
  assert.ok(env.get("KUBERNETES_SERVICE_HOST"), "the kubernetes Service is still there");
  const names = [...env.keys()];
  assert.deepEqual(
    names.filter((n) => n.startsWith("HEADLESS_") || n.startsWith("ELSEWHERE_")),
    [],
    "no headless Service, nothing from another namespace",
  );
});

test("enableServiceLinks: false keeps only the kubernetes Service's variables", async () => {
  const env = await envOf("without-links", "KUBERNETES_SERVICE_HOST", false);
  assert.ok(env.get("KUBERNETES_SERVICE_HOST"));
  assert.equal(env.get("WEB_FRONT_SERVICE_PORT_HTTP"), "container wins");
  assert.equal(env.has("WEB_FRONT_SERVICE_HOST"), false);
  assert.equal(env.has("WEB_FRONT_PORT"), false);
  // Without the variable, the reference stays as written (upstream's expansion).
  assert.equal(env.get("URL"), "http://$(WEB_FRONT_SERVICE_HOST):$(WEB_FRONT_SERVICE_PORT)/");
});
