// The exec protocol's edges on the real server and runtime, with a raw websocket client: each subprotocol's
// framing and status, the CLOSE signal, malformed frames, refused handshakes, and RBAC's compound check.
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import WebSocket from "ws";
import { writeTokenKubeconfig } from "../helpers/cluster.ts";
import { createNamespace, createPod, type RuntimeCluster, startRuntimeCluster } from "./kubelet-harness.ts";

const NS = "wsexec";
let c: RuntimeCluster;

before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
  await createPod(c, NS, {
    metadata: { name: "box" },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: "main", image: "busybox", command: ["sleep", "600"] }],
    },
  });
  await createPod(c, NS, {
    metadata: { name: "stopped" },
    spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox", command: ["true"] }] },
  });
  await c.waitForPod(NS, "box", (p) => p.status?.phase === "Running", "Running");
  await c.waitForPod(NS, "stopped", (p) => p.status?.phase === "Succeeded", "Succeeded");
});
after(async () => {
  await c?.stop();
});

interface Session {
  protocol: string;
  /** Every message as [channel, payload] (text frames decoded from the base64 protocols). */
  frames: [number, Buffer][];
  code: number;
}

/** Opens pods/box/exec with the query and subprotocols, sends `send` once open, and collects until close. */
function session(
  query: string,
  protocols: string[],
  send: (ws: WebSocket) => void = () => undefined,
  o: { token?: string; pod?: string } = {},
): Promise<Session | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      `${c.server.url.replace("https", "wss")}/api/v1/namespaces/${NS}/pods/${o.pod ?? "box"}/exec?${query}`,
      protocols,
      {
        ca: c.server.caPem,
        ...(o.token
          ? { headers: { Authorization: `Bearer ${o.token}` } }
          : { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem }),
      },
    );
    const frames: [number, Buffer][] = [];
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on("open", () => send(ws));
    ws.on("message", (data: Buffer, binary) => {
      if (binary) frames.push([data[0], data.subarray(1)]);
      else frames.push([data[0] - 48, Buffer.from(data.subarray(1).toString(), "base64")]);
    });
    ws.on("close", (code) => resolve({ protocol: ws.protocol, frames, code }));
    ws.on("error", (e) => {
      if (!e.message.includes("Unexpected server response")) reject(e);
    });
  });
}

const text = (s: Session, channel: number) =>
  Buffer.concat(s.frames.filter(([ch]) => ch === channel).map(([, d]) => d)).toString();
const opened = (s: Session | { status: number }): Session => {
  assert.ok("frames" in s, `expected an upgrade, got ${JSON.stringify(s)}`);
  return s;
};
const command = (...argv: string[]) => argv.map((a) => `command=${encodeURIComponent(a)}`).join("&");

test("v5: stdin, the CLOSE signal ending it, stdout, and the exit status as JSON on channel 3", async () => {
  const s = opened(
    await session(
      `${command("sh", "-c", "cat; exit 9")}&stdin=true&stdout=true&stderr=true`,
      ["v5.channel.k8s.io"],
      (ws) => {
        ws.send(Buffer.from([0, ...Buffer.from("over the wire\n")]));
        ws.send(Buffer.from([255, 0])); // CLOSE stdin
      },
    ),
  );
  assert.equal(s.protocol, "v5.channel.k8s.io");
  assert.deepEqual(s.frames[0], [1, Buffer.alloc(0)], "an empty stdout message says the streams are open");
  assert.equal(text(s, 1), "over the wire\n");
  assert.deepEqual(JSON.parse(text(s, 3)), {
    metadata: {},
    status: "Failure",
    message: "command terminated with non-zero exit code: command terminated with exit code 9",
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: "9" }] },
  });
  assert.equal(s.code, 1000);
});

