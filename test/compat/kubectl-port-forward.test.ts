// `kubectl port-forward` with every kubectl the machine has (1.27 … 1.33 over SPDY, ≥ 1.31 through the
// websocket tunnel, and /usr/bin/kubectl) against the local server and its pod runtime: to a Pod, and to a
// Service and a Deployment (which kubectl resolves to a Pod and its container port client-side); a refused
// port is reported with the kubelet's text. And the client libraries' websocket port-forward
// (v4.channel.k8s.io): @kubernetes/client-node's PortForward and Debian's python3-kubernetes.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { PassThrough } from "node:stream";
import { after, before, test } from "node:test";
import { KubeConfig, PortForward } from "@kubernetes/client-node";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { eventually } from "../helpers/cluster.ts";
import { portForward, WEB_SERVER_SOURCE, webPod } from "../helpers/port-forward.ts";
import {
  createNamespace,
  NODE,
  type RuntimeCluster,
  startRuntimeCluster,
} from "../integration/kubelet-harness.ts";

const GCLOUD_BIN = "/usr/lib/google-cloud-sdk/bin";
const KUBECTLS = [
  ...[27, 28, 29, 30, 31, 32, 33].map((minor) => `${GCLOUD_BIN}/kubectl.1.${minor}`),
  "/usr/bin/kubectl",
].filter((k) => existsSync(k));
const NS = "pfc";

let c: RuntimeCluster;
let pod: Pod;

before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true, network: false });
  await createNamespace(c, NS);
  const script = await c.script("web.cjs", WEB_SERVER_SOURCE);
  const template = webPod("web", NODE, script);
  template.spec!.containers[0]!.ports = [{ name: "http", containerPort: 8080 }];
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: template.spec },
    },
  };
  assert.equal((await c.admin("POST", `/apis/apps/v1/namespaces/${NS}/deployments`, deployment)).status, 201);
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: NS },
    spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: "http" }] },
  };
  assert.equal((await c.admin("POST", `/api/v1/namespaces/${NS}/services`, service)).status, 201);
  pod = await eventually(
    async () => {
      const list = (await c.admin("GET", `/api/v1/namespaces/${NS}/pods`)).json;
      return (list.items as Pod[]).find(
        (p) =>
          p.status?.phase === "Running" &&
          p.status.conditions?.some((x) => x.type === "Ready" && x.status === "True"),
      );
    },
    30_000,
    "the Deployment's Pod Ready",
  );
  await eventually(
    async () => (await fetch(`http://${pod.status!.podIP}:8080/hello`).catch(() => undefined))?.ok,
    10_000,
    "the Pod serving",
  );
});
after(() => c.stop());

/** kubectl ≥ 1.31 dials through the websocket tunnel first (PORT_FORWARD_WEBSOCKETS). */
function tunnels(kubectl: string): boolean {
  const minor = /kubectl\.1\.(\d+)$/.exec(kubectl)?.[1];
  return minor === undefined || Number(minor) >= 31;
}

const CASES: { target: (pod: Pod) => string; ports: number[]; containerPorts: number[] }[] = [
  { target: (p) => `pod/${p.metadata!.name}`, ports: [8080, 9], containerPorts: [8080, 9] },
  { target: () => "svc/web", ports: [80], containerPorts: [8080] },
  { target: () => "deploy/web", ports: [8080], containerPorts: [8080] },
];

for (const kubectl of KUBECTLS) {
  const version = kubectl.split("/").pop();
  test(`${version}: pod/, svc/ and deploy/ forward to the Pod; a refused port is reported`, async () => {
    const hello = `hello from ${pod.status!.podIP}`;
    for (const { target, ports, containerPorts } of CASES) {
      const args = ["-n", NS, target(pod), "-v=4"];
      const pf = await portForward(kubectl, c.kubeconfigPath, c.dir, args, ports, containerPorts);
      try {
        const body = await (await fetch(`http://127.0.0.1:${pf.local.get(8080)}/hello`)).text();
        assert.equal(body, hello, `${target(pod)} answers`);
        if (tunnels(kubectl)) {
          assert.match(
            pf.output(),
            /negotiated protocol: portforward\.k8s\.io/,
            "the websocket tunnel is used",
          );
          assert.doesNotMatch(pf.output(), /fallback to secondary dialer/);
        } else assert.doesNotMatch(pf.output(), /tunneling_dialer/);
        if (ports.includes(9)) {
          await fetch(`http://127.0.0.1:${pf.local.get(9)}/`).catch(() => undefined);
          const said = await eventually(
            async () => /error forwarding port 9/.test(pf.output()) && pf.output(),
            10_000,
            "the refused port's error",
          );
          assert.match(
            said,
            new RegExp(
              `an error occurred forwarding \\d+ -> 9: error forwarding port 9 to pod ${pod.metadata!.uid}, uid : ` +
                `dial tcp ${pod.status!.podIP!.replaceAll(".", "\\.")}:9: connect: connection refused`,
            ),
          );
        }
      } finally {
        await pf.stop();
      }
    }
  });
}

test("@kubernetes/client-node PortForward (websocket v4.channel.k8s.io) reaches the Pod", async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(c.kubeconfigPath);
  const forward = new PortForward(kc);
  const run = async (port: number) => {
    const output = new PassThrough();
    const errors = new PassThrough();
    const input = new PassThrough();
    let out = "";
    let err = "";
    output.on("data", (d) => (out += d));
    errors.on("data", (d) => (err += d));
    const ws = (await forward.portForward(NS, pod.metadata!.name!, [port], output, errors, input)) as {
      once(event: "close", listener: () => void): void;
    };
    const closed = new Promise<void>((resolve) => ws.once("close", resolve));
    input.write("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await closed;
    return { out, err };
  };
  const ok = await run(8080);
  assert.match(
    ok.out,
    new RegExp(`^HTTP/1\\.1 200 OK[\\s\\S]*hello from ${pod.status!.podIP!.replaceAll(".", "\\.")}$`),
  );
  const refused = await run(9);
  assert.equal(
    refused.err,
    `error forwarding port 9 to pod ${pod.metadata!.uid}, uid : dial tcp ${pod.status!.podIP}:9: connect: connection refused`,
  );
});

const PYTHON_PORT_FORWARD = `
import json, sys, time
from kubernetes import client, config
from kubernetes.stream import portforward
config.load_kube_config(config_file=sys.argv[1])
api = client.CoreV1Api()
pf = portforward(api.connect_get_namespaced_pod_portforward, sys.argv[3], sys.argv[2], ports="8080,9")
s = pf.socket(8080)
s.setblocking(True)
s.sendall(b"GET /hello HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
deadline = time.time() + 10
while pf.error(9) is None and time.time() < deadline:
    time.sleep(0.05)
print(json.dumps({"data": data.decode(), "error": pf.error(9)}))
`;

test("python3-kubernetes portforward (websocket v4.channel.k8s.io): data and a refused port's error", async () => {
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      "/usr/bin/python3",
      ["-c", PYTHON_PORT_FORWARD, c.kubeconfigPath, NS, pod.metadata!.name!],
      { timeout: 60_000, env: { PATH: "/usr/bin:/bin", HOME: c.dir } },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
  const result = JSON.parse(out) as { data: string; error: string | null };
  assert.match(
    result.data,
    new RegExp(`^HTTP/1\\.1 200 OK[\\s\\S]*hello from ${pod.status!.podIP!.replaceAll(".", "\\.")}$`),
  );
  assert.equal(
    result.error,
    `error forwarding port 9 to pod ${pod.metadata!.uid}, uid : dial tcp ${pod.status!.podIP}:9: connect: connection refused`,
  );
});
