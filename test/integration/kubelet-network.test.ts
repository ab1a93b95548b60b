// Pods with their own network namespace (root on Linux, CNI bridge + host-local): two Pods both listen on
// 0.0.0.0:9090 and each answers on its own Pod IP; containers of one Pod share localhost; the API server
// answers at the `kubernetes` Service's ClusterIP with the Pod's token; a Service's ClusterIP balances over
// its ready Pods; a deleted Pod's IP answers no more; a Service never leads to the host's loopback; and
// the runtime's stop leaves no namespace, veth, lease, bridge or iptables chain behind.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Pod, Service } from "kubernetes-types/core/v1.d.ts";
import { listNetns, run } from "../../src/kubelet/network/host.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  createNamespace,
  createPod,
  NODE,
  networkSkipReason,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "net";

const skip = await networkSkipReason();

let c: RuntimeCluster;
before(async () => {
  if (skip) return;
  c = await startRuntimeCluster({ allowHostCommands: true, network: true });
  await createNamespace(c, NS);
});
after(() => c?.stop());

const SERVER = `
const name = process.env.POD_NAME;
require("node:http").createServer((req, res) => res.end(name + " " + (req.url ?? ""))).listen(Number(process.env.PORT ?? 9090), process.env.BIND ?? "0.0.0.0");
`;

function get(url: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(body));
    });
    req.on("timeout", () => req.destroy(new Error(`timeout reaching ${url}`)));
    req.on("error", reject);
  });
}

const podName = { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } };

function serverPod(name: string, script: string): Pod {
  return {
    metadata: { name, labels: { app: "web" } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "web",
          image: "web",
          command: [NODE, script],
          env: [podName],
          ports: [{ containerPort: 9090 }],
          readinessProbe: { httpGet: { path: "/", port: 9090 }, periodSeconds: 1 },
        },
      ],
    },
  };
}

const running = (p: Pod) =>
  p.status?.phase === "Running" && Boolean(p.status.containerStatuses?.every((s) => s.ready));

const inCIDR = (ip: string, cidr: string) => {
  const [net] = cidr.split("/");
  return ip.split(".").slice(0, 3).join(".") === net.split(".").slice(0, 3).join(".");
};

test("Pods listening on the same port each answer on their own Pod IP; Services balance; deletion frees the IP", {
  skip,
}, async () => {
  const network = c.runtime.network;
  assert.ok(network, "the runtime gave Pods their own network");
  const script = await c.script("server.cjs", SERVER);
  await createPod(c, NS, serverPod("a", script));
  await createPod(c, NS, serverPod("b", script));
  const a = await c.waitForPod(NS, "a", running, "Running and Ready", 30_000);
  const b = await c.waitForPod(NS, "b", running, "Running and Ready", 30_000);
  const ipA = a.status!.podIP!;
  const ipB = b.status!.podIP!;
  assert.notEqual(ipA, ipB);
  for (const ip of [ipA, ipB]) assert.ok(inCIDR(ip, network.podCIDR), `${ip} lies in ${network.podCIDR}`);
  assert.deepEqual(a.status?.podIPs, [{ ip: ipA }]);
  assert.equal(await get(`http://${ipA}:9090/x`), "a /x");
  assert.equal(await get(`http://${ipB}:9090/x`), "b /x");
  assert.equal(a.status?.containerStatuses?.[0].restartCount, 0, "no port conflict, no restart");

  // A Service over both: its ClusterIP from inside a Pod reaches both, at random.
  const svc = await c.admin("POST", `/api/v1/namespaces/${NS}/services`, {
    metadata: { name: "web" },
    spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 9090 }] },
  });
  assert.equal(svc.status, 201, svc.text);
  const clusterIP = (svc.json as Service).spec!.clusterIP!;
  const client = await c.script(
    "client.cjs",
    `
const http = require("node:http");
const seen = new Map();
let left = 40;
const once = () => http.get("http://${clusterIP}:80/", { agent: false }, (res) => {
  let body = ""; res.on("data", (d) => (body += d));
  res.on("end", () => { seen.set(body, (seen.get(body) ?? 0) + 1); if (--left > 0) once(); else { console.log(JSON.stringify([...seen.keys()].sort())); } });
}).on("error", (e) => { console.log("error " + e.message); setTimeout(once, 200); });
once();
setInterval(() => {}, 1000);
`,
  );
  await createPod(c, NS, {
    metadata: { name: "client" },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "c", image: "c", command: [NODE, client] }],
    },
  });
  const balanced = await eventually(
    async () => {
      const logs = (await c.kubectl(["logs", "client", "-n", NS])).stdout;
      return logs.includes("[") && logs;
    },
    30_000,
    "the client's summary",
  );
  assert.match(balanced, /\["a \/","b \/"\]/, `both Pods answered through the ClusterIP: ${balanced}`);

  // Deleting a Pod tears its network down before the object is gone.
  const deleted = await c.kubectl(["delete", "pod", "a", "-n", NS, "--wait=true"]);
  assert.equal(deleted.code, 0, deleted.stderr);
  await assert.rejects(get(`http://${ipA}:9090/`, 1000), "the deleted Pod's IP answers no more");
  assert.equal(await get(`http://${ipB}:9090/y`), "b /y");
  assert.ok(!listNetns(`${network.netnsPrefix}${a.metadata!.uid}`).length, "its namespace is gone");
});