test("v4: success is a JSON Success Status; base64 protocols frame as text with an ASCII channel", async () => {
  const v4 = opened(await session(`${command("echo", "four")}&stdout=1`, ["v4.channel.k8s.io"]));
  assert.equal(text(v4, 1), "four\n");
  assert.deepEqual(JSON.parse(text(v4, 3)), { metadata: {}, status: "Success" });

  const b64 = opened(
    await session(`${command("sh", "-c", "echo b64; exit 2")}&stdout=1`, ["base64.channel.k8s.io"]),
  );
  assert.equal(b64.protocol, "base64.channel.k8s.io");
  assert.equal(text(b64, 1), "b64\n");
  // v1–v3 carry only a failure's message, as text.
  assert.equal(
    text(b64, 3),
    "command terminated with non-zero exit code: error executing command [sh -c echo b64; exit 2], exit code 2",
  );
});

test("a client's bad frames end nothing but its own session", async () => {
  // Unknown channels and undecodable base64 are dropped; a malformed CLOSE ends that connection.
  const s = opened(
    await session(`${command("cat")}&stdin=1&stdout=1`, ["v5.channel.k8s.io"], (ws) => {
      ws.send(Buffer.from([9, 1, 2, 3]));
      ws.send(Buffer.from([255]));
    }),
  );
  assert.equal(text(s, 3), "", "the session ended without a status");
  const b64 = opened(
    await session(`${command("cat")}&stdin=1&stdout=1`, ["v4.base64.channel.k8s.io"], (ws) => {
      ws.send("0!!!not base64");
      ws.send(`0${Buffer.from("fine\n").toString("base64")}`);
      setTimeout(() => ws.close(), 500);
    }),
  );
  assert.equal(text(b64, 1), "fine\n");
  // The server still serves.
  const again = opened(await session(`${command("echo", "alive")}&stdout=1`, ["v5.channel.k8s.io"]));
  assert.equal(text(again, 1), "alive\n");
});

test("refused handshakes: unknown subprotocols (403), no streams, a non-running container", async () => {
  const unknown = await session(`${command("true")}&stdout=1`, ["v9.channel.k8s.io"]);
  assert.deepEqual(unknown, { status: 403, body: "" });

  // v5 goes through the translator: the runtime's refusal arrives on the error channel.
  const none = opened(await session(command("true"), ["v5.channel.k8s.io"]));
  assert.deepEqual(JSON.parse(text(none, 3)), {
    metadata: {},
    status: "Failure",
    message:
      "Internal error occurred: unable to upgrade connection: you must specify at least 1 of stdin, stdout, stderr",
    reason: "InternalError",
    details: {
      causes: [
        { message: "unable to upgrade connection: you must specify at least 1 of stdin, stdout, stderr" },
      ],
    },
    code: 500,
  });
  // Older protocols reach the kubelet, which answers in HTTP.
  const old = await session(command("true"), ["v4.channel.k8s.io"]);
  assert.deepEqual(old, { status: 400, body: "you must specify at least 1 of stdin, stdout, stderr" });

  const notRunning = opened(
    await session(`${command("true")}&stdout=1`, ["v5.channel.k8s.io"], undefined, { pod: "stopped" }),
  );
  assert.equal(
    JSON.parse(text(notRunning, 3)).message,
    'Internal error occurred: unable to upgrade connection: container not found ("main")',
  );
  const notRunningV4 = await session(`${command("true")}&stdout=1`, ["v4.channel.k8s.io"], undefined, {
    pod: "stopped",
  });
  assert.deepEqual(notRunningV4, { status: 500, body: 'container not found ("main")' });

  const wrong = await session(`${command("true")}&stdout=1&container=other`, ["v5.channel.k8s.io"]);
  assert.equal((wrong as { status: number }).status, 400);
  assert.equal(
    JSON.parse((wrong as { body: string }).body).message,
    "container other is not valid for pod box",
  );
});

