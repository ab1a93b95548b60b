// The client's Pod streams against the real server and runtime: logs (tail, since, previous, follow to the
// container's end, the waiting-container 400), exec and attach over v5 and v4 (stdin, stdout, stderr, exit
// codes, tty and resize), port-forward to an HTTP server in a Pod, and the refusals (no such container, a
// 403 explained as `create pods/exec`).
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { PassThrough } from "node:stream";
import { after, before, test } from "node:test";
import * as k8s from "@kubernetes/client-node";
import { createClient, isApiError, isForbidden, type KubeClient } from "../../src/client/index.ts";
import { STREAM_PROTOCOL_V4, STREAM_PROTOCOL_V5 } from "../../src/meta/remotecommand.ts";
import { eventually, writeTokenKubeconfig } from "../helpers/cluster.ts";
import { WEB_SERVER_SOURCE, webPod } from "../helpers/port-forward.ts";
import {
  containerState,
  createNamespace,
  createPod,
  NODE,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "streams";
let c: RuntimeCluster;
let client: KubeClient;

before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true, network: false });
  await createNamespace(c, NS);
  client = await createClient({ kubeconfig: c.kubeconfigPath, namespace: NS });
  const web = await c.script("web.cjs", WEB_SERVER_SOURCE);
  const flag = path.join(c.scratch, "restarted");
  await Promise.all([
    createPod(c, NS, {
      metadata: { name: "box" },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "sleep 600"] }],
      },
    }),
    createPod(c, NS, {
      metadata: { name: "talker" },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [
          {
            name: "main",
            image: "busybox",
            command: ["sh", "-c", "for i in 1 2 3 4 5; do echo line $i; done; sleep 600"],
          },
        ],
      },
    }),
    createPod(c, NS, {
      metadata: { name: "restarter" },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [
          {
            name: "main",
            image: "busybox",
            command: [
              "sh",
              "-c",
              `if [ -f ${flag} ]; then echo second instance; sleep 600; else touch ${flag}; echo first instance; exit 3; fi`,
            ],
          },
        ],
      },
    }),
    createPod(c, NS, {
      metadata: { name: "initializing" },
      spec: {
        terminationGracePeriodSeconds: 0,
        initContainers: [{ name: "init", image: "busybox", command: ["sleep", "600"] }],
        containers: [{ name: "main", image: "busybox", command: ["sleep", "600"] }],
      },
    }),
    createPod(c, NS, webPod("web", NODE, web)),
  ]);
  for (const name of ["box", "talker", "web"])
    await c.waitForPod(NS, name, (p) => p.status?.phase === "Running", "Running", 30_000);
  const ip = (await c.pod(NS, "web"))?.status?.podIP;
  await eventually(
    async () => (await fetch(`http://${ip}:8080/hello`).catch(() => undefined))?.ok,
    30_000,
    "the web Pod's server",
  );
  await c.waitForPod(
    NS,
    "restarter",
    (p) => (containerState(p)?.restartCount ?? 0) >= 1 && containerState(p)?.state?.running !== undefined,
    "restarted and running",
    60_000,
  );
});
after(async () => {
  client?.close();
  await c?.stop();
});

const lines = async (iterable: AsyncIterable<string>) => {
  const all: string[] = [];
  for await (const line of iterable) all.push(line);
  return all;
};

