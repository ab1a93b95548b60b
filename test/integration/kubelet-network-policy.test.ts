// NetworkPolicy enforced on the Pod network (root on Linux, CNI bridge): real Pods in their own network
// namespaces, real policies through the API server. Connections start inside a client Pod's network
// namespace (nsenter, as its containers do), so they carry the Pod's address. A blocked connection times
// out (the rules DROP, as most CNI plugins do); an allowed one gets the server Pod's name back.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Pod, Service } from "kubernetes-types/core/v1.d.ts";
import type { NetworkPolicySpec } from "kubernetes-types/networking/v1.d.ts";
import { run } from "../../src/kubelet/network/host.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  createPod,
  NODE,
  networkSkipReason,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS_A = "np-a";
const NS_B = "np-b";

const skip = await networkSkipReason();

let c: RuntimeCluster;
const ip: Record<string, string> = {};
const uid: Record<string, string> = {};

/** A TCP server on each port of PORTS that writes the Pod's name and closes. */
const SERVER = `
const net = require("node:net");
for (const port of process.env.PORTS.split(",")) net.createServer((s) => s.end(process.env.POD_NAME)).listen(Number(port));
`;

/** Connects to HOST:PORT and prints "ok <reply>" ("ok connected" with a 3rd argument), "timeout" or "error <code>". */
const CONNECT = `
const [host, port, onlyConnect] = process.argv.slice(1);
const s = require("node:net").connect({ host, port: Number(port) });
if (onlyConnect) s.on("connect", () => { console.log("ok connected"); process.exit(0); });
let reply = "";
s.setTimeout(3000, () => { console.log("timeout"); process.exit(0); });
s.on("data", (d) => (reply += d));
s.on("end", () => { console.log("ok " + reply); process.exit(0); });
s.on("error", (e) => { console.log("error " + e.code); process.exit(0); });
`;

/** Resolves a cluster name at the cluster DNS (the gateway): "ok <addresses>" or "error <code>". */
const RESOLVE = `
const r = new (require("node:dns").promises.Resolver)({ timeout: 1500, tries: 1 });
r.setServers([process.argv[1]]);
r.resolve4("kubernetes.default.svc.cluster.local").then((a) => console.log("ok " + a), (e) => console.log("error " + e.code));
`;

const podName = { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } };

function pod(name: string, labels: Record<string, string>, script: string, ports: number[] = []): Pod {
  return {
    metadata: { name, labels },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "c",
          image: "c",
          command: [NODE, script],
          env: [podName, { name: "PORTS", value: ports.join(",") || "0" }],
          ports: ports.map((p, i) => ({ containerPort: p, name: i === 0 ? "http" : "alt" })),
        },
      ],
    },
  };
}

const netnsOf = (name: string) => `/run/netns/${c.runtime.network!.netnsPrefix}${uid[name]}`;

/** One connection from inside Pod `from`'s network namespace. */
async function connect(from: string, host: string, port: number, onlyConnect = false): Promise<string> {
  const argv = [NODE, "-e", CONNECT, host, String(port), ...(onlyConnect ? ["connect"] : [])];
  const out = await run(["nsenter", `--net=${netnsOf(from)}`, "--", ...argv]);
  return out.stdout.trim() || `failed: ${out.stderr}`;
}

/** Waits until the connection gives `want` ("ok web", "timeout"): rules follow a policy asynchronously. */
function expectConnection(from: string, host: string, port: number, want: string): Promise<unknown> {
  return eventually(
    async () => (await connect(from, host, port)) === want,
    60_000,
    `${from} → ${host}:${port} to give "${want}"`,
  );
}

async function createPolicy(namespace: string, name: string, spec: NetworkPolicySpec): Promise<void> {
  const r = await c.admin("POST", `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies`, {
    metadata: { name },
    spec,
  });
  assert.equal(r.status, 201, r.text);
}

async function deletePolicy(namespace: string, name: string): Promise<void> {
  const r = await c.admin(
    "DELETE",
    `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies/${name}`,
  );
  assert.equal(r.status, 200, r.text);
}

