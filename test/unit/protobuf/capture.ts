// Regenerates test/fixtures/protobuf: runs real kubectl binaries against the local API server
// through a recording proxy and saves each protobuf request body kubectl sent, with the JSON
// object it stands for beside it. That JSON comes from kubectl itself (`--dry-run=client -o json`)
// where the command has a dry run; otherwise it is written here from kubectl's source (what it
// builds), not from the decoder.
//
//   node_modules/.bin/node test/unit/protobuf/capture.ts [1.32 1.33 …]
//
// kubectl 1.27–1.31 send these bodies as JSON (their typed clients default to JSON): for them the
// script reports "sent as JSON" and saves nothing; 1.32 and 1.33 send protobuf.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../../../src/server/index.ts";
import { startCaptureProxy } from "./capture-proxy.ts";

const VERSIONS = ["1.32", "1.33"];
const FIXTURES = new URL("../../fixtures/protobuf/", import.meta.url).pathname;
const NS = "capture";

type Json = Record<string, any>;

interface Ctx {
  version: string;
  /** Runs kubectl with the capture kubeconfig; rejects on a non-zero exit. */
  kubectl(args: string[]): Promise<string>;
  /** stdout of the captured command. */
  stdout: string;
  dir: string;
}

interface Capture {
  name: string;
  args: (ctx: Ctx) => string[];
  /** Objects created first (as JSON, by `kubectl create -f`), or other set-up commands. */
  setup?: (Json | string[])[];
  /** "dry-run": kubectl's own `--dry-run=client -o json` output; otherwise built from kubectl's source. */
  expected: "dry-run" | ((ctx: Ctx) => Json | Promise<Json>);
  /** The first kubectl minor version that has the command (default: all). */
  since?: number;
}

const minor = (v: string) => Number(v.split(".")[1]);

const node = { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } };
const pod = (name: string, spec: Json = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: NS },
  spec: { ...spec, containers: [{ name: "c", image: "nginx", resources: {} }] },
});