test("logs: lines, tail, limitBytes, timestamps, sinceTime", async () => {
  await eventually(
    async () => (await client.pods.logs("talker").text()).includes("line 5"),
    30_000,
    "talker's output",
  );
  assert.deepEqual(
    await lines(client.pods.logs("talker")),
    [1, 2, 3, 4, 5].map((i) => `line ${i}`),
  );
  assert.deepEqual(await lines(client.pods.logs("talker", { tailLines: 2 })), ["line 4", "line 5"]);
  assert.equal(await client.pods.logs("talker", { limitBytes: 9 }).text(), "line 1\nli");
  const stamped = await lines(client.pods.logs("talker", { timestamps: true, tailLines: 1 }));
  assert.match(stamped[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z line 5$/);
  const future = new Date(Date.now() + 3_600_000);
  assert.deepEqual(await lines(client.pods.logs("talker", { sinceTime: future })), []);
  assert.equal(
    (await lines(client.pods.logs("talker", { sinceSeconds: 3600, insecureSkipTLSVerifyBackend: true })))
      .length,
    5,
  );
  // A line longer than maxLineBytes comes in pieces (memory stays bounded without newlines).
  assert.deepEqual(await lines(client.pods.logs("talker", { tailLines: 1, maxLineBytes: 4 })), [
    "line",
    " 5",
  ]);
  const chunks: Buffer[] = [];
  for await (const chunk of client.pods.logs("talker").chunks()) chunks.push(chunk);
  assert.equal(Buffer.concat(chunks).toString(), "line 1\nline 2\nline 3\nline 4\nline 5\n");
});

test("logs: previous is the terminated instance", async () => {
  assert.deepEqual(await lines(client.pods.logs("restarter", { previous: true })), ["first instance"]);
  assert.deepEqual(await lines(client.pods.logs("restarter")), ["second instance"]);
});

test("logs: follow streams new lines and ends when the container ends", async () => {
  const go = path.join(c.scratch, "go");
  await createPod(c, NS, {
    metadata: { name: "follower" },
    spec: {
      restartPolicy: "Never",
      containers: [
        {
          name: "main",
          image: "busybox",
          command: ["sh", "-c", `echo before; while [ ! -f ${go} ]; do sleep 0.1; done; echo after`],
        },
      ],
    },
  });
  await c.waitForPod(NS, "follower", (p) => p.status?.phase === "Running", "Running", 30_000);
  const seen: string[] = [];
  for await (const line of client.pods.logs("follower", { follow: true })) {
    seen.push(line);
    if (line === "before") await writeFile(go, "");
  }
  assert.deepEqual(seen, ["before", "after"]);
  const pod = await c.waitForPod(NS, "follower", (p) => p.status?.phase === "Succeeded", "Succeeded");
  assert.equal(containerState(pod)?.state?.terminated?.exitCode, 0);
});

test("logs: refusals are ApiErrors with the server's Status", async () => {
  const waiting = await client.pods
    .logs("initializing", { container: "main" })
    .text()
    .then(
      () => assert.fail("expected a 400"),
      (error: unknown) => error,
    );
  assert.ok(isApiError(waiting));
  assert.equal(waiting.code, 400);
  assert.equal(waiting.reason, "BadRequest");
  assert.match(waiting.message, /^container "main" in pod "initializing" is waiting to start/);
  const missing = await client.pods
    .logs("talker", { container: "nope" })
    .text()
    .catch((error: unknown) => error);
  assert.ok(isApiError(missing));
  assert.equal(missing.code, 400);
  assert.match(missing.message, /container nope is not valid for pod talker/);
  const invalid = await client.pods
    .logs("talker", { tailLines: -1 })
    .text()
    .catch((e: unknown) => e);
  assert.ok(isApiError(invalid));
  assert.equal(invalid.code, 422);
});

for (const protocol of [STREAM_PROTOCOL_V5, STREAM_PROTOCOL_V4] as const) {
  test(`exec (${protocol}): stdout, stderr and exit codes`, async () => {
    const ok = await client.pods.exec("box", ["sh", "-c", "echo out; echo err >&2"], {
      protocols: [protocol],
    });
    assert.equal(ok.protocol, protocol);
    assert.equal(ok.exitCode, 0);
    assert.equal(ok.stdout.toString(), "out\n");
    assert.equal(ok.stderr.toString(), "err\n");
    const failed = await client.pods.exec("box", ["sh", "-c", "echo bye; exit 42"], {
      protocols: [protocol],
    });
    assert.equal(failed.exitCode, 42);
    assert.equal(failed.stdout.toString(), "bye\n");
  });
}

test("exec: stdin reaches the command and its end ends it (v5, the default)", async () => {
  const input = Buffer.alloc(200_000, "abcdefgh");
  const result = await client.pods.exec("box", ["sh", "-c", "wc -c; cat >/dev/null; echo done >&2"], {
    stdin: input,
  });
  assert.equal(result.protocol, STREAM_PROTOCOL_V5);
  assert.equal(result.stdout.toString().trim(), "200000");
  assert.equal(result.stderr.toString(), "done\n");
});

test("exec (v4, as before 1.30): stdin without an end, and the session ends with the command", async () => {
  const session = await client.pods.execStream("box", ["sh", "-c", "read line; echo got $line"], {
    stdin: true,
    protocols: [STREAM_PROTOCOL_V4],
  });
  assert.equal(session.protocol, STREAM_PROTOCOL_V4);
  session.stdin?.write("hello\n");
  const out: Buffer[] = [];
  session.stdout?.on("data", (d: Buffer) => out.push(d));
  assert.deepEqual(await session.result, { exitCode: 0 });
  assert.equal(Buffer.concat(out).toString(), "got hello\n");
});

test("exec with a tty: one output stream, the terminal's size from resize", async () => {
  const session = await client.pods.execStream(
    "box",
    ["sh", "-c", "while read x; do stty size; done; exit 7"],
    {
      stdin: true,
      tty: true,
      terminalSize: { width: 100, height: 30 },
    },
  );
  assert.equal(session.stderr, undefined);
  let out = "";
  session.stdout?.on("data", (d: Buffer) => (out += d));
  // Sizes and input travel apart inside the server: ask until the terminal reports each size.
  for (const [width, height] of [
    [100, 30],
    [132, 43],
  ]) {
    if (width === 132) session.resize({ width, height });
    await eventually(
      async () => {
        session.stdin?.write("\r");
        await new Promise((resolve) => setTimeout(resolve, 50));
        return out.includes(`${height} ${width}`);
      },
      30_000,
      `stty size ${height} ${width}`,
    );
  }
  session.stdin?.end(); // v5 CLOSE: the terminal's input ends, read fails, the loop ends
  assert.deepEqual(await session.result, { exitCode: 7 });
});

test("attach: the container's output until it ends, and stdin", async () => {
  await createPod(c, NS, {
    metadata: { name: "attached" },
    spec: {
      restartPolicy: "Never",
      containers: [
        {
          name: "main",
          image: "busybox",
          stdin: true,
          stdinOnce: true,
          command: ["sh", "-c", "read line; echo attached $line; echo to-stderr >&2"],
        },
      ],
    },
  });
  await c.waitForPod(NS, "attached", (p) => p.status?.phase === "Running", "Running", 30_000);
  const result = await client.pods.attach("attached", { stdin: "hi\n" });
  assert.equal(result.exitCode, 0);
  assert.equal(result.stdout.toString(), "attached hi\n");
  assert.equal(result.stderr.toString(), "to-stderr\n");
});

test("exec agrees with @kubernetes/client-node's Exec on the same Pod", async () => {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(c.kubeconfigPath);
  const command = ["sh", "-c", "cat; echo to-err >&2; exit 3"];
  const theirs = await new Promise<{ stdout: string; stderr: string; status: k8s.V1Status }>(
    (resolve, reject) => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = "";
      let err = "";
      stdout.on("data", (d: Buffer) => (out += d));
      stderr.on("data", (d: Buffer) => (err += d));
      const stdin = new PassThrough();
      new k8s.Exec(kc)
        .exec(NS, "box", "main", command, stdout, stderr, stdin, false, (status) =>
          resolve({ stdout: out, stderr: err, status }),
        )
        .then(() => stdin.end("piped in\n"), reject);
    },
  );
  const ours = await client.pods.exec("box", command, { stdin: "piped in\n" });
  assert.equal(theirs.status.reason, "NonZeroExitCode");
  assert.equal(Number(theirs.status.details?.causes?.[0]?.message), ours.exitCode);
  assert.equal(ours.exitCode, 3);
  assert.equal(ours.stdout.toString(), theirs.stdout);
  assert.equal(ours.stdout.toString(), "piped in\n");
  assert.equal(ours.stderr.toString(), theirs.stderr);
});