test("containers of one Pod share localhost; the API server answers at the kubernetes ClusterIP", {
  skip,
}, async () => {
  const server = await c.script("local.cjs", SERVER);
  const caller = await c.script(
    "caller.cjs",
    `
const http = require("node:http"), https = require("node:https"), fs = require("node:fs");
const sa = "/var/run/secrets/kubernetes.io/serviceaccount";
const report = (k, v) => console.log(k + "=" + v);
report("host", process.env.KUBERNETES_SERVICE_HOST + ":" + process.env.KUBERNETES_SERVICE_PORT);
const local = () => http.get("http://127.0.0.1:8080/local", (res) => {
  let b = ""; res.on("data", (d) => (b += d)); res.on("end", () => report("local", b));
}).on("error", () => setTimeout(local, 200));
local();
https.get({
  host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT,
  path: "/api/v1/namespaces/${NS}/pods/shared", ca: fs.readFileSync(sa + "/ca.crt"),
  headers: { authorization: "Bearer " + fs.readFileSync(sa + "/token", "utf8") },
}, (res) => report("api", res.statusCode)).on("error", (e) => report("api", e.message));
setInterval(() => {}, 1000);
`,
  );
  await c.admin("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
    metadata: { name: "view" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    subjects: [{ kind: "ServiceAccount", name: "default", namespace: NS }],
  });
  await createPod(c, NS, {
    metadata: { name: "shared" },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "server",
          image: "s",
          command: [NODE, server],
          env: [podName, { name: "PORT", value: "8080" }, { name: "BIND", value: "127.0.0.1" }],
        },
        { name: "caller", image: "c", command: [NODE, caller] },
      ],
    },
  });
  const logs = await eventually(
    async () => {
      const out = (await c.kubectl(["logs", "shared", "-c", "caller", "-n", NS])).stdout;
      return /local=/.test(out) && /api=/.test(out) && out;
    },
    30_000,
    "the caller's report",
  );
  assert.match(
    logs,
    /host=10\.96\.0\.1:443/,
    "KUBERNETES_SERVICE_HOST is the kubernetes Service's ClusterIP",
  );
  assert.match(logs, /local=shared \/local/, "the other container answered on localhost");
  assert.match(logs, /api=200/, "the API server answered the Pod's token at the ClusterIP");
  // 127.0.0.1:8080 inside the Pod is not the host's.
  await assert.rejects(get("http://127.0.0.1:8080/", 500));
});