/** A pod using most PodSpec fields kubectl 1.27 already knows (older kubectl drops newer ones). */
const richPod: Json = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "rich", namespace: NS, annotations: { note: "kept by kubectl debug" } },
  spec: {
    volumes: [
      {
        name: "cfg",
        configMap: {
          name: "cm1",
          items: [{ key: "a", path: "a.txt", mode: 256 }],
          defaultMode: 420,
          optional: false,
        },
      },
      { name: "sec", secret: { secretName: "s1", defaultMode: 256, optional: true } },
      { name: "scratch", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
      { name: "empty", emptyDir: {} },
      { name: "host", hostPath: { path: "/var/log", type: "Directory" } },
      {
        name: "podinfo",
        downwardAPI: {
          items: [
            { path: "labels", fieldRef: { apiVersion: "v1", fieldPath: "metadata.labels" } },
            {
              path: "cpu",
              resourceFieldRef: { containerName: "app", resource: "limits.cpu", divisor: "1m" },
            },
          ],
          defaultMode: 420,
        },
      },
      {
        name: "proj",
        projected: {
          sources: [
            { serviceAccountToken: { audience: "api", expirationSeconds: 3600, path: "token" } },
            { configMap: { name: "cm1", items: [{ key: "a", path: "a" }] } },
            { secret: { name: "s1", optional: false } },
            {
              downwardAPI: {
                items: [{ path: "ns", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }],
              },
            },
          ],
          defaultMode: 420,
        },
      },
      { name: "pvc", persistentVolumeClaim: { claimName: "data", readOnly: true } },
      { name: "csi", csi: { driver: "x.csi.k8s.io", readOnly: false, volumeAttributes: { a: "b" } } },
    ],
    initContainers: [
      {
        name: "init",
        image: "busybox",
        command: ["sh", "-c", "true"],
        resources: {},
        terminationMessagePath: "/dev/termination-log",
        terminationMessagePolicy: "File",
        imagePullPolicy: "Always",
      },
    ],
    containers: [
      {
        name: "app",
        image: "nginx:1.27",
        command: ["nginx"],
        args: ["-g", "daemon off;"],
        workingDir: "/srv",
        ports: [
          { name: "http", containerPort: 8080, protocol: "TCP" },
          { containerPort: 9090, hostPort: 19090, protocol: "UDP", hostIP: "127.0.0.1" },
        ],
        envFrom: [
          { prefix: "CM_", configMapRef: { name: "cm1", optional: true } },
          { secretRef: { name: "s1" } },
        ],
        env: [
          { name: "A", value: "1" },
          { name: "EMPTY" },
          { name: "POD", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
          {
            name: "CPU",
            valueFrom: { resourceFieldRef: { containerName: "app", resource: "requests.cpu", divisor: "0" } },
          },
          { name: "K", valueFrom: { configMapKeyRef: { name: "cm1", key: "a", optional: false } } },
          { name: "S", valueFrom: { secretKeyRef: { name: "s1", key: "a" } } },
        ],
        resources: { limits: { cpu: "500m", memory: "128Mi" }, requests: { cpu: "250m", memory: "64Mi" } },
        volumeMounts: [
          { name: "cfg", readOnly: true, mountPath: "/etc/cfg" },
          { name: "scratch", mountPath: "/scratch", subPath: "x", mountPropagation: "None" },
          { name: "podinfo", mountPath: "/podinfo", subPathExpr: "$(POD)" },
        ],
        livenessProbe: {
          httpGet: {
            path: "/healthz",
            port: 8080,
            scheme: "HTTP",
            httpHeaders: [{ name: "X-Probe", value: "" }],
          },
          initialDelaySeconds: 5,
          timeoutSeconds: 1,
          periodSeconds: 10,
          successThreshold: 1,
          failureThreshold: 3,
        },
        readinessProbe: {
          tcpSocket: { port: "http" },
          timeoutSeconds: 1,
          periodSeconds: 5,
          successThreshold: 1,
          failureThreshold: 3,
        },
        startupProbe: {
          exec: { command: ["cat", "/tmp/ready"] },
          timeoutSeconds: 1,
          periodSeconds: 10,
          successThreshold: 1,
          failureThreshold: 30,
          terminationGracePeriodSeconds: 0,
        },
        lifecycle: {
          postStart: { exec: { command: ["echo", "hi"] } },
          preStop: { httpGet: { path: "/stop", port: 8080, scheme: "HTTP" } },
        },
        terminationMessagePath: "/dev/termination-log",
        terminationMessagePolicy: "FallbackToLogsOnError",
        imagePullPolicy: "IfNotPresent",
        securityContext: {
          capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] },
          privileged: false,
          seLinuxOptions: { level: "s0:c1,c2" },
          runAsUser: 0,
          runAsGroup: 0,
          runAsNonRoot: false,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          seccompProfile: { type: "RuntimeDefault" },
        },
        stdin: true,
        stdinOnce: true,
        tty: true,
      },
    ],
    restartPolicy: "Always",
    terminationGracePeriodSeconds: 0,
    activeDeadlineSeconds: 600,
    dnsPolicy: "ClusterFirst",
    nodeSelector: { disk: "ssd" },
    serviceAccountName: "sa1",
    serviceAccount: "sa1",
    automountServiceAccountToken: false,
    shareProcessNamespace: false,
    securityContext: {
      runAsUser: 1000,
      runAsGroup: 3000,
      runAsNonRoot: true,
      supplementalGroups: [4000, 5000],
      fsGroup: 2000,
      sysctls: [{ name: "net.core.somaxconn", value: "1024" }],
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "Localhost", localhostProfile: "profiles/p.json" },
    },
    imagePullSecrets: [{ name: "regcred" }],
    hostname: "h",
    subdomain: "sd",
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "k", operator: "In", values: ["a", "b"] }] }],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 1,
            preference: { matchFields: [{ key: "metadata.name", operator: "NotIn", values: ["x"] }] },
          },
        ],
      },
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: {
              labelSelector: {
                matchLabels: { app: "x" },
                matchExpressions: [{ key: "tier", operator: "Exists" }],
              },
              namespaces: [NS],
              topologyKey: "kubernetes.io/hostname",
            },
          },
        ],
      },
    },
    schedulerName: "default-scheduler",
    tolerations: [
      { key: "k", operator: "Equal", value: "v", effect: "NoExecute", tolerationSeconds: 0 },
      { operator: "Exists" },
    ],
    hostAliases: [{ ip: "127.0.0.2", hostnames: ["a.local"] }],
    dnsConfig: {
      nameservers: ["127.0.0.53"],
      searches: ["svc.local"],
      options: [{ name: "ndots", value: "2" }, { name: "edns0" }],
    },
    readinessGates: [{ conditionType: "example.com/ready" }],
    enableServiceLinks: false,
    preemptionPolicy: "PreemptLowerPriority",
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: "zone",
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: { matchLabels: { app: "x" } },
        minDomains: 2,
        nodeAffinityPolicy: "Honor",
        nodeTaintsPolicy: "Ignore",
        matchLabelKeys: ["pod-template-hash"],
      },
    ],
    setHostnameAsFQDN: false,
    os: { name: "linux" },
    hostUsers: true,
    schedulingGates: [{ name: "example.com/gate" }],
  },
};