test("timeoutMs bounds the wait for an answer only: a follow and an exec outlive it; a signal or close() ends a session", async () => {
  const quick = await createClient({ kubeconfig: c.kubeconfigPath, namespace: NS, timeoutMs: 300 });
  try {
    const slow = await quick.pods.exec("box", ["sh", "-c", "sleep 1; echo slept"]);
    assert.deepEqual([slow.exitCode, slow.stdout.toString()], [0, "slept\n"]);
    const go = path.join(c.scratch, "go-late");
    await createPod(c, NS, {
      metadata: { name: "late" },
      spec: {
        restartPolicy: "Never",
        containers: [
          {
            name: "main",
            image: "busybox",
            command: ["sh", "-c", `echo early; while [ ! -f ${go} ]; do sleep 0.1; done; echo late`],
          },
        ],
      },
    });
    await c.waitForPod(NS, "late", (p) => p.status?.phase === "Running", "Running", 30_000);
    const seen: string[] = [];
    for await (const line of quick.pods.logs("late", { follow: true })) {
      seen.push(line);
      if (line === "early") setTimeout(() => void writeFile(go, ""), 1000);
    }
    assert.deepEqual(seen, ["early", "late"]);
  } finally {
    quick.close();
  }

  const controller = new AbortController();
  const session = await client.pods.execStream("box", ["sh", "-c", "echo started; sleep 600"], {
    signal: controller.signal,
  });
  session.stdout?.on("data", () => controller.abort(new Error("stopped by the test")));
  await assert.rejects(session.result, /stopped by the test/);

  // Detaching is not a success: there is no outcome to report.
  const attached = await client.pods.attachStream("box");
  attached.close();
  await assert.rejects(attached.result, { code: "CLOSED" });
});