test("cluster DNS: Service names, search domains, headless Services; resolv.conf by dnsPolicy", {
  skip,
}, async () => {
  for (const spec of [
    { name: "web-dns", spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 9090 }] } },
    { name: "headless", spec: { clusterIP: "None", selector: { app: "web" }, ports: [{ port: 9090 }] } },
  ]) {
    const r = await c.admin("POST", `/api/v1/namespaces/${NS}/services`, {
      metadata: { name: spec.name },
      spec: spec.spec,
    });
    assert.equal(r.status, 201, r.text);
  }
  const web = (await c.admin("GET", `/api/v1/namespaces/${NS}/services/web-dns`)).json as Service;
  const b = await c.pod(NS, "b");
  const names = [
    "web-dns.net.svc.cluster.local",
    "web-dns",
    "web-dns.net",
    "kubernetes.default.svc",
    "kubernetes.default",
    "headless",
    "nope",
  ];
  const script = await c.script(
    "lookup.cjs",
    `
const dns = require("node:dns").promises, fs = require("node:fs");
(async () => {
  const out = { resolv: fs.readFileSync("/etc/resolv.conf", "utf8") };
  for (const name of process.env.ONLY_RESOLV ? [] : ${JSON.stringify(names)}) {
    try { out[name] = (await dns.lookup(name, { all: true, family: 4 })).map((a) => a.address).sort(); }
    catch (e) { out[name] = e.code; }
  }
  console.log(JSON.stringify(out));
})();
`,
  );
  const lookupPod = (name: string, extra: Partial<NonNullable<Pod["spec"]>>, onlyResolv = false): Pod => ({
    metadata: { name },
    spec: {
      restartPolicy: "Never",
      containers: [
        {
          name: "c",
          image: "c",
          command: [NODE, script],
          env: onlyResolv ? [{ name: "ONLY_RESOLV", value: "1" }] : [],
        },
      ],
      ...extra,
    },
  });
  await createPod(c, NS, lookupPod("lookup", {}));
  await createPod(
    c,
    NS,
    lookupPod(
      "custom",
      {
        dnsPolicy: "None",
        dnsConfig: {
          nameservers: ["192.0.2.53"],
          searches: ["example.test"],
          options: [{ name: "ndots", value: "2" }, { name: "edns0" }],
        },
      },
      true,
    ),
  );
  const result = async (name: string) => {
    await c.waitForPod(NS, name, (p) => p.status?.phase === "Succeeded", "Succeeded", 30_000);
    return JSON.parse((await c.kubectl(["logs", name, "-n", NS])).stdout) as Record<string, unknown>;
  };
  const got = await result("lookup");
  const gateway = c.runtime.network!.podCIDR.replace(/0\/\d+$/, "1");
  assert.equal(
    got.resolv,
    `search ${NS}.svc.cluster.local svc.cluster.local cluster.local\nnameserver ${gateway}\noptions ndots:5\n`,
  );
  for (const name of ["web-dns.net.svc.cluster.local", "web-dns", "web-dns.net"])
    assert.deepEqual(got[name], [web.spec!.clusterIP], name);
  for (const name of ["kubernetes.default.svc", "kubernetes.default"])
    assert.deepEqual(got[name], ["10.96.0.1"], name);
  assert.deepEqual(got.headless, [b!.status!.podIP], "a headless Service resolves to its ready Pods");
  assert.equal(got.nope, "ENOTFOUND");
  const custom = await result("custom");
  assert.equal(custom.resolv, "search example.test\nnameserver 192.0.2.53\noptions ndots:2 edns0\n");
});