before(async () => {
  if (skip) return;
  c = await startRuntimeCluster({ allowHostCommands: true, network: true });
  for (const [name, team] of [
    [NS_A, "a"],
    [NS_B, "b"],
  ]) {
    const r = await c.admin("POST", "/api/v1/namespaces", { metadata: { name, labels: { team } } });
    assert.equal(r.status, 201, r.text);
    await eventually(
      async () => (await c.admin("GET", `/api/v1/namespaces/${name}/serviceaccounts/default`)).status === 200,
      10_000,
      `default ServiceAccount in ${name}`,
    );
  }
  const server = await c.script("np-server.cjs", SERVER);
  const idle = await c.script("np-idle.cjs", "setInterval(() => {}, 1000);");
  const pods: [string, string, Pod][] = [
    ["web", NS_A, pod("web", { app: "web" }, server, [9090, 9091])],
    ["client-a", NS_A, pod("client-a", { role: "client" }, idle)],
    ["other-a", NS_A, pod("other-a", {}, idle)],
    ["client-b", NS_B, pod("client-b", { role: "client" }, idle)],
  ];
  for (const [, ns, p] of pods) await createPod(c, ns, p);
  for (const [name, ns] of pods) {
    const p = await c.waitForPod(ns, name, (x) => x.status?.phase === "Running", "Running", 60_000);
    ip[name] = p.status!.podIP!;
    uid[name] = p.metadata!.uid!;
  }
  // Every client reaches the server before any policy exists.
  for (const client of ["client-a", "other-a", "client-b"])
    await expectConnection(client, ip.web, 9090, "ok web");
});
after(() => c?.stop());

test("deny-all ingress blocks every Pod (the node still reaches it); deleting the policy lets traffic flow again", {
  skip,
}, async () => {
  await createPolicy(NS_A, "deny-all", { podSelector: {}, policyTypes: ["Ingress"] });
  await expectConnection("client-b", ip.web, 9090, "timeout");
  assert.equal(await connect("client-a", ip.web, 9090), "timeout", "same namespace too");
  // Traffic from the Pod's node is always allowed (the docs' "Isolated and non-isolated Pods").
  const fromNode = await run([NODE, "-e", CONNECT, ip.web, "9090"]);
  assert.equal(fromNode.stdout.trim(), "ok web");
  await deletePolicy(NS_A, "deny-all");
  await expectConnection("client-b", ip.web, 9090, "ok web");
  assert.equal(await connect("client-a", ip.web, 9090), "ok web");
});

test("ingress from a podSelector: same-namespace Pods with the label only", { skip }, async () => {
  await createPolicy(NS_A, "from-clients", {
    podSelector: { matchLabels: { app: "web" } },
    ingress: [{ from: [{ podSelector: { matchLabels: { role: "client" } } }] }],
  });
  await expectConnection("other-a", ip.web, 9090, "timeout");
  assert.equal(await connect("client-a", ip.web, 9090), "ok web");
  assert.equal(
    await connect("client-b", ip.web, 9090),
    "timeout",
    "a podSelector alone is the policy's namespace",
  );
  await deletePolicy(NS_A, "from-clients");
});

test("ingress from a namespaceSelector, and from both selectors (AND)", { skip }, async () => {
  await createPolicy(NS_A, "from-team-b", {
    podSelector: { matchLabels: { app: "web" } },
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "b" } } }] }],
  });
  await expectConnection("client-a", ip.web, 9090, "timeout");
  assert.equal(await connect("client-b", ip.web, 9090), "ok web");
  await deletePolicy(NS_A, "from-team-b");

  await createPolicy(NS_A, "clients-in-a", {
    podSelector: { matchLabels: { app: "web" } },
    ingress: [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { team: "a" } },
            podSelector: { matchLabels: { role: "client" } },
          },
        ],
      },
    ],
  });
  await expectConnection("client-b", ip.web, 9090, "timeout");
  assert.equal(await connect("client-a", ip.web, 9090), "ok web");
  assert.equal(await connect("other-a", ip.web, 9090), "timeout");
  await deletePolicy(NS_A, "clients-in-a");
});

test("ingress from an ipBlock with except", { skip }, async () => {
  await createPolicy(NS_A, "from-block", {
    podSelector: { matchLabels: { app: "web" } },
    ingress: [
      { from: [{ ipBlock: { cidr: c.runtime.network!.podCIDR, except: [`${ip["client-a"]}/32`] } }] },
    ],
  });
  await expectConnection("client-a", ip.web, 9090, "timeout");
  assert.equal(await connect("other-a", ip.web, 9090), "ok web");
  assert.equal(await connect("client-b", ip.web, 9090), "ok web");
  await deletePolicy(NS_A, "from-block");
});

test("a named port resolves against the server Pod's container ports", { skip }, async () => {
  await createPolicy(NS_A, "alt-only", {
    podSelector: { matchLabels: { app: "web" } },
    ingress: [{ ports: [{ port: "alt" }] }],
  });
  await expectConnection("client-a", ip.web, 9090, "timeout");
  assert.equal(await connect("client-a", ip.web, 9091), "ok web");
  await deletePolicy(NS_A, "alt-only");
  await expectConnection("client-a", ip.web, 9090, "ok web");
});