test("exec refusals: no such container, no such pod, and a 403 explained as create pods/exec", async () => {
  for (const protocol of [STREAM_PROTOCOL_V5, STREAM_PROTOCOL_V4] as const) {
    const missing = await client.pods
      .exec("box", ["true"], { container: "nope", protocols: [protocol] })
      .catch((e: unknown) => e);
    assert.ok(isApiError(missing), String(missing));
    assert.equal(missing.code, 400);
    assert.equal(missing.message, "container nope is not valid for pod box");
  }
  const gone = await client.pods.exec("ghost", ["true"]).catch((e: unknown) => e);
  assert.ok(isApiError(gone));
  assert.equal(gone.code, 404);

  // A ServiceAccount that may get pods/exec but not create it: the websocket GET passes the first check
  // and the compound `create` check (KEP-4006) refuses it.
  await c.admin("POST", `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: "viewer" } });
  await c.admin("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, {
    metadata: { name: "exec-get" },
    rules: [{ apiGroups: [""], resources: ["pods/exec"], verbs: ["get"] }],
  });
  await c.admin("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
    metadata: { name: "exec-get" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "exec-get" },
    subjects: [{ kind: "ServiceAccount", name: "viewer", namespace: NS }],
  });
  const token = await c.admin("POST", `/api/v1/namespaces/${NS}/serviceaccounts/viewer/token`, {
    spec: { expirationSeconds: 3600 },
  });
  const kubeconfig = await writeTokenKubeconfig(c, "viewer", token.json.status.token);
  const viewer = await createClient({ kubeconfig, namespace: NS });
  try {
    const denied = await viewer.pods.exec("box", ["true"]).catch((e: unknown) => e);
    assert.ok(isForbidden(denied), String(denied));
    assert.equal(denied.forbidden?.verb, "create");
    assert.equal(denied.forbidden?.subresource, "exec");
    const explained = denied.explain();
    assert.match(explained, /Tried: create pods\/exec named "box"/);
    assert.match(explained, /verbs:\n\s+- get\n\s+- create\n/);
  } finally {
    viewer.close();
  }
});

test("exec follows a rotated token file, as every request does", async () => {
  await c.admin("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, {
    metadata: { name: "exec" },
    rules: [{ apiGroups: [""], resources: ["pods/exec"], verbs: ["get", "create"] }],
  });
  const tokens: string[] = [];
  for (const name of ["rot-a", "rot-b"]) {
    await c.admin("POST", `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name } });
    await c.admin("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "exec" },
      subjects: [{ kind: "ServiceAccount", name, namespace: NS }],
    });
    const issued = await c.admin("POST", `/api/v1/namespaces/${NS}/serviceaccounts/${name}/token`, {
      spec: { expirationSeconds: 3600 },
    });
    tokens.push(issued.json.status.token);
  }
  const tokenFile = path.join(c.scratch, "token");
  const caFile = path.join(c.scratch, "ca.crt");
  await writeFile(tokenFile, tokens[0]);
  await writeFile(caFile, c.server.caPem);
  const rotating = await createClient({ server: c.server.url, caFile, tokenFile, namespace: NS });
  try {
    const before = await rotating.pods.exec("box", ["echo", "a"]);
    assert.equal(before.stdout.toString(), "a\n");
    // The first ServiceAccount goes (its token with it) and the file holds the second's token.
    await writeFile(tokenFile, tokens[1]);
    await c.admin("DELETE", `/api/v1/namespaces/${NS}/serviceaccounts/rot-a`);
    await eventually(
      async () => (await c.admin("GET", `/api/v1/namespaces/${NS}/serviceaccounts/rot-a`)).status === 404,
      30_000,
      "rot-a deleted",
    );
    const after = await rotating.pods.exec("box", ["echo", "b"]);
    assert.equal(after.stdout.toString(), "b\n");
    assert.equal((await rotating.whoami()).username, "system:serviceaccount:streams:rot-b");
  } finally {
    rotating.close();
  }
});

