// pods/portforward against the real server and runtime (Pods in the host's network, loopback Pod IPs):
// the answers before an upgrade (Status bodies, the kubelet's texts), authorization of the websocket GET,
// and kubectl forwarding over SPDY and over the websocket tunnel, with a refused port reported.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import tls from "node:tls";
import { WebSocket } from "ws";
import { eventually } from "../helpers/cluster.ts";
import { portForward, WEB_SERVER_SOURCE, webPod } from "../helpers/port-forward.ts";
import {
  createNamespace,
  createPod,
  NODE,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "pf";
const KUBECTL_SPDY = "/usr/lib/google-cloud-sdk/bin/kubectl.1.29"; // before the websocket tunnel (1.31)
const KUBECTL_WS = "/usr/bin/kubectl";
let c: RuntimeCluster;

before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true, network: false });
  await createNamespace(c, NS);
  const script = await c.script("web.cjs", WEB_SERVER_SOURCE);
  await createPod(c, NS, webPod("web", NODE, script));
  await c.waitForPod(NS, "web", (p) => p.status?.phase === "Running", "Running");
  const ip = (await c.pod(NS, "web"))!.status!.podIP!;
  await eventually(
    async () => (await fetch(`http://${ip}:8080/hello`).catch(() => undefined))?.ok,
    10_000,
    "web",
  );
});
after(() => c.stop());

/** A raw upgrade request over TLS as the admin; returns the response head and whatever body follows. */
function upgradeRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port: c.server.port,
      ca: c.server.caPem,
      cert: c.server.pki.adminCertPem,
      key: c.server.pki.adminKeyPem,
      servername: "localhost",
    });
    let buf = Buffer.alloc(0);
    const finish = () => {
      const text = buf.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      const head = end < 0 ? text : text.slice(0, end);
      resolve({
        status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0),
        head,
        body: end < 0 ? "" : text.slice(end + 4),
      });
    };
    socket.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (/^HTTP\/1\.1 101 /.test(buf.toString("latin1")) && buf.includes("\r\n\r\n")) {
        socket.destroy();
        finish();
      }
    });
    socket.on("end", finish);
    socket.on("close", finish);
    socket.on("error", reject);
    const lines = [
      `${method} ${path} HTTP/1.1`,
      "Host: 127.0.0.1",
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  });
}

const SPDY = {
  Connection: "Upgrade",
  Upgrade: "SPDY/3.1",
  "X-Stream-Protocol-Version": "portforward.k8s.io",
};
const path = (name: string) => `/api/v1/namespaces/${NS}/pods/${name}/portforward`;

test("a Pod that does not exist is a NotFound Status", async () => {
  const r = await upgradeRequest("POST", path("nope"), SPDY);
  assert.equal(r.status, 404);
  const status = JSON.parse(r.body);
  assert.equal(status.reason, "NotFound");
  assert.equal(status.message, 'pods "nope" not found');
});

test("an unscheduled Pod has no host to forward to", async () => {
  await createPod(c, NS, {
    metadata: { name: "unbound" },
    spec: { schedulerName: "nobody", containers: [{ name: "a", image: "x" }] },
  });
  const r = await upgradeRequest("POST", path("unbound"), SPDY);
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.body).message, "pod unbound does not have a host assigned");
});

test("a Pod on a node this runtime does not run is the kubelet's 'pod does not exist'", async () => {
  await createPod(c, NS, {
    metadata: { name: "elsewhere" },
    spec: { nodeName: "other-node", containers: [{ name: "a", image: "x" }] },
  });
  const r = await upgradeRequest("POST", path("elsewhere"), SPDY);
  assert.equal(r.status, 404);
  assert.equal(r.body, "pod does not exist\n");
});

test("without an upgrade the request is refused: Upgrade request required", async () => {
  const r = await c.admin("POST", path("web"));
  assert.equal(r.status, 400);
  assert.equal(r.json.message, "Upgrade request required");
});

test("SPDY: a protocol the kubelet does not speak gets its 403 text and the accepted versions", async () => {
  const r = await upgradeRequest("POST", path("web"), {
    ...SPDY,
    "X-Stream-Protocol-Version": "v9.portforward.k8s.io",
  });
  assert.equal(r.status, 403);
  assert.match(r.head, /X-Accepted-Stream-Protocol-Versions: portforward\.k8s\.io/i);
  assert.equal(
    r.body,
    "unable to upgrade: unable to negotiate protocol: client supports [v9.portforward.k8s.io], server accepts [portforward.k8s.io]\n",
  );
  const ok = await upgradeRequest("POST", path("web"), SPDY);
  assert.equal(ok.status, 101);
  assert.match(ok.head, /X-Stream-Protocol-Version: portforward\.k8s\.io/);
});

const WS = {
  Connection: "Upgrade",
  Upgrade: "websocket",
  "Sec-WebSocket-Version": "13",
  "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
};

