// Pod lifecycle on the runtime: the environment the kubelet builds, init containers and emptyDir, probes
// against the Pod IP, restart policies and phases, graceful deletion, and `kubectl logs -f/--tail/--timestamps`.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { eventually } from "../helpers/cluster.ts";
import {
  containerState,
  createNamespace,
  createPod,
  kubectlUntil,
  NODE,
  type RuntimeCluster,
  startRuntimeCluster,
} from "./kubelet-harness.ts";

const NS = "lifecycle";

let c: RuntimeCluster;
before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
  await c.admin("POST", `/api/v1/namespaces/${NS}/configmaps`, {
    metadata: { name: "settings" },
    data: { a: "1", b: "2" },
  });
  await c.admin("POST", `/api/v1/namespaces/${NS}/secrets`, {
    metadata: { name: "creds" },
    data: { pw: Buffer.from("s3cret").toString("base64") },
  });
});
after(() => c.stop());

const finished = (name: string) =>
  c.waitForPod(NS, name, (p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed", "finished");

const logsOf = async (name: string, ...flags: string[]) => {
  const r = await c.kubectl(["logs", name, "-n", NS, ...flags]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
};

test("the environment: downward API, ConfigMap/Secret refs, envFrom, $(VAR) expansion and the kubernetes Service", async () => {
  const field = (fieldPath: string) => ({ valueFrom: { fieldRef: { fieldPath } } });
  const created = await createPod(c, NS, {
    metadata: { name: "env", labels: { app: "demo" } },
    spec: {
      restartPolicy: "Never",
      containers: [
        {
          name: "env",
          image: "busybox",
          command: [
            "sh",
            "-c",
            'env | sort; echo "arg=$1"',
            "sh",
            "$(GREETING)-$(POD_NAME) $$(LITERAL) $(UNDEFINED)",
          ],
          envFrom: [{ configMapRef: { name: "settings" }, prefix: "CM_" }],
          env: [
            { name: "POD_NAME", ...field("metadata.name") },
            { name: "POD_NAMESPACE", ...field("metadata.namespace") },
            { name: "POD_UID", ...field("metadata.uid") },
            { name: "APP_LABEL", ...field("metadata.labels['app']") },
            { name: "NODE_NAME", ...field("spec.nodeName") },
            { name: "SA", ...field("spec.serviceAccountName") },
            { name: "POD_IP", ...field("status.podIP") },
            { name: "HOST_IP", ...field("status.hostIP") },
            { name: "GREETING", value: "hello" },
            { name: "COMBINED", value: "$(GREETING) from $(POD_NAME)" },
            { name: "FROM_CM", valueFrom: { configMapKeyRef: { name: "settings", key: "a" } } },
            { name: "FROM_SECRET", valueFrom: { secretKeyRef: { name: "creds", key: "pw" } } },
            {
              name: "MISSING",
              valueFrom: { configMapKeyRef: { name: "settings", key: "nope", optional: true } },
            },
            { name: "CM_b", value: "env wins over envFrom" },
          ],
        },
      ],
    },
  });
  const pod = await finished("env");
  assert.equal(pod.status?.phase, "Succeeded");
  const env = new Map(
    (await logsOf("env"))
      .trim()
      .split("\n")
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  // With a network namespace per Pod (root on Linux), Pods reach the API at the kubernetes Service's
  // ClusterIP; in the host's network at the server's own address.
  const [host, port] = c.runtime.network ? ["10.96.0.1", "443"] : ["127.0.0.1", new URL(c.server.url).port];
  const expected: Record<string, string> = {
    POD_NAME: "env",
    POD_NAMESPACE: NS,
    POD_UID: created.metadata!.uid!,
    APP_LABEL: "demo",
    NODE_NAME: "local",
    SA: "default",
    POD_IP: pod.status!.podIP!,
    HOST_IP: "127.0.0.1",
    COMBINED: "hello from env",
    FROM_CM: "1",
    FROM_SECRET: "s3cret",
    CM_a: "1",
    CM_b: "env wins over envFrom",
    HOSTNAME: "env",
    KUBERNETES_SERVICE_HOST: host,
    KUBERNETES_SERVICE_PORT: port,
    KUBERNETES_SERVICE_PORT_HTTPS: port,
    KUBERNETES_PORT: `tcp://${host}:${port}`,
    [`KUBERNETES_PORT_${port}_TCP`]: `tcp://${host}:${port}`,
    [`KUBERNETES_PORT_${port}_TCP_PROTO`]: "tcp",
    [`KUBERNETES_PORT_${port}_TCP_PORT`]: port,
    [`KUBERNETES_PORT_${port}_TCP_ADDR`]: host,
    arg: "hello-env $(LITERAL) $(UNDEFINED)",
  };
  for (const [name, value] of Object.entries(expected)) assert.equal(env.get(name), value, name);
  assert.equal(env.has("MISSING"), false);
  assert.equal(env.has("KUBECONFIG"), false);
});

test("a missing ConfigMap keeps the container in CreateContainerConfigError until it exists", async () => {
  await createPod(c, NS, {
    metadata: { name: "needs-config" },
    spec: {
      restartPolicy: "Never",
      containers: [
        {
          name: "main",
          image: "busybox",
          command: ["sh", "-c", 'echo "value=$V"'],
          env: [{ name: "V", valueFrom: { configMapKeyRef: { name: "later", key: "v" } } }],
        },
      ],
    },
  });
  const waiting = await c.waitForPod(
    NS,
    "needs-config",
    (p) => containerState(p)?.state?.waiting?.reason === "CreateContainerConfigError",
    "config error",
  );
  assert.equal(containerState(waiting)?.state?.waiting?.message, 'configmap "later" not found');
  await c.admin("POST", `/api/v1/namespaces/${NS}/configmaps`, {
    metadata: { name: "later" },
    data: { v: "arrived" },
  });
  assert.equal((await finished("needs-config")).status?.phase, "Succeeded");
  assert.equal(await logsOf("needs-config"), "value=arrived\n");
});

test("init containers run first and share an emptyDir mounted only inside the Pod", async () => {
  const shared = path.join(c.scratch, "shared");
  await mkdir(shared);
  const mount = [{ name: "shared", mountPath: shared }];
  await createPod(c, NS, {
    metadata: { name: "init" },
    spec: {
      restartPolicy: "Never",
      volumes: [{ name: "shared", emptyDir: {} }],
      initContainers: [
        {
          name: "prepare",
          image: "busybox",
          command: ["sh", "-c", `echo from-init > ${shared}/x`],
          volumeMounts: mount,
        },
      ],
      containers: [{ name: "main", image: "busybox", command: ["cat", `${shared}/x`], volumeMounts: mount }],
    },
  });
  const pod = await finished("init");
  assert.equal(pod.status?.phase, "Succeeded");
  assert.equal(pod.status?.initContainerStatuses?.[0]?.state?.terminated?.reason, "Completed");
  assert.equal(await logsOf("init", "-c", "main"), "from-init\n");
  assert.equal(existsSync(path.join(shared, "x")), false, "the host directory is only the mount point");
});

test("workingDir is entered after the volumes are mounted", async () => {
  await createPod(c, NS, {
    metadata: { name: "workdir" },
    spec: {
      restartPolicy: "Never",
      containers: [
        {
          name: "main",
          image: "busybox",
          workingDir: "/var/run/secrets/kubernetes.io/serviceaccount",
          command: ["sh", "-c", "cat namespace; ls"],
        },
      ],
    },
  });
  assert.equal((await finished("workdir")).status?.phase, "Succeeded");
  assert.equal(await logsOf("workdir"), `${NS}ca.crt\nnamespace\ntoken\n`);
});

test("a sidecar (init container with restartPolicy Always) runs next to the main container and is stopped after it", async () => {
  await createPod(c, NS, {
    metadata: { name: "sidecar" },
    spec: {
      restartPolicy: "Never",
      terminationGracePeriodSeconds: 2,
      initContainers: [
        { name: "helper", image: "busybox", restartPolicy: "Always", command: ["sleep", "60"] },
      ],
      containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "sleep 0.5; echo done"] }],
    },
  });
  const running = await c.waitForPod(
    NS,
    "sidecar",
    (p) => containerState(p)?.state?.running !== undefined,
    "main running",
  );
  assert.ok(running.status?.initContainerStatuses?.[0]?.state?.running, "the sidecar runs alongside");
  assert.equal(running.status?.conditions?.find((k) => k.type === "Initialized")?.status, "True");
  const pod = await finished("sidecar");
  assert.equal(pod.status?.phase, "Succeeded");
  assert.equal(pod.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode, 143);
  assert.equal(await logsOf("sidecar", "-c", "main"), "done\n");
});

test("readiness follows an httpGet probe on the Pod IP; a failing liveness probe restarts the container", async () => {
  const web = await c.script(
    "web.mjs",
    `import http from "node:http";
const started = Date.now();
http.createServer((req, res) => {
  res.statusCode = req.url === "/ready" && Date.now() - started < 1500 ? 503 : 200;
  res.end("hello from the pod");
}).listen(8080, process.env.POD_IP, () => console.log("listening on " + process.env.POD_IP));`,
  );
  await createPod(c, NS, {
    metadata: { name: "web" },
    spec: {
      containers: [
        {
          name: "web",
          image: "busybox",
          command: [NODE, web],
          env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
          ports: [{ name: "http", containerPort: 8080 }],
          readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 1 },
        },
      ],
    },
  });
  const notReady = await c.waitForPod(
    NS,
    "web",
    (p) => containerState(p)?.state?.running !== undefined,
    "running",
  );
  assert.equal(containerState(notReady)?.ready, false);
  const ready = await c.waitForPod(
    NS,
    "web",
    (p) => p.status?.conditions?.some((k) => k.type === "Ready" && k.status === "True") ?? false,
    "Ready",
  );
  const ip = ready.status!.podIP!;
  assert.equal(await (await fetch(`http://${ip}:8080/`)).text(), "hello from the pod");
  await kubectlUntil(
    c,
    ["get", "events", "-n", NS, "--field-selector", "involvedObject.name=web"],
    /Readiness probe failed: HTTP probe failed with statuscode: 503/,
  );

  await createPod(c, NS, {
    metadata: { name: "sick" },
    spec: {
      terminationGracePeriodSeconds: 2,
      containers: [
        {
          name: "sick",
          image: "busybox",
          command: ["sleep", "60"],
          livenessProbe: { exec: { command: ["false"] }, periodSeconds: 1, failureThreshold: 2 },
        },
      ],
    },
  });
  const restarted = await c.waitForPod(
    NS,
    "sick",
    (p) => (containerState(p)?.restartCount ?? 0) >= 1,
    "a restart",
    20_000,
  );
  assert.equal(containerState(restarted)?.lastState?.terminated?.exitCode, 143);
  await kubectlUntil(
    c,
    ["describe", "pod", "sick", "-n", NS],
    /Container sick failed liveness probe, will be restarted/,
  );
});