/** Fields newer than kubectl 1.27, for the newest kubectl only. */
const newerPod: Json = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "newer", namespace: NS },
  spec: {
    volumes: [
      { name: "img", image: { reference: "registry.example/data:1", pullPolicy: "IfNotPresent" } },
      {
        name: "ctb",
        projected: {
          sources: [
            { clusterTrustBundle: { signerName: "example.com/signer", optional: true, path: "ca.pem" } },
          ],
        },
      },
    ],
    initContainers: [
      {
        name: "sidecar",
        image: "busybox",
        resources: {},
        restartPolicy: "Always",
        resizePolicy: [{ resourceName: "cpu", restartPolicy: "NotRequired" }],
      },
    ],
    containers: [
      {
        name: "app",
        image: "nginx",
        resources: { claims: [{ name: "gpu" }] },
        volumeMounts: [{ name: "img", mountPath: "/data", readOnly: true, recursiveReadOnly: "IfPossible" }],
        lifecycle: { preStop: { sleep: { seconds: 0 } }, stopSignal: "SIGTERM" },
        readinessProbe: { grpc: { port: 9000, service: "" }, periodSeconds: 5 },
        securityContext: { appArmorProfile: { type: "RuntimeDefault" }, procMount: "Default" },
      },
    ],
    securityContext: {
      supplementalGroupsPolicy: "Strict",
      seLinuxChangePolicy: "MountOption",
      appArmorProfile: { type: "Localhost", localhostProfile: "k8s-apparmor" },
    },
    os: { name: "linux" },
    resourceClaims: [{ name: "gpu", resourceClaimTemplateName: "gpu-template" }],
    resources: { limits: { cpu: "1" } },
  },
};

/** What `kubectl debug POD --copy-to=NAME --image=busybox --container=dbg` builds from the pod it read. */
function podCopy(source: Json, name: string, version: string): Json {
  const spec = structuredClone(source.spec);
  delete spec.nodeName; // not --same-node
  delete spec.ephemeralContainers;
  // kubectl < 1.30 always set shareProcessNamespace from --share-processes (default true).
  if (minor(version) < 30) spec.shareProcessNamespace = true;
  spec.containers.push({ name: "dbg", image: "busybox", resources: {}, terminationMessagePolicy: "File" });
  const metadata: Json = { name, namespace: source.metadata.namespace, creationTimestamp: null };
  if (source.metadata.annotations) metadata.annotations = source.metadata.annotations;
  return { apiVersion: "v1", kind: "Pod", metadata, spec, status: {} };
}

const SSAR = (resourceAttributes: Json | undefined, nonResourceAttributes?: Json): Json => ({
  apiVersion: "authorization.k8s.io/v1",
  kind: "SelfSubjectAccessReview",
  metadata: { creationTimestamp: null },
  spec: { resourceAttributes, nonResourceAttributes },
  status: { allowed: false },
});