test("port-forward: a local listener to an HTTP server in the Pod, and one Duplex", async () => {
  const forward = await client.pods.portForward("web", [":8080"]);
  try {
    assert.equal(forward.ports[0].remote, 8080);
    const base = `http://127.0.0.1:${forward.ports[0].local}`;
    const hello = await fetch(`${base}/hello`);
    assert.match(await hello.text(), /^hello from /);
    const echoed = await fetch(`${base}/echo`, { method: "POST", body: "x".repeat(300_000) });
    assert.equal((await echoed.text()).length, 300_000);
    const big = await fetch(`${base}/big?n=3000000`);
    assert.equal((await big.arrayBuffer()).byteLength, 3_000_000);
  } finally {
    await forward.close();
  }

  const stream = await client.pods.portForwardStream("web", 8080);
  stream.end("GET /hello HTTP/1.0\r\nHost: x\r\n\r\n");
  let answer = "";
  for await (const chunk of stream) answer += chunk;
  assert.match(answer, /^HTTP\/1\.[01] 200 OK[\s\S]*\r\n\r\nhello from /);
});

test("port-forward: a refused port is an error on the connection", async () => {
  const stream = await client.pods.portForwardStream("web", 9);
  const failure = await new Promise<Error>((resolve) => {
    stream.on("error", resolve);
    stream.resume();
  });
  assert.match(failure.message, /^error forwarding port 9 to pod /);
  await assert.rejects(
    client.pods.portForward("initializing", [8080]),
    /^Error: unable to forward port because pod is not running\. Current status=Pending$/,
  );
  await assert.rejects(
    client.pods.portForward("web", ["80:x"]),
    /port "80:x" is not PORT, LOCAL:REMOTE or :REMOTE/,
  );
  await assert.rejects(client.pods.portForward("web", [70_000]), /port 70000 is not a TCP port/);
  const errors: string[] = [];
  const forward = await client.pods.portForward("web", [{ local: 0, remote: 9 }], {
    onError: (error, port) => errors.push(`${port.remote}: ${error.message}`),
  });
  try {
    const refused = await fetch(`http://127.0.0.1:${forward.ports[0].local}/`).catch((e: Error) => e);
    assert.ok(refused instanceof Error);
    await eventually(async () => errors.length > 0, 30_000, "the forwarding error");
    assert.match(errors[0], /^9: error forwarding port 9 to pod /);
  } finally {
    await forward.close();
  }
});