test("websocket: the tunnel answers with SPDY/3.1+portforward.k8s.io; v4 needs ports", async () => {
  const tunnel = await upgradeRequest("GET", path("web"), {
    ...WS,
    "Sec-WebSocket-Protocol": "SPDY/3.1+portforward.k8s.io",
  });
  assert.equal(tunnel.status, 101);
  assert.match(tunnel.head, /\r\nSec-WebSocket-Protocol: SPDY\/3\.1\+portforward\.k8s\.io/);
  const noPorts = await upgradeRequest("GET", path("web"), {
    ...WS,
    "Sec-WebSocket-Protocol": "v4.channel.k8s.io",
  });
  assert.equal(noPorts.status, 400);
  assert.equal(noPorts.body, 'query parameter "port" is required\n');
  const zero = await upgradeRequest("GET", `${path("web")}?ports=0`, {
    ...WS,
    "Sec-WebSocket-Protocol": "v4.channel.k8s.io",
  });
  assert.equal(zero.body, 'port "0" must be > 0\n');
  const unknown = await upgradeRequest("GET", `${path("web")}?ports=8080`, {
    ...WS,
    "Sec-WebSocket-Protocol": "v9.channel.k8s.io",
  });
  assert.equal(unknown.status, 403);
  const v4 = await upgradeRequest("GET", `${path("web")}?ports=8080`, {
    ...WS,
    "Sec-WebSocket-Protocol": "v4.channel.k8s.io",
  });
  assert.equal(v4.status, 101);
  assert.match(v4.head, /\r\nSec-WebSocket-Protocol: v4\.channel\.k8s\.io/);
});

test("ports that are no uint16 are refused as the apiserver converts them", async () => {
  for (const [query, message] of [
    ["ports=http", 'cannot convert to []int32: strconv.ParseUint: parsing "http": invalid syntax'],
    ["ports=80,70000", 'cannot convert to []int32: strconv.ParseUint: parsing "70000": value out of range'],
  ]) {
    const r = await upgradeRequest("GET", `${path("web")}?${query}`, {
      ...WS,
      "Sec-WebSocket-Protocol": "v4.channel.k8s.io",
    });
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).message, message);
  }
});

/** A v4.channel.k8s.io client: sends `request` on the data channel, collects both channels until close. */
async function v4Forward(
  query: string,
  request: string,
  protocol = "v4.channel.k8s.io",
): Promise<{ data: Buffer[]; errors: string }> {
  const ws = new WebSocket(`wss://127.0.0.1:${c.server.port}${path("web")}?${query}`, protocol, {
    ca: c.server.caPem,
    cert: c.server.pki.adminCertPem,
    key: c.server.pki.adminKeyPem,
  });
  const data: Buffer[] = [];
  let errors = "";
  const base64 = protocol.includes("base64");
  const seen = new Map<number, number>();
  ws.on("message", (m: Buffer) => {
    const channel = base64 ? m[0]! - 48 : m[0]!;
    const body = base64 ? Buffer.from(m.subarray(1).toString(), "base64") : m.subarray(1);
    const count = (seen.get(channel) ?? 0) + 1;
    seen.set(channel, count);
    if (count === 1) return; // each channel opens with its port
    if (channel % 2 === 0) data[channel / 2] = Buffer.concat([data[channel / 2] ?? Buffer.alloc(0), body]);
    else errors += body.toString();
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const frame = (channel: number, text: string) =>
    base64
      ? String.fromCharCode(48 + channel) + Buffer.from(text).toString("base64")
      : Buffer.concat([Buffer.from([channel]), Buffer.from(text)]);
  ws.send(frame(0, request));
  await new Promise((resolve) => ws.once("close", resolve));
  return { data, errors };
}

for (const protocol of ["v4.channel.k8s.io", "v4.base64.channel.k8s.io"]) {
  test(`websocket ${protocol}: bytes reach the Pod and come back; a refused port is on its error channel`, async () => {
    const ip = (await c.pod(NS, "web"))!.status!.podIP!;
    const uid = (await c.pod(NS, "web"))!.metadata!.uid!;
    const { data, errors } = await v4Forward(
      "ports=8080&ports=9",
      "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      protocol,
    );
    assert.match(
      data[0]!.toString(),
      new RegExp(`^HTTP/1\\.1 200 OK[\\s\\S]*hello from ${ip.replaceAll(".", "\\.")}$`),
    );
    assert.equal(
      errors,
      `error forwarding port 9 to pod ${uid}, uid : dial tcp ${ip}:9: connect: connection refused`,
    );
  });
}

test("the websocket GET needs create on pods/portforward too (AuthorizePodWebsocketUpgradeCreatePermission)", async () => {
  const role = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "pf-get", namespace: NS },
    rules: [{ apiGroups: [""], resources: ["pods", "pods/portforward"], verbs: ["get"] }],
  };
  assert.equal(
    (await c.admin("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, role)).status,
    201,
  );
  const binding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "pf-get", namespace: NS },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pf-get" },
    subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "getter" }],
  };
  assert.equal(
    (await c.admin("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, binding))
      .status,
    201,
  );
  const r = await eventually(
    async () => {
      const res = await upgradeRequest("GET", path("web"), {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Protocol": "SPDY/3.1+portforward.k8s.io",
        "Impersonate-User": "getter",
      });
      return res.status === 403 && res;
    },
    5000,
    "the getter refused",
  );
  const status = JSON.parse(r.body);
  assert.equal(status.reason, "Forbidden");
  assert.equal(
    status.message,
    'pods "web" is forbidden: User "getter" cannot create resource "pods/portforward" in API group "" in the namespace "pf"',
  );
  // POST (SPDY) as the same user is refused by the ordinary check, for create.
  const spdy = await upgradeRequest("POST", path("web"), { ...SPDY, "Impersonate-User": "getter" });
  assert.equal(spdy.status, 403);
  assert.match(JSON.parse(spdy.body).message, /cannot create resource "pods\/portforward"/);
});