test("restartPolicy Never ends Failed, OnFailure ends Succeeded after a success", async () => {
  const pod = (name: string, restartPolicy: string, script: string): Pod => ({
    metadata: { name },
    spec: { restartPolicy, containers: [{ name, image: "busybox", command: ["sh", "-c", script] }] },
  });
  await createPod(c, NS, pod("fails", "Never", "exit 3"));
  await createPod(c, NS, pod("once", "OnFailure", "true"));
  const failed = await finished("fails");
  assert.equal(failed.status?.phase, "Failed");
  assert.deepEqual(
    {
      exitCode: containerState(failed)?.state?.terminated?.exitCode,
      reason: containerState(failed)?.state?.terminated?.reason,
    },
    { exitCode: 3, reason: "Error" },
  );
  assert.equal(containerState(failed)?.restartCount, 0);
  const once = await finished("once");
  assert.equal(once.status?.phase, "Succeeded");
  assert.equal(containerState(once)?.state?.terminated?.reason, "Completed");
  assert.match((await c.kubectl(["get", "pod", "once", "-n", NS])).stdout, /once\s+0\/1\s+Completed\s+0/);
});

test("deletion sends SIGTERM and waits; a process that ignores it is killed after the grace period", async () => {
  const marker = path.join(c.scratch, "terminated");
  const polite = await c.script(
    "polite.mjs",
    `import { writeFileSync } from "node:fs";
process.on("SIGTERM", () => { writeFileSync(${JSON.stringify(marker)}, "got SIGTERM"); process.exit(0); });
console.log("waiting");
setInterval(() => {}, 1 << 30);`,
  );
  await createPod(c, NS, {
    metadata: { name: "polite" },
    spec: { containers: [{ name: "polite", image: "busybox", command: [NODE, polite] }] },
  });
  await createPod(c, NS, {
    metadata: { name: "stubborn" },
    spec: {
      containers: [
        {
          name: "stubborn",
          image: "busybox",
          command: ["sh", "-c", 'trap "" TERM; while true; do sleep 0.1; done'],
        },
      ],
    },
  });
  for (const name of ["polite", "stubborn"])
    await c.waitForPod(NS, name, (p) => containerState(p)?.state?.running !== undefined, "running");
  await eventually(
    async () => (await logsOf("polite")) === "waiting\n",
    5000,
    "the SIGTERM handler installed",
  );

  const politeDeleted = await c.kubectl(["delete", "pod", "polite", "-n", NS]);
  assert.equal(politeDeleted.code, 0, politeDeleted.stderr);
  assert.equal(await readFile(marker, "utf8"), "got SIGTERM");
  assert.equal(await c.pod(NS, "polite"), undefined);

  const started = Date.now();
  const stubbornDeleted = await c.kubectl(["delete", "pod", "stubborn", "-n", NS, "--grace-period=1"]);
  assert.equal(stubbornDeleted.code, 0, stubbornDeleted.stderr);
  const took = Date.now() - started;
  assert.ok(took >= 900 && took < 10_000, `deletion took ${took} ms`);
  assert.equal(await c.pod(NS, "stubborn"), undefined);
});

test("kubectl logs -f follows until the container ends; --tail and --timestamps", async () => {
  await createPod(c, NS, {
    metadata: { name: "counter" },
    spec: {
      restartPolicy: "Never",
      containers: [
        {
          name: "counter",
          image: "busybox",
          command: ["sh", "-c", "for i in 1 2 3 4 5; do echo line $i; sleep 0.2; done"],
        },
      ],
    },
  });
  await c.waitForPod(NS, "counter", (p) => containerState(p)?.state?.running !== undefined, "running");
  const followed = await logsOf("counter", "-f");
  assert.equal(followed, "line 1\nline 2\nline 3\nline 4\nline 5\n");
  await finished("counter");
  assert.equal(await logsOf("counter", "--tail=2"), "line 4\nline 5\n");
  const stamped = (await logsOf("counter", "--timestamps")).trim().split("\n");
  assert.equal(stamped.length, 5);
  for (const [i, line] of stamped.entries())
    assert.match(line, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z line ${i + 1}$`));
});