test("a hostPort reaches the Pod through the portmap plugin", { skip }, async () => {
  const script = await c.script("hostport.cjs", SERVER);
  const hostPort = 20_000 + (process.pid % 20_000);
  const pod = serverPod("hp", script);
  pod.metadata!.labels = { app: "hostport" };
  pod.spec!.containers[0].ports = [{ containerPort: 9090, hostPort }];
  await createPod(c, NS, pod);
  await c.waitForPod(NS, "hp", running, "Running and Ready", 30_000);
  const hostIP = (
    await run(["sh", "-c", "ip -4 -o route get 192.0.2.1 | sed -n 's/.* src \\([0-9.]*\\).*/\\1/p'"])
  ).stdout.trim();
  assert.ok(hostIP, "the host has a non-loopback address");
  assert.equal(await get(`http://${hostIP}:${hostPort}/h`), "hp /h");

  // A neighbour on the network that routes this host's Pod CIDR through it: the hostPort answers, the
  // Pod IP itself does not (Pods are not exposed beyond this host). The neighbour is a namespace behind a
  // veth pair, named after this process so parallel test files do not collide.
  const pod2 = (await c.pod(NS, "hp"))!;
  const id = process.pid % 10_000;
  const [ns, hostEnd, peer] = [`incluster-nb-${id}`, `incl-nb${id}`, `incl-nbp${id}`];
  const net = `10.${200 + (id % 50)}.${Math.floor(id / 50) % 250}`;
  const sh = (cmd: string) => run(["sh", "-c", cmd]);
  try {
    const setup = await sh(
      [
        `ip netns add ${ns}`,
        `ip link add ${hostEnd} type veth peer name ${peer}`,
        `ip link set ${peer} netns ${ns}`,
        `ip addr add ${net}.1/30 dev ${hostEnd}`,
        `ip link set ${hostEnd} up`,
        `ip -n ${ns} addr add ${net}.2/30 dev ${peer}`,
        `ip -n ${ns} link set ${peer} up`,
        `ip -n ${ns} route add ${c.runtime.network!.podCIDR} via ${net}.1`,
        `ip -n ${ns} route add default via ${net}.1`,
      ].join(" && "),
    );
    assert.equal(setup.code, 0, setup.stderr);
    const fetchScript = `fetch(process.argv[1], { signal: AbortSignal.timeout(3000) }).then((r) => r.text()).then((t) => process.stdout.write(t), () => process.exit(1))`;
    const curl = (url: string) => run(["ip", "netns", "exec", ns, NODE, "-e", fetchScript, url]);
    const viaHostPort = await curl(`http://${net}.1:${hostPort}/n`);
    assert.equal(viaHostPort.stdout, "hp /n", `the hostPort answers the neighbour: ${viaHostPort.stderr}`);
    const direct = await curl(`http://${pod2.status!.podIP}:9090/`);
    assert.notEqual(direct.code, 0, `the Pod IP must not answer the neighbour: ${direct.stdout}`);
  } finally {
    await sh(`ip link delete ${hostEnd} 2>/dev/null; ip netns delete ${ns} 2>/dev/null`);
  }
});

test("hostNetwork Pods keep the host's network and address", { skip }, async () => {
  const script = await c.script("sleep.cjs", "setInterval(() => {}, 1000);");
  await createPod(c, NS, {
    metadata: { name: "host" },
    spec: {
      hostNetwork: true,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "c", image: "c", command: [NODE, script] }],
    },
  });
  const pod = await c.waitForPod(NS, "host", running, "Running", 30_000);
  assert.equal(pod.status?.podIP, "127.0.0.1");
  assert.equal(listNetns(`${c.runtime.network!.netnsPrefix}${pod.metadata!.uid}`).length, 0);

  // ClusterFirstWithHostNet: the host's network, the cluster's DNS.
  const resolv = await c.script(
    "resolv.cjs",
    `console.log(require("node:fs").readFileSync("/etc/resolv.conf", "utf8"));`,
  );
  await createPod(c, NS, {
    metadata: { name: "host-dns" },
    spec: {
      hostNetwork: true,
      dnsPolicy: "ClusterFirstWithHostNet",
      restartPolicy: "Never",
      containers: [{ name: "c", image: "c", command: [NODE, resolv] }],
    },
  });
  await c.waitForPod(NS, "host-dns", (p) => p.status?.phase === "Succeeded", "Succeeded", 30_000);
  const text = (await c.kubectl(["logs", "host-dns", "-n", NS])).stdout;
  const gateway = c.runtime.network!.podCIDR.replace(/0\/\d+$/, "1");
  assert.match(
    text,
    new RegExp(`^search ${NS}\\.svc\\.cluster\\.local svc\\.cluster\\.local cluster\\.local`),
  );
  assert.match(text, new RegExp(`\\nnameserver ${gateway.replaceAll(".", "\\.")}\\noptions ndots:5\\n`));
});