const CAPTURES: Capture[] = [
  { name: "namespace", args: () => ["create", "namespace", "capture2"], expected: "dry-run" },
  { name: "serviceaccount", args: () => ["create", "serviceaccount", "sa1"], expected: "dry-run" },
  {
    name: "configmap",
    args: (c) =>
      ["create", "configmap", "cm1", "--from-literal=a=b", "--from-literal=empty="].concat([
        `--from-file=bin=${join(c.dir, "binary")}`,
        `--from-file=${join(c.dir, "text.txt")}`,
      ]),
    expected: "dry-run",
  },
  {
    name: "secret-generic",
    args: (c) =>
      ["create", "secret", "generic", "s1", "--from-literal=a=b", "--type=Opaque"].concat([
        `--from-file=bin=${join(c.dir, "binary")}`,
      ]),
    expected: "dry-run",
  },
  {
    name: "secret-docker-registry",
    args: () =>
      ["create", "secret", "docker-registry", "d1", "--docker-username=u", "--docker-password=p"].concat([
        "--docker-server=registry.example",
        "--docker-email=u@example.com",
      ]),
    expected: "dry-run",
  },
  {
    name: "service-clusterip",
    args: () => ["create", "service", "clusterip", "svc1", "--tcp=80:8080", "--tcp=443:8443"],
    expected: "dry-run",
  },
  {
    name: "service-headless",
    args: () => ["create", "service", "clusterip", "headless", "--clusterip=None", "--tcp=53:53"],
    expected: "dry-run",
  },
  {
    name: "service-nodeport",
    args: () => ["create", "service", "nodeport", "np1", "--tcp=80:8080", "--node-port=30080"],
    expected: "dry-run",
  },
  {
    name: "service-loadbalancer",
    args: () => ["create", "service", "loadbalancer", "lb1", "--tcp=80:http"],
    expected: "dry-run",
  },
  {
    name: "service-externalname",
    args: () => ["create", "service", "externalname", "ext1", "--external-name=example.com", "--tcp=443"],
    expected: "dry-run",
  },
  {
    name: "role",
    args: () =>
      ["create", "role", "r1", "--verb=get", "--verb=list", "--resource=pods,pods/log"].concat([
        "--resource=deployments.apps",
        "--resource-name=a",
        "--resource-name=b",
      ]),
    expected: "dry-run",
  },
  {
    name: "clusterrole",
    args: () =>
      ["create", "clusterrole", "cr1", "--verb=get", "--non-resource-url=/healthz"].concat([
        "--non-resource-url=/logs/*",
      ]),
    expected: "dry-run",
  },
  {
    name: "clusterrole-aggregated",
    args: () => ["create", "clusterrole", "agg", "--aggregation-rule=rbac.example.com/aggregate=true,tier=x"],
    expected: "dry-run",
  },
  {
    name: "rolebinding",
    args: () =>
      ["create", "rolebinding", "rb1", "--role=r1", `--serviceaccount=${NS}:sa1`].concat([
        "--user=alice",
        "--group=devs",
      ]),
    expected: "dry-run",
  },
  {
    name: "clusterrolebinding",
    args: () =>
      ["create", "clusterrolebinding", "crb1", "--clusterrole=cr1", "--user=bob"].concat([
        "--group=ops",
        `--serviceaccount=${NS}:sa1`,
      ]),
    expected: "dry-run",
  },
  {
    name: "deployment",
    args: () => ["create", "deployment", "web", "--image=nginx", "--replicas=2", "--port=80"],
    expected: "dry-run",
  },
  {
    name: "deployment-zero-replicas",
    args: () => ["create", "deployment", "w2", "--image=nginx", "--image=busybox", "--replicas=0"],
    expected: "dry-run",
  },
  {
    name: "token",
    setup: [["create", "serviceaccount", "sa1"]],
    args: () => ["create", "token", "sa1"],
    // kubectl create token: TokenRequest{Spec: {Audiences: o.Audiences}} (nil without --audience).
    expected: () => ({
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      metadata: { creationTimestamp: null },
      spec: { audiences: null },
      status: { token: "", expirationTimestamp: null },
    }),
  },
  {
    name: "token-options",
    setup: [["create", "serviceaccount", "sa1"], pod("p1", { serviceAccountName: "sa1" })],
    args: () =>
      ["create", "token", "sa1", "--audience=a", "--audience=b", "--duration=1h"].concat([
        "--bound-object-kind=Pod",
        "--bound-object-name=p1",
      ]),
    // ExpirationSeconds from --duration; BoundObjectRef{Kind, APIVersion: "v1", Name, UID: ""}.
    expected: () => ({
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      metadata: { creationTimestamp: null },
      spec: {
        audiences: ["a", "b"],
        expirationSeconds: 3600,
        boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p1" },
      },
      status: { token: "", expirationTimestamp: null },
    }),
  },
  // kubectl auth can-i: ResourceAttributes{Namespace, Verb, Group, Resource, Subresource, Name}.
  {
    name: "can-i",
    args: () => ["auth", "can-i", "get", "pods"],
    expected: () => SSAR({ namespace: NS, verb: "get", resource: "pods" }),
  },
  {
    name: "can-i-subresource",
    args: () => ["auth", "can-i", "get", "pods", "--subresource=log"],
    expected: () => SSAR({ namespace: NS, verb: "get", resource: "pods", subresource: "log" }),
  },
  {
    name: "can-i-named",
    args: () => ["auth", "can-i", "delete", "roles.rbac.authorization.k8s.io/r1"],
    expected: () =>
      SSAR({
        namespace: NS,
        verb: "delete",
        group: "rbac.authorization.k8s.io",
        resource: "roles",
        name: "r1",
      }),
  },
  {
    name: "can-i-all-namespaces",
    args: () => ["auth", "can-i", "list", "secrets", "--all-namespaces"],
    expected: () => SSAR({ verb: "list", resource: "secrets" }),
  },
  {
    name: "can-i-nonresource",
    args: () => ["auth", "can-i", "get", "/healthz"],
    expected: () => SSAR(undefined, { path: "/healthz", verb: "get" }),
  },
  {
    name: "can-i-list",
    args: () => ["auth", "can-i", "--list"],
    // SelfSubjectRulesReview{Spec: {Namespace}}; the status' rule lists are nil, incomplete false.
    expected: () => ({
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectRulesReview",
      metadata: { creationTimestamp: null },
      spec: { namespace: NS },
      status: { resourceRules: null, nonResourceRules: null, incomplete: false },
    }),
  },
  {
    name: "whoami",
    since: 28, // 1.27 only had the alpha command, against v1alpha1
    args: () => ["auth", "whoami"],
    expected: () => ({
      apiVersion: "authentication.k8s.io/v1",
      kind: "SelfSubjectReview",
      metadata: { creationTimestamp: null },
      status: { userInfo: {} },
    }),
  },
  {
    name: "delete-options",
    setup: [node, pod("p1", { nodeName: "n1" })],
    args: () => ["drain", "n1", "--disable-eviction", "--force", "--grace-period=0", "--timeout=10s"],
    // drain's makeDeleteOptions: GracePeriodSeconds = &0 for --grace-period=0.
    expected: () => ({ apiVersion: "v1", kind: "DeleteOptions", gracePeriodSeconds: 0 }),
  },
  {
    name: "debug-node",
    setup: [node],
    args: () => ["debug", "node/n1", "--image=busybox"],
    // generateNodeDebugPod + the legacy profile (host namespaces, host root mounted at /host).
    expected: (c) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: /Creating debugging pod (\S+)/.exec(c.stdout)![1], creationTimestamp: null },
      spec: {
        volumes: [{ name: "host-root", hostPath: { path: "/" } }],
        containers: [
          {
            name: "debugger",
            image: "busybox",
            resources: {},
            volumeMounts: [{ name: "host-root", mountPath: "/host" }],
            terminationMessagePolicy: "File",
          },
        ],
        restartPolicy: "Never",
        nodeName: "n1",
        hostNetwork: true,
        hostPID: true,
        hostIPC: true,
        tolerations: [{ operator: "Exists" }],
      },
      status: {},
    }),
  },
  {
    name: "debug-copy",
    setup: [["create", "serviceaccount", "sa1"], richPod],
    args: () => ["debug", "rich", "--copy-to=rich-copy", "--image=busybox", "--container=dbg"],
    expected: async (c) =>
      podCopy(JSON.parse(await c.kubectl(["get", "pod", "rich", "-o", "json"])), "rich-copy", c.version),
  },
  {
    name: "debug-copy-newer",
    since: 33,
    setup: [newerPod],
    args: () => ["debug", "newer", "--copy-to=newer-copy", "--image=busybox", "--container=dbg"],
    expected: async (c) =>
      podCopy(JSON.parse(await c.kubectl(["get", "pod", "newer", "-o", "json"])), "newer-copy", c.version),
  },
];