test("RBAC: exec needs create on pods/exec, also for a websocket GET; kubectl shows upstream's 403", async () => {
  for (const name of ["viewer", "getter"]) {
    const sa = await c.admin("POST", `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name } });
    assert.equal(sa.status, 201, sa.text);
  }
  const role = await c.admin("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, {
    metadata: { name: "exec-get-only" },
    rules: [
      { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
      { apiGroups: [""], resources: ["pods/exec"], verbs: ["get"] },
    ],
  });
  assert.equal(role.status, 201, role.text);
  const viewRole = await c.admin("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, {
    metadata: { name: "pods-get" },
    rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }],
  });
  assert.equal(viewRole.status, 201, viewRole.text);
  for (const [name, roleName] of [
    ["getter", "exec-get-only"],
    ["viewer", "pods-get"],
  ]) {
    const binding = await c.admin(
      "POST",
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`,
      {
        metadata: { name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName },
        subjects: [{ kind: "ServiceAccount", name, namespace: NS }],
      },
    );
    assert.equal(binding.status, 201, binding.text);
  }
  const token = async (name: string) =>
    (await c.admin("POST", `/api/v1/namespaces/${NS}/serviceaccounts/${name}/token`, { spec: {} })).json
      .status.token;

  // get alone lets the websocket GET past the authorization filter, not past the compound create check.
  const getter = await token("getter");
  const denied = await session(`${command("true")}&stdout=1`, ["v5.channel.k8s.io"], undefined, {
    token: getter,
  });
  assert.equal((denied as { status: number }).status, 403);
  assert.equal(
    JSON.parse((denied as { body: string }).body).message,
    'pods "box" is forbidden: User "system:serviceaccount:wsexec:getter" cannot create resource "pods/exec" in API group "" in the namespace "wsexec"',
  );

  const kubeconfig = await writeTokenKubeconfig(c, "viewer", await token("viewer"), NS);
  const r = await c.kubectl(["--kubeconfig", kubeconfig, "exec", "box", "--", "true"]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /Error from server \(Forbidden\): pods "box" is forbidden: User "system:serviceaccount:wsexec:viewer" cannot create resource "pods\/exec" in API group "" in the namespace "wsexec"/,
  );
});

test("nothing runs when the handshake fails (unknown subprotocol, SPDY without a protocol version)", async () => {
  const marker = path.join(c.scratch, "ran");
  const run = command("sh", "-c", `echo ran > ${marker}`);
  assert.deepEqual(await session(`${run}&stdout=1`, ["v9.channel.k8s.io"]), { status: 403, body: "" });
  const spdy = await c.request("POST", `/api/v1/namespaces/${NS}/pods/box/exec?${run}&stdout=1`, {
    cert: { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
    headers: { Connection: "Upgrade", Upgrade: "SPDY/3.1" },
  });
  assert.equal(spdy.status, 400);
  assert.match(
    spdy.text,
    /^unable to upgrade: header X-Stream-Protocol-Version does not exist in request with \d+ headers\n$/,
  );
  await new Promise((r) => setTimeout(r, 300));
  await assert.rejects(stat(marker), /ENOENT/);
});

test("tty: the command runs under a terminal (stderr joins stdout), sized by channel 4, with its exit code", async () => {
  const s = opened(
    await session(
      `${command("sh", "-c", "sleep 0.3; stty size; tty; echo err >&2; exit 3")}&tty=1&stdout=1&stderr=1&stdin=1`,
      ["v5.channel.k8s.io"],
      (ws) => {
        ws.send(Buffer.from([4, ...Buffer.from('{"Width":100,"Height":40}')]));
        ws.send(Buffer.from([255, 0]));
      },
    ),
  );
  assert.match(text(s, 1), /^40 100\r\n\/dev\/pts\/\d+\r\nerr\r\n$/);
  assert.equal(text(s, 2), "");
  const status = JSON.parse(text(s, 3));
  assert.equal(status.reason, "NonZeroExitCode");
  assert.deepEqual(status.details.causes, [{ reason: "ExitCode", message: "3" }]);
});