test("a Service whose EndpointSlice points at the host's loopback does not reach it from a Pod", {
  skip,
}, async () => {
  // A host service on 127.0.0.1 only (what the loopback firewall protects), and a selector-less Service
  // whose hand-written slice points at it: the proxy must not DNAT there (route_localnet is on).
  const host = http.createServer((_req, res) => res.end("host loopback"));
  await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve));
  const port = (host.address() as { port: number }).port;
  try {
    const svc = await c.admin("POST", `/api/v1/namespaces/${NS}/services`, {
      metadata: { name: "loop" },
      spec: { ports: [{ name: "http", port: 80, targetPort: port }] },
    });
    assert.equal(svc.status, 201, svc.text);
    const slice = await c.admin("POST", `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`, {
      metadata: { name: "loop-1", labels: { "kubernetes.io/service-name": "loop" } },
      addressType: "IPv4",
      ports: [{ name: "http", port, protocol: "TCP" }],
      endpoints: [{ addresses: ["127.0.0.1"], conditions: { ready: true } }],
    });
    assert.equal(slice.status, 201, slice.text);
    assert.equal(await get(`http://127.0.0.1:${port}/`), "host loopback", "the host reaches it itself");
    const clusterIP = (svc.json as Service).spec!.clusterIP!;
    const probe = await c.script(
      "loop-probe.cjs",
      `
const http = require("node:http");
let left = 10;
const once = () => http.get("http://${clusterIP}:80/", { agent: false, timeout: 1000 }, (res) => {
  let body = ""; res.on("data", (d) => (body += d));
  res.on("end", () => console.log("reached: " + body));
}).on("timeout", function () { this.destroy(new Error("timeout")); })
  .on("error", (e) => { if (--left > 0) setTimeout(once, 300); else console.log("not reached: " + e.message); });
setTimeout(once, 1000); // after the proxy programmed the Service
setInterval(() => {}, 1000);
`,
    );
    await createPod(c, NS, {
      metadata: { name: "loop-probe" },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: "c", image: "c", command: [NODE, probe] }],
      },
    });
    const verdict = await eventually(
      async () => {
        const logs = (await c.kubectl(["logs", "loop-probe", "-n", NS])).stdout;
        return /reached/.test(logs) && logs;
      },
      60_000,
      "the probe's verdict",
    );
    assert.match(verdict, /^not reached: /m, verdict);
  } finally {
    host.close();
  }
});

test("stopping the runtime removes every namespace, veth, lease, the bridge and the chains", {
  skip,
}, async () => {
  const network = c.runtime.network!;
  assert.ok(listNetns(network.netnsPrefix).length > 0, "Pods are running with namespaces");
  await c.runtime.stop();
  assert.deepEqual(listNetns(network.netnsPrefix), []);
  assert.ok(!existsSync(`/sys/class/net/${network.bridge}`), "the bridge is gone (and its veths with it)");
  const leases = await readdir(path.join(c.dataDir, "network", "ipam", network.network)).catch(() => []);
  assert.deepEqual(
    leases.filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)),
    [],
    "no host-local lease is left",
  );
  for (const table of ["nat", "filter"]) {
    const dump = (await run(["iptables-save", "-t", table])).stdout;
    assert.ok(
      !dump.includes(network.chainPrefix),
      `no ${network.chainPrefix} chain or jump left in ${table}`,
    );
    assert.ok(!dump.includes(`"name: \\"${network.network}\\"`), `no CNI rule of ${network.network} left`);
  }
});