for (const [protocol, kubectl] of [
  ["SPDY", KUBECTL_SPDY],
  ["the websocket tunnel", KUBECTL_WS],
] as const) {
  test(`kubectl over ${protocol}: fetches, a 4 MiB body and a 1 MiB echo arrive intact, a refused port is reported`, async () => {
    const pf = await portForward(kubectl, c.kubeconfigPath, c.dir, ["-n", NS, "pod/web"], [8080, 9]);
    try {
      const base = `http://127.0.0.1:${pf.local.get(8080)}`;
      const ip = (await c.pod(NS, "web"))!.status!.podIP!;
      const hellos = await Promise.all(
        Array.from({ length: 8 }, () => fetch(`${base}/hello`).then((r) => r.text())),
      );
      assert.deepEqual(new Set(hellos), new Set([`hello from ${ip}`]));
      const big = Buffer.from(await (await fetch(`${base}/big?n=${4 << 20}`)).arrayBuffer());
      assert.equal(big.length, 4 << 20);
      assert.ok(big.equals(Buffer.alloc(4 << 20, "0123456789abcdef")), "the bytes arrive unchanged");
      const payload = Buffer.alloc(1 << 20);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 7919) & 0xff;
      const echoed = Buffer.from(
        await (await fetch(`${base}/echo`, { method: "POST", body: payload })).arrayBuffer(),
      );
      assert.ok(echoed.equals(payload), "the echo matches");

      await fetch(`http://127.0.0.1:${pf.local.get(9)}/`).catch(() => undefined);
      const said = await eventually(
        async () => /error forwarding port 9/.test(pf.output()) && pf.output(),
        10_000,
        "the error",
      );
      const uid = (await c.pod(NS, "web"))!.metadata!.uid!;
      assert.match(
        said,
        new RegExp(
          `an error occurred forwarding \\d+ -> 9: error forwarding port 9 to pod ${uid}, uid : dial tcp ${ip.replaceAll(".", "\\.")}:9: connect: connection refused`,
        ),
      );
    } finally {
      await pf.stop();
    }
  });
}

test("garbage after the SPDY upgrade closes that connection only; the server keeps serving", async () => {
  const socket = tls.connect({
    host: "127.0.0.1",
    port: c.server.port,
    ca: c.server.caPem,
    cert: c.server.pki.adminCertPem,
    key: c.server.pki.adminKeyPem,
  });
  let received = "";
  socket.on("data", (d: Buffer) => (received += d.toString("latin1")));
  const closed = new Promise((resolve) => socket.once("close", resolve));
  socket.write(
    `POST ${path("web")} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n`,
  );
  await eventually(async () => received.includes("\r\n\r\n"), 5000, "the 101");
  assert.match(received, /^HTTP\/1\.1 101 /);
  // A SYN_STREAM whose header block is not zlib.
  socket.write(Buffer.from("80030001000000100000000100000000000061626364656667", "hex"));
  await closed;
  assert.equal((await c.admin("GET", "/healthz")).text, "ok");
});

test("kubectl vanishing mid-connection closes the connection to the Pod", async () => {
  const ip = (await c.pod(NS, "web"))!.status!.podIP!;
  const connections = async () => Number(await (await fetch(`http://${ip}:8080/connections`)).text());
  const before = await connections();
  const pf = await portForward(KUBECTL_WS, c.kubeconfigPath, c.dir, ["-n", NS, "pod/web"], [8080]);
  const { connect } = await import("node:net");
  const held = connect(pf.local.get(8080)!, "127.0.0.1");
  held.on("error", () => undefined);
  held.write("GET /hello HTTP/1.1\r\nHost: x\r\n"); // an unfinished request keeps the connection open
  await eventually(async () => (await connections()) === before + 1, 10_000, "the forwarded connection open");
  await pf.kill();
  await eventually(async () => (await connections()) === before, 10_000, "the forwarded connection closed");
  held.destroy();
});