test("egress isolation blocks the cluster DNS and the API server until policies allow them", {
  skip,
}, async () => {
  const gateway = c.runtime.network!.podCIDR.replace(/0\/\d+$/, "1");
  const resolve = async () =>
    (
      await run(["nsenter", `--net=${netnsOf("client-a")}`, "--", NODE, "-e", RESOLVE, gateway])
    ).stdout.trim();
  assert.equal(await resolve(), "ok 10.96.0.1", "DNS answers before any policy");
  await createPolicy(NS_A, "deny-egress", {
    podSelector: { matchLabels: { role: "client" } },
    policyTypes: ["Egress"],
  });
  await expectConnection("client-a", ip.web, 9090, "timeout");
  assert.match(await resolve(), /^error /, "DNS is blocked as on a cluster");
  await createPolicy(NS_A, "allow-dns", {
    podSelector: { matchLabels: { role: "client" } },
    policyTypes: ["Egress"],
    egress: [
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          },
        ],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
    ],
  });
  await eventually(async () => (await resolve()) === "ok 10.96.0.1", 60_000, "DNS allowed again");
  assert.equal(await connect("client-a", ip.web, 9090), "timeout", "other egress stays blocked");

  // The API server behind the kubernetes Service: its endpoint (after DNAT) is 127.0.0.1.
  assert.equal(await connect("client-a", "10.96.0.1", 443, true), "timeout");
  await createPolicy(NS_A, "allow-api", {
    podSelector: { matchLabels: { role: "client" } },
    policyTypes: ["Egress"],
    egress: [{ to: [{ ipBlock: { cidr: "127.0.0.1/32" } }] }],
  });
  await eventually(
    async () => (await connect("client-a", "10.96.0.1", 443, true)) === "ok connected",
    60_000,
    "the API server reachable with an ipBlock of its endpoint",
  );
  await deletePolicy(NS_A, "allow-api");
  await deletePolicy(NS_A, "deny-egress");
  await deletePolicy(NS_A, "allow-dns");
  await expectConnection("client-a", ip.web, 9090, "ok web");
});

test("Service traffic is judged after DNAT: ingress by the client Pod, egress by the backend Pod's port", {
  skip,
}, async () => {
  const svc = await c.admin("POST", `/api/v1/namespaces/${NS_A}/services`, {
    metadata: { name: "web" },
    spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 9090 }] },
  });
  assert.equal(svc.status, 201, svc.text);
  const clusterIP = (svc.json as Service).spec!.clusterIP!;
  await expectConnection("client-a", clusterIP, 80, "ok web");

  await createPolicy(NS_A, "from-clients", {
    podSelector: { matchLabels: { app: "web" } },
    ingress: [{ from: [{ podSelector: { matchLabels: { role: "client" } } }] }],
  });
  // The Service proxy masquerades: a rule in the backend's own namespace would see the node, not other-a.
  await expectConnection("other-a", clusterIP, 80, "timeout");
  assert.equal(await connect("client-a", clusterIP, 80), "ok web");
  await deletePolicy(NS_A, "from-clients");

  // Egress to the backend's port 9090 allows the Service's port 80 (the destination after DNAT).
  await createPolicy(NS_A, "to-web-9090", {
    podSelector: { matchLabels: { role: "client" } },
    policyTypes: ["Egress"],
    egress: [{ to: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: 9090 }] }],
  });
  await expectConnection("client-a", ip.web, 9091, "timeout");
  assert.equal(await connect("client-a", clusterIP, 80), "ok web");
  assert.equal(await connect("client-a", ip.web, 9090), "ok web");
  await deletePolicy(NS_A, "to-web-9090");
});

test("a deleted Pod's rules go with it, and the runtime's stop removes every policy chain", {
  skip,
}, async () => {
  const prefix = c.runtime.network!.chainPrefix.replace(/^INCL/, "INCLNP");
  await createPolicy(NS_A, "deny-other", {
    podSelector: { matchLabels: { app: "web" } },
    ingress: [{ from: [{ podSelector: { matchLabels: { role: "client" } } }] }],
  });
  await expectConnection("other-a", ip.web, 9090, "timeout");
  const dump = async () => (await run(["iptables-save", "-t", "filter"])).stdout;
  assert.ok((await dump()).includes(`-d ${ip.web}/32`), "web's ingress chain is dispatched");
  const deleted = await c.kubectl(["delete", "pod", "web", "-n", NS_A, "--wait=true"]);
  assert.equal(deleted.code, 0, deleted.stderr);
  await eventually(async () => !(await dump()).includes(`-d ${ip.web}/32`), 30_000, "web's rules removed");

  await c.runtime.stop();
  const left = await dump();
  assert.ok(!left.includes(prefix), `no ${prefix} chain or jump left:\n${left}`);
});