function run(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubectl ${args.join(" ")}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

async function captureVersion(version: string): Promise<void> {
  const bin = `/usr/lib/google-cloud-sdk/bin/kubectl.${version}`;
  const outDir = join(FIXTURES, `kubectl-${version}`);
  mkdirSync(outDir, { recursive: true });
  for (const c of CAPTURES) {
    if (c.since && minor(version) < c.since) continue;
    // A fresh server per capture: set-up objects never collide, and each body stands alone.
    const server = await startServer({ port: 0, logLevel: "silent" });
    const proxy = await startCaptureProxy({
      url: server.url,
      caPem: server.pki.caCertPem,
      certPem: server.pki.adminCertPem,
      keyPem: server.pki.adminKeyPem,
    });
    const dir = mkdtempSync(join(tmpdir(), "incluster-capture-"));
    try {
      writeFileSync(join(dir, "binary"), Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41]));
      writeFileSync(join(dir, "text.txt"), "line 1\nline 2\n");
      const kubeconfig = join(dir, "kubeconfig");
      writeFileSync(
        kubeconfig,
        JSON.stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [
            {
              name: "c",
              cluster: {
                server: proxy.url,
                "certificate-authority-data": Buffer.from(proxy.certPem).toString("base64"),
              },
            },
          ],
          users: [{ name: "u", user: { token: "capture" } }],
          contexts: [{ name: "c", context: { cluster: "c", user: "u", namespace: NS } }],
          "current-context": "c",
        }),
      );
      const env = { PATH: process.env.PATH ?? "", HOME: dir };
      const kubectl = (args: string[]) =>
        run(bin, ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "cache"), ...args], env);
      if (c.name !== "namespace") await kubectl(["create", "namespace", NS]);
      for (const s of c.setup ?? []) {
        if (Array.isArray(s)) await kubectl(s);
        else {
          writeFileSync(join(dir, "setup.json"), JSON.stringify(s));
          await kubectl(["create", "-f", join(dir, "setup.json")]);
        }
      }
      const ctx: Ctx = { version, kubectl, stdout: "", dir };
      const args = c.args(ctx);
      proxy.recorded.length = 0;
      ctx.stdout = await kubectl(args);
      const body = proxy.recorded[0]?.body;
      if (!body) {
        console.log(`${version} ${c.name}: sent as JSON, not protobuf`);
        continue;
      }
      const expected =
        c.expected === "dry-run"
          ? JSON.parse(await kubectl([...args, "--dry-run=client", "-o", "json"]))
          : await c.expected(ctx);
      writeFileSync(join(outDir, `${c.name}.bin`), body);
      writeFileSync(join(outDir, `${c.name}.json`), `${JSON.stringify(expected, null, 2)}\n`);
      console.log(`${version} ${c.name}: ${body.length} bytes (${proxy.recorded.length} protobuf requests)`);
    } finally {
      await proxy.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

const versions = process.argv.length > 2 ? process.argv.slice(2) : VERSIONS;
for (const v of versions) {
  if (!existsSync(`/usr/lib/google-cloud-sdk/bin/kubectl.${v}`)) throw new Error(`no kubectl ${v}`);
  await captureVersion(v);
}
