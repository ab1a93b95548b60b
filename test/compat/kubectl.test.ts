// Real kubectl binaries against the local API server: the machine's kubectl (gcloud's dispatcher, which
// runs the kubectl matching the server's minor version, 1.33) in depth, then the everyday workflow with
// each of the Cloud SDK's kubectl.1.27 … kubectl.1.33.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import YAML from "yaml";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";
import { createNamespace, spawnLines } from "./support.ts";

const GCLOUD_BIN = "/usr/lib/google-cloud-sdk/bin";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
});
after(() => c.stop());

type Kubectl = (
  args: string[],
  o?: { input?: string },
) => Promise<{ code: number; stdout: string; stderr: string }>;

/** Runs kubectl and asserts exit code 0; returns stdout. */
async function ok(k: Kubectl, args: string[], input?: string): Promise<string> {
  const r = await k(args, { input });
  assert.equal(
    r.code,
    0,
    `kubectl ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
  );
  return r.stdout;
}

/** Splits a kubectl table into rows of cells (columns are separated by two or more spaces). */
function table(out: string): string[][] {
  return out
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => l.trim().split(/\s{2,}/));
}

function header(out: string): string[] {
  return table(out)[0];
}

function row(out: string, name: string, nameColumn = 0): string[] {
  const found = table(out).find((r) => r[nameColumn] === name);
  assert.ok(found, `no row ${name} in\n${out}`);
  return found;
}

const AGE = /^\d+s$|^\d+m\d*s?$/;

function manifest(ns: string): string {
  return `apiVersion: v1
kind: ConfigMap
metadata: {name: app-config, namespace: ${ns}, labels: {app: web}}
data: {mode: prod}
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret, namespace: ${ns}}
stringData: {password: s3cret}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: ${ns}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${ns}}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: ${ns}, labels: {app: web, tier: front}}
spec:
  serviceAccountName: app
  containers: [{name: nginx, image: "nginx:1.27", ports: [{containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: ${ns}, labels: {app: api}}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: "busybox:1.36"}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: ${ns}}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: app-reader, namespace: ${ns}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: app, namespace: ${ns}}]
`;
}

const CREATED = [
  "configmap/app-config created",
  "secret/app-secret created",
  "serviceaccount/app created",
  "service/web created",
  "pod/web created",
  "deployment.apps/api created",
  "role.rbac.authorization.k8s.io/reader created",
  "rolebinding.rbac.authorization.k8s.io/app-reader created",
];

async function selfSubjectReview(token: string) {
  const r = await c.request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
    token,
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  });
  assert.equal(r.status, 201, r.text);
  return r.json.status.userInfo as { username: string; uid?: string; groups: string[]; extra?: unknown };
}

describe("the machine's kubectl (on PATH)", () => {
  const NS = "k";
  const k: Kubectl = (args, o) => c.kubectl(args, o);

  before(async () => {
    await createNamespace(c, NS);
  });

  test("version -o json reports the server as 1.33", async () => {
    const v = JSON.parse(await ok(k, ["version", "-o", "json"]));
    assert.equal(v.serverVersion.major, "1");
    assert.equal(v.serverVersion.minor, "33");
    assert.match(v.serverVersion.gitVersion, /^v1\.33\.\d+/);
    assert.equal(v.clientVersion.major, "1");
    // gcloud's kubectl dispatcher (/usr/bin/kubectl, "v1.32.4-dispatcher") runs kubectl.1.33 for this server.
    assert.ok(Number(v.clientVersion.minor) >= 32, v.clientVersion.gitVersion);
  });

  test("api-versions and api-resources list the served groups and resources", async () => {
    const versions = (await ok(k, ["api-versions"])).trim().split("\n");
    for (const gv of [
      "v1",
      "apps/v1",
      "authentication.k8s.io/v1",
      "authorization.k8s.io/v1",
      "rbac.authorization.k8s.io/v1",
      "discovery.k8s.io/v1",
    ]) {
      assert.ok(versions.includes(gv), `${gv} missing from ${versions.join(",")}`);
    }
    const resources = await ok(k, ["api-resources"]);
    assert.deepEqual(header(resources), ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]);
    assert.deepEqual(row(resources, "pods"), ["pods", "po", "v1", "true", "Pod"]);
    assert.deepEqual(row(resources, "deployments"), [
      "deployments",
      "deploy",
      "apps/v1",
      "true",
      "Deployment",
    ]);
    assert.deepEqual(row(resources, "namespaces"), ["namespaces", "ns", "v1", "false", "Namespace"]);
    assert.deepEqual(row(resources, "clusterroles"), [
      "clusterroles",
      "rbac.authorization.k8s.io/v1",
      "false",
      "ClusterRole",
    ]);
    const wide = await ok(k, ["api-resources", "-o", "wide", "--api-group=apps"]);
    assert.deepEqual(header(wide), [
      "NAME",
      "SHORTNAMES",
      "APIVERSION",
      "NAMESPACED",
      "KIND",
      "VERBS",
      "CATEGORIES",
    ]);
    assert.equal(
      row(wide, "deployments")[5],
      "create,delete,deletecollection,get,list,patch,update,watch",
      wide,
    );
    const names = (await ok(k, ["api-resources", "--namespaced=false", "-o", "name"])).trim().split("\n");
    assert.ok(names.includes("namespaces"));
    assert.ok(names.includes("clusterrolebindings.rbac.authorization.k8s.io"));
    assert.ok(!names.includes("pods"));
  });

  test("create -f creates every object of a multi-document manifest", async () => {
    const out = await ok(k, ["create", "-f", "-"], manifest(NS));
    assert.deepEqual(out.trim().split("\n"), CREATED);
    await c.server.settle();
    const again = await k(["create", "-f", "-"], { input: manifest(NS) });
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /Error from server \(AlreadyExists\): error when creating "STDIN": configmaps "app-config" already exists/,
    );
  });

  test("get prints kubectl's table columns for each kind", async () => {
    const pods = await ok(k, ["get", "pods", "-n", NS]);
    assert.deepEqual(header(pods), ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    const web = row(pods, "web");
    assert.deepEqual(web.slice(0, 4), ["web", "0/1", "Pending", "0"]);
    assert.match(web[4], AGE);
    assert.equal(table(pods).filter((r) => r[0].startsWith("api-")).length, 2, pods);

    const ns = await ok(k, ["get", "ns"]);
    assert.deepEqual(header(ns), ["NAME", "STATUS", "AGE"]);
    for (const n of ["default", "kube-system", "kube-public", "kube-node-lease", NS]) {
      assert.deepEqual(row(ns, n).slice(0, 2), [n, "Active"]);
    }

    const sa = await ok(k, ["get", "sa", "-n", NS]);
    assert.deepEqual(header(sa), ["NAME", "SECRETS", "AGE"]);
    assert.deepEqual(row(sa, "app").slice(0, 2), ["app", "0"]);
    assert.deepEqual(row(sa, "default").slice(0, 2), ["default", "0"]);

    const secrets = await ok(k, ["get", "secrets", "-n", NS]);
    assert.deepEqual(header(secrets), ["NAME", "TYPE", "DATA", "AGE"]);
    assert.deepEqual(row(secrets, "app-secret").slice(0, 3), ["app-secret", "Opaque", "1"]);

    const cm = await ok(k, ["get", "cm", "-n", NS]);
    assert.deepEqual(header(cm), ["NAME", "DATA", "AGE"]);
    assert.deepEqual(row(cm, "app-config").slice(0, 2), ["app-config", "1"]);
    assert.deepEqual(row(cm, "kube-root-ca.crt").slice(0, 2), ["kube-root-ca.crt", "1"]);

    const svc = await ok(k, ["get", "svc", "-n", NS]);
    assert.deepEqual(header(svc), ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]);
    const websvc = row(svc, "web");
    assert.equal(websvc[1], "ClusterIP");
    assert.match(websvc[2], /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    assert.deepEqual(websvc.slice(3, 5), ["<none>", "80/TCP"]);

    const deploy = await ok(k, ["get", "deploy", "-n", NS]);
    assert.deepEqual(header(deploy), ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
    assert.deepEqual(row(deploy, "api").slice(0, 4), ["api", "0/2", "2", "0"]);

    const roles = await ok(k, ["get", "roles", "-n", NS]);
    assert.deepEqual(header(roles), ["NAME", "CREATED AT"]);
    assert.match(row(roles, "reader")[1], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const bindings = await ok(k, ["get", "rolebindings", "-n", NS]);
    assert.deepEqual(header(bindings), ["NAME", "ROLE", "AGE"]);
    assert.deepEqual(row(bindings, "app-reader").slice(0, 2), ["app-reader", "Role/reader"]);

    const crb = await ok(k, ["get", "clusterrolebindings", "cluster-admin", "-o", "wide"]);
    assert.deepEqual(header(crb), ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]);
    assert.deepEqual(row(crb, "cluster-admin")[1], "ClusterRole/cluster-admin");
    assert.deepEqual(row(crb, "cluster-admin")[3], "system:masters");
  });

  test("get -o wide adds the priority-1 columns", async () => {
    const pods = await ok(k, ["get", "pods", "-n", NS, "-o", "wide"]);
    assert.deepEqual(header(pods), [
      "NAME",
      "READY",
      "STATUS",
      "RESTARTS",
      "AGE",
      "IP",
      "NODE",
      "NOMINATED NODE",
      "READINESS GATES",
    ]);
    assert.deepEqual(row(pods, "web").slice(5), ["<none>", "<none>", "<none>", "<none>"]);
    const deploy = await ok(k, ["get", "deploy", "-n", NS, "-o", "wide"]);
    assert.deepEqual(header(deploy), [
      "NAME",
      "READY",
      "UP-TO-DATE",
      "AVAILABLE",
      "AGE",
      "CONTAINERS",
      "IMAGES",
      "SELECTOR",
    ]);
    assert.deepEqual(row(deploy, "api").slice(5), ["api", "busybox:1.36", "app=api"]);
    const bindings = await ok(k, ["get", "rolebindings", "-n", NS, "-o", "wide"]);
    assert.deepEqual(header(bindings), ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]);
    assert.equal(row(bindings, "app-reader").at(-1), `${NS}/app`);
    const svc = await ok(k, ["get", "svc", "web", "-n", NS, "-o", "wide"]);
    assert.deepEqual(header(svc).at(-1), "SELECTOR");
    assert.equal(row(svc, "web").at(-1), "app=web");
  });

  test("get -o json and -o yaml return the stored objects; lists are kind List", async () => {
    const pod = JSON.parse(await ok(k, ["get", "pod", "web", "-n", NS, "-o", "json"]));
    assert.equal(pod.kind, "Pod");
    assert.equal(pod.apiVersion, "v1");
    assert.equal(pod.metadata.namespace, NS);
    assert.equal(pod.spec.serviceAccountName, "app");
    assert.equal(pod.status.phase, "Pending");
    const list = JSON.parse(await ok(k, ["get", "cm", "-n", NS, "-o", "json"]));
    assert.equal(list.kind, "List");
    assert.deepEqual(list.items.map((i: any) => i.metadata.name).sort(), ["app-config", "kube-root-ca.crt"]);
    const yaml = YAML.parse(await ok(k, ["get", "deploy", "api", "-n", NS, "-o", "yaml"]));
    assert.equal(yaml.kind, "Deployment");
    assert.equal(yaml.apiVersion, "apps/v1");
    assert.equal(yaml.spec.replicas, 2);
    assert.equal(yaml.spec.template.spec.containers[0].image, "busybox:1.36");
    const secret = YAML.parse(await ok(k, ["get", "secret", "app-secret", "-n", NS, "-o", "yaml"]));
    assert.equal(Buffer.from(secret.data.password, "base64").toString(), "s3cret");
    assert.equal(secret.stringData, undefined);
    const jsonpath = await ok(k, ["get", "pod", "web", "-n", NS, "-o", "jsonpath={.metadata.labels.tier}"]);
    assert.equal(jsonpath, "front");
  });

  test("get -A, -l and --field-selector", async () => {
    const all = await ok(k, ["get", "pods", "-A"]);
    assert.deepEqual(header(all), ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    assert.ok(
      table(all).some((r) => r[0] === NS && r[1] === "web"),
      all,
    );
    const sas = await ok(k, ["get", "sa", "-A", "-o", "name"]);
    assert.ok(sas.split("\n").filter((l) => l === "serviceaccount/default").length >= 5, sas);

    const byLabel = await ok(k, ["get", "pods", "-n", NS, "-l", "app=web", "-o", "name"]);
    assert.equal(byLabel.trim(), "pod/web");
    const setBased = await ok(k, ["get", "pods", "-n", NS, "-l", "app in (api),app!=web", "-o", "name"]);
    assert.equal(setBased.trim().split("\n").length, 2);
    assert.ok(
      setBased
        .trim()
        .split("\n")
        .every((l) => l.startsWith("pod/api-")),
      setBased,
    );
    const none = await k(["get", "pods", "-n", NS, "-l", "app=nothing"]);
    assert.equal(none.code, 0);
    assert.equal(none.stdout, "");
    assert.equal(none.stderr.trim(), `No resources found in ${NS} namespace.`);

    const byField = await ok(k, [
      "get",
      "pods",
      "-A",
      "--field-selector",
      `metadata.name=web,metadata.namespace=${NS}`,
    ]);
    assert.deepEqual(
      table(byField)
        .slice(1)
        .map((r) => r[1]),
      ["web"],
    );
    const pending = await ok(k, [
      "get",
      "pods",
      "-n",
      NS,
      "--field-selector",
      "status.phase=Pending",
      "-o",
      "name",
    ]);
    assert.equal(pending.trim().split("\n").length, 3);
    const bySa = await ok(k, [
      "get",
      "pods",
      "-n",
      NS,
      "--field-selector",
      "spec.serviceAccountName=app",
      "-o",
      "name",
    ]);
    assert.equal(bySa.trim(), "pod/web");
    const bad = await k(["get", "pods", "-n", NS, "--field-selector", "spec.bogus=1"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Error from server \(BadRequest\): .*field label not supported: spec\.bogus/);
  });

  test("describe pod, namespace, serviceaccount and deployment", async () => {
    const pod = await ok(k, ["describe", "pod", "web", "-n", NS]);
    assert.match(pod, /^Name:\s+web$/m);
    assert.match(pod, /^Namespace:\s+k$/m);
    assert.match(pod, /^Service Account:\s+app$/m);
    assert.match(pod, /^Node:\s+<none>$/m);
    assert.match(pod, /^Labels:\s+app=web\n\s+tier=front$/m);
    assert.match(pod, /^Status:\s+Pending$/m);
    assert.match(pod, /^ {4}Image:\s+nginx:1\.27$/m);
    assert.match(pod, /^ {4}Port:\s+8080\/TCP$/m);
    assert.match(
      pod,
      /\/var\/run\/secrets\/kubernetes\.io\/serviceaccount from kube-api-access-[a-z0-9]{5} \(ro\)/,
    );
    assert.match(pod, /^QoS Class:\s+BestEffort$/m);
    assert.match(pod, /^Tolerations:\s+node\.kubernetes\.io\/not-ready:NoExecute op=Exists for 300s$/m);

    const ns = await ok(k, ["describe", "ns", NS]);
    assert.match(ns, /^Name:\s+k$/m);
    assert.match(ns, /^Labels:\s+kubernetes\.io\/metadata\.name=k$/m);
    assert.match(ns, /^Status:\s+Active$/m);

    const sa = await ok(k, ["describe", "sa", "app", "-n", NS]);
    assert.match(sa, /^Name:\s+app$/m);
    assert.match(sa, /^Namespace:\s+k$/m);
    assert.match(sa, /^Mountable secrets:\s+<none>$/m);
    assert.match(sa, /^Tokens:\s+<none>$/m);

    const deploy = await ok(k, ["describe", "deployment", "api", "-n", NS]);
    assert.match(deploy, /^Name:\s+api$/m);
    assert.match(deploy, /^Selector:\s+app=api$/m);
    assert.match(deploy, /^Replicas:\s+2 desired \| 2 updated \| 2 total \| 0 available \| 2 unavailable$/m);
    assert.match(deploy, /^StrategyType:\s+RollingUpdate$/m);
    assert.match(deploy, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
    assert.match(deploy, /^NewReplicaSet:\s+api-[a-z0-9]+ \(2\/2 replicas created\)$/m);
    // The pod template carries no pod-only admission defaults (tolerations, priority).
    assert.doesNotMatch(deploy, /not-ready/);
  });

  test("label, annotate and the three patch types", async () => {
    assert.equal(await ok(k, ["label", "pod", "web", "-n", NS, "env=prod"]), "pod/web labeled\n");
    const dup = await k(["label", "pod", "web", "-n", NS, "env=dev"]);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /'env' already has a value \(prod\), and --overwrite is false/);
    assert.equal(
      await ok(k, ["label", "pod", "web", "-n", NS, "env=dev", "--overwrite"]),
      "pod/web labeled\n",
    );
    assert.equal(await ok(k, ["label", "pod", "web", "-n", NS, "env-"]), "pod/web unlabeled\n");
    assert.equal(
      await ok(k, ["annotate", "pod", "web", "-n", NS, "example.com/owner=team-a"]),
      "pod/web annotated\n",
    );

    assert.equal(
      await ok(k, [
        "patch",
        "pod",
        "web",
        "-n",
        NS,
        "--type=merge",
        "-p",
        '{"metadata":{"labels":{"merge":"1"}}}',
      ]),
      "pod/web patched\n",
    );
    assert.equal(
      await ok(k, [
        "patch",
        "pod",
        "web",
        "-n",
        NS,
        "--type=json",
        "-p",
        '[{"op":"add","path":"/metadata/labels/json","value":"2"}]',
      ]),
      "pod/web patched\n",
    );
    // Strategic merge patch (the default type): containers merge by name.
    assert.equal(
      await ok(k, [
        "patch",
        "deploy",
        "api",
        "-n",
        NS,
        "-p",
        '{"spec":{"template":{"spec":{"containers":[{"name":"api","image":"busybox:1.37"}]}}}}',
      ]),
      "deployment.apps/api patched\n",
    );
    assert.equal(
      await ok(k, ["patch", "pod", "web", "-n", NS, "-p", '{"metadata":{"labels":{"merge":"1"}}}']),
      "pod/web patched (no change)\n",
    );
    const pod = JSON.parse(await ok(k, ["get", "pod", "web", "-n", NS, "-o", "json"]));
    assert.deepEqual(pod.metadata.labels, { app: "web", tier: "front", merge: "1", json: "2" });
    assert.equal(pod.metadata.annotations["example.com/owner"], "team-a");
    const deploy = JSON.parse(await ok(k, ["get", "deploy", "api", "-n", NS, "-o", "json"]));
    assert.deepEqual(
      deploy.spec.template.spec.containers.map((x: any) => [x.name, x.image]),
      [["api", "busybox:1.37"]],
    );
    const badJson = await k([
      "patch",
      "pod",
      "web",
      "-n",
      NS,
      "--type=json",
      "-p",
      '[{"op":"remove","path":"/nope"}]',
    ]);
    // A JSON patch that cannot be applied is a 422 Invalid without details, as kube-apiserver's patcher says.
    assert.equal(badJson.code, 1);
    assert.equal(
      badJson.stderr.trim(),
      "The request is invalid: the server rejected our request due to an error in our request",
    );
  });

  test("scale a deployment: the ReplicaSet and its pods follow", async () => {
    assert.equal(
      await ok(k, ["scale", "deploy", "api", "-n", NS, "--replicas=3"]),
      "deployment.apps/api scaled\n",
    );
    // The earlier image patch left a rollout stuck (no runtime: no Pod becomes available) at 2 old + 1
    // new Pod; as upstream, scaling shares the new size proportionally up to replicas + maxSurge = 4.
    await eventually(async () => {
      await c.server.settle();
      const out = await ok(k, ["get", "pods", "-n", NS, "-l", "app=api", "-o", "name"]);
      return out.trim().split("\n").length === 4;
    });
    const deploy = await ok(k, ["get", "deploy", "api", "-n", NS]);
    assert.deepEqual(row(deploy, "api").slice(0, 2), ["api", "0/3"]);
    const scale = JSON.parse(
      await ok(k, ["get", "--raw", `/apis/apps/v1/namespaces/${NS}/deployments/api/scale`]),
    );
    assert.equal(scale.kind, "Scale");
    assert.equal(scale.spec.replicas, 3);
    assert.equal(scale.status.selector, "app=api");
  });

  test("apply -f: created, unchanged, configured; --server-side", async () => {
    const file = path.join(c.dir, "applied.yaml");
    const doc = (v: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: applied, namespace: ${NS}}\ndata: {v: "${v}"}\n`;
    await writeFile(file, doc("1"));
    assert.equal(await ok(k, ["apply", "-f", file]), "configmap/applied created\n");
    assert.equal(await ok(k, ["apply", "-f", file]), "configmap/applied unchanged\n");
    await writeFile(file, doc("2"));
    assert.equal(await ok(k, ["apply", "-f", file]), "configmap/applied configured\n");
    const cm = JSON.parse(await ok(k, ["get", "cm", "applied", "-n", NS, "-o", "json"]));
    assert.deepEqual(cm.data, { v: "2" });
    const last = JSON.parse(cm.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]);
    assert.deepEqual(last.data, { v: "2" });

    // Objects made by create -f carry no last-applied annotation: their first apply is "configured", the
    // next one "unchanged".
    assert.deepEqual((await ok(k, ["apply", "-f", "-"], manifest(NS))).trim().split("\n"), [
      "configmap/app-config configured",
      "secret/app-secret configured",
      "serviceaccount/app configured",
      "service/web configured",
      "pod/web configured",
      "deployment.apps/api configured",
      "role.rbac.authorization.k8s.io/reader configured",
      "rolebinding.rbac.authorization.k8s.io/app-reader configured",
    ]);
    assert.match(
      (await k(["apply", "-f", "-"], { input: manifest(NS) })).stdout,
      /^configmap\/app-config unchanged$/m,
    );

    const ssa = (v: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: ${NS}}\ndata: {v: "${v}"}\n`;
    assert.equal(
      await ok(k, ["apply", "--server-side", "-f", "-"], ssa("1")),
      "configmap/ssa serverside-applied\n",
    );
    assert.equal(
      await ok(k, ["apply", "--server-side", "-f", "-"], ssa("2")),
      "configmap/ssa serverside-applied\n",
    );
    const got = JSON.parse(await ok(k, ["get", "cm", "ssa", "-n", NS, "-o", "json"]));
    assert.deepEqual(got.data, { v: "2" });
    // Server-side apply onto an object made by create -f, and with --force-conflicts.
    assert.match(
      await ok(k, ["apply", "--server-side", "--force-conflicts", "-f", "-"], manifest(NS)),
      /^deployment\.apps\/api serverside-applied$/m,
    );
  });

  test("get -w streams MODIFIED rows for changes made while watching", async () => {
    const base = ["--kubeconfig", c.kubeconfigPath, "--cache-dir", path.join(c.dir, "cache")];
    const env = { PATH: process.env.PATH ?? "", HOME: c.dir };
    const events = spawnLines(
      "kubectl",
      [...base, "get", "pods", "-n", NS, "-w", "--output-watch-events"],
      env,
    );
    const plain = spawnLines("kubectl", [...base, "get", "pod", "web", "-n", NS, "-w"], env);
    try {
      assert.deepEqual(header(await events.waitFor(/^EVENT\s/)), [
        "EVENT",
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
      ]);
      await events.waitFor(/^ADDED\s+web\s/);
      await plain.waitFor(/^web\s/);
      // kubectl watches from its list's resourceVersion, so changes made from here on are all delivered.
      await ok(k, ["label", "pod", "web", "-n", NS, "watched=yes"]);
      const modified = table(await events.waitFor(/^MODIFIED\s+web\s/))[0];
      assert.deepEqual(modified.slice(0, 5), ["MODIFIED", "web", "0/1", "Pending", "0"]);
      await eventually(
        async () => plain.lines.filter((l) => /^web\s/.test(l)).length >= 2,
        10_000,
        "a second row",
      );
      await ok(k, ["delete", "pod", "web", "-n", NS]);
      await events.waitFor(/^DELETED\s+web\s/);
    } finally {
      await events.stop();
      await plain.stop();
    }
  });

  test("logs of a pod without a node: nothing to stream (kube-apiserver answers 204)", async () => {
    const logs = await k(["logs", "-n", NS, "deploy/api"]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout, "");
    const raw = await c.admin("GET", `/api/v1/namespaces/${NS}/pods/${await firstPod(NS, "app=api")}/log`);
    assert.equal(raw.status, 204);
    const bad = await c.admin(
      "GET",
      `/api/v1/namespaces/${NS}/pods/${await firstPod(NS, "app=api")}/log?container=nope`,
    );
    assert.equal(bad.status, 400);
    assert.match(bad.json.message, /^container nope is not valid for pod api-/);
    const missing = await k(["logs", "-n", NS, "nope"]);
    assert.equal(missing.code, 1);
    assert.equal(
      missing.stderr.trim(),
      `error: error from server (NotFound): pods "nope" not found in namespace "${NS}"`,
    );
  });

  test("explain pods reads the OpenAPI schema", async () => {
    const out = await ok(k, ["explain", "pods"]);
    assert.match(out, /^KIND:\s+Pod$/m);
    assert.match(out, /^VERSION:\s+v1$/m);
    assert.match(out, /^FIELDS:$/m);
    assert.match(out, /^ {2}spec\t<PodSpec>$/m);
    const field = await ok(k, ["explain", "pods.spec.containers.image"]);
    assert.match(field, /^FIELD: image <string>$/m);
    const deploy = await ok(k, ["explain", "deployment.spec.replicas"]);
    assert.match(deploy, /^GROUP:\s+apps$/m);
    assert.match(deploy, /^FIELD: replicas <integer>$/m);
  });

  test("typed create: serviceaccount, role, rolebinding, clusterrolebinding, secret generic, configmap", async () => {
    assert.equal(await ok(k, ["create", "serviceaccount", "bot", "-n", NS]), "serviceaccount/bot created\n");
    assert.equal(
      await ok(k, [
        "create",
        "role",
        "cm-editor",
        "-n",
        NS,
        "--verb=get,list,update",
        "--resource=configmaps",
      ]),
      "role.rbac.authorization.k8s.io/cm-editor created\n",
    );
    assert.equal(
      await ok(k, [
        "create",
        "rolebinding",
        "bot-cm",
        "-n",
        NS,
        "--role=cm-editor",
        `--serviceaccount=${NS}:bot`,
      ]),
      "rolebinding.rbac.authorization.k8s.io/bot-cm created\n",
    );
    assert.equal(
      await ok(k, [
        "create",
        "clusterrolebinding",
        "bot-view-ns",
        "--clusterrole=view",
        `--serviceaccount=${NS}:bot`,
      ]),
      "clusterrolebinding.rbac.authorization.k8s.io/bot-view-ns created\n",
    );
    assert.equal(
      await ok(k, [
        "create",
        "secret",
        "generic",
        "creds",
        "-n",
        NS,
        "--from-literal=user=admin",
        "--from-literal=pw=x",
      ]),
      "secret/creds created\n",
    );
    assert.equal(
      await ok(k, [
        "create",
        "configmap",
        "settings",
        "-n",
        NS,
        "--from-literal=a=1",
        "--from-literal=b=two",
      ]),
      "configmap/settings created\n",
    );
    const role = JSON.parse(await ok(k, ["get", "role", "cm-editor", "-n", NS, "-o", "json"]));
    assert.deepEqual(role.rules, [
      { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "update"] },
    ]);
    const rb = JSON.parse(await ok(k, ["get", "rolebinding", "bot-cm", "-n", NS, "-o", "json"]));
    assert.deepEqual(rb.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "cm-editor" });
    assert.deepEqual(rb.subjects, [{ kind: "ServiceAccount", name: "bot", namespace: NS }]);
    const secret = JSON.parse(await ok(k, ["get", "secret", "creds", "-n", NS, "-o", "json"]));
    assert.equal(secret.type, "Opaque");
    assert.equal(Buffer.from(secret.data.user, "base64").toString(), "admin");
    const cm = JSON.parse(await ok(k, ["get", "cm", "settings", "-n", NS, "-o", "json"]));
    assert.deepEqual(cm.data, { a: "1", b: "two" });
    const dup = await k(["create", "serviceaccount", "bot", "-n", NS]);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /serviceaccounts "bot" already exists/);
  });

  test("auth can-i: yes/no with exit codes, impersonation, --list, -A, non-resource URLs", async () => {
    const yes = await k(["auth", "can-i", "create", "deployments", "-n", NS]);
    assert.deepEqual([yes.code, yes.stdout], [0, "yes\n"]);
    const asBot = ["--as", `system:serviceaccount:${NS}:bot`];
    const botGet = await k(["auth", "can-i", "update", "configmaps", "-n", NS, ...asBot]);
    assert.deepEqual([botGet.code, botGet.stdout], [0, "yes\n"]);
    const botDelete = await k(["auth", "can-i", "delete", "configmaps", "-n", NS, ...asBot]);
    assert.deepEqual([botDelete.code, botDelete.stdout], [1, "no\n"]);
    const botSecrets = await k(["auth", "can-i", "get", "secrets", "-n", "default", ...asBot]);
    assert.deepEqual([botSecrets.code, botSecrets.stdout], [1, "no\n"]);
    // view (cluster-wide binding) lists pods in every namespace; its Role only covers k.
    const allPods = await k(["auth", "can-i", "list", "pods", "-A", ...asBot]);
    assert.deepEqual([allPods.code, allPods.stdout], [0, "yes\n"]);
    const allCms = await k(["auth", "can-i", "update", "configmaps", "-A", ...asBot]);
    assert.deepEqual([allCms.code, allCms.stdout], [1, "no\n"]);
    const healthz = await k(["auth", "can-i", "get", "/healthz", ...asBot]);
    assert.deepEqual([healthz.code, healthz.stdout], [0, "yes\n"]);
    const metrics = await k(["auth", "can-i", "get", "/metrics", ...asBot]);
    assert.deepEqual([metrics.code, metrics.stdout], [1, "no\n"]);
    const adminMetrics = await k(["auth", "can-i", "get", "/metrics"]);
    assert.deepEqual([adminMetrics.code, adminMetrics.stdout], [0, "yes\n"]);

    const list = await ok(k, ["auth", "can-i", "--list", "-n", NS, ...asBot]);
    assert.deepEqual(header(list), ["Resources", "Non-Resource URLs", "Resource Names", "Verbs"]);
    // kubectl merges the rules of the cluster-wide view binding (visited first) and the namespace's Role.
    assert.deepEqual(row(list, "configmaps"), ["configmaps", "[]", "[]", "[get list watch update]"]);
    assert.deepEqual(row(list, "selfsubjectaccessreviews.authorization.k8s.io"), [
      "selfsubjectaccessreviews.authorization.k8s.io",
      "[]",
      "[]",
      "[create]",
    ]);
    assert.ok(
      table(list).some((r) => r.join(" ") === "[/healthz] [] [get]"),
      `no /healthz row in\n${list}`,
    );
    const adminList = await ok(k, ["auth", "can-i", "--list"]);
    assert.deepEqual(row(adminList, "*.*"), ["*.*", "[]", "[]", "[*]"]);
  });

  test("auth whoami, directly and impersonating", async () => {
    const me = await ok(k, ["auth", "whoami"]);
    assert.deepEqual(table(me), [
      ["ATTRIBUTE", "VALUE"],
      ["Username", "kubernetes-admin"],
      ["Groups", "[system:masters system:authenticated]"],
    ]);
    const bot = JSON.parse(
      await ok(k, ["auth", "whoami", "-o", "json", "--as", `system:serviceaccount:${NS}:bot`]),
    );
    assert.equal(bot.kind, "SelfSubjectReview");
    assert.equal(bot.apiVersion, "authentication.k8s.io/v1");
    assert.deepEqual(bot.status.userInfo, {
      username: `system:serviceaccount:${NS}:bot`,
      groups: ["system:serviceaccounts", `system:serviceaccounts:${NS}`, "system:authenticated"],
    });
  });

  test("create token: the token authenticates as the ServiceAccount", async () => {
    const token = (await ok(k, ["create", "token", "bot", "-n", NS, "--duration=10m"])).trim();
    assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
    assert.equal(claims.sub, `system:serviceaccount:${NS}:bot`);
    assert.equal(claims.exp - claims.iat, 600);
    const sa = JSON.parse(await ok(k, ["get", "sa", "bot", "-n", NS, "-o", "json"]));
    const who = await selfSubjectReview(token);
    assert.equal(who.username, `system:serviceaccount:${NS}:bot`);
    assert.equal(who.uid, sa.metadata.uid);
    assert.deepEqual(who.groups, [
      "system:serviceaccounts",
      `system:serviceaccounts:${NS}`,
      "system:authenticated",
    ]);
    const denied = await c.request("GET", "/api/v1/namespaces/default/secrets", { token });
    assert.equal(denied.status, 403);
    assert.equal(
      denied.json.message,
      `secrets is forbidden: User "system:serviceaccount:${NS}:bot" cannot list resource "secrets" in API group "" in the namespace "default"`,
    );
    const audienced = (
      await ok(k, ["create", "token", "bot", "-n", NS, "--audience=https://example.com"])
    ).trim();
    const rejected = await c.request("GET", "/api", { token: audienced });
    assert.equal(rejected.status, 401);
  });

  test("delete: an object, by label, and a namespace with everything in it", async () => {
    assert.equal(await ok(k, ["delete", "cm", "applied", "-n", NS]), 'configmap "applied" deleted\n');
    const gone = await k(["get", "cm", "applied", "-n", NS]);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr.trim(), 'Error from server (NotFound): configmaps "applied" not found');

    await ok(k, ["label", "cm", "app-config", "ssa", "-n", NS, "sweep=yes"]);
    const swept = await ok(k, ["delete", "cm", "-n", NS, "-l", "sweep=yes"]);
    assert.deepEqual(swept.trim().split("\n").sort(), [
      'configmap "app-config" deleted',
      'configmap "ssa" deleted',
    ]);
    assert.deepEqual(
      (await ok(k, ["get", "cm", "-n", NS, "-o", "name"]))
        .split("\n")
        .filter((l) => /app-config|ssa/.test(l)),
      [],
    );

    assert.equal(await ok(k, ["delete", "deploy", "api", "-n", NS]), 'deployment.apps "api" deleted\n');
    await eventually(async () => {
      await c.server.settle();
      return (await ok(k, ["get", "rs,pods", "-n", NS, "-l", "app=api", "-o", "name"])) === "";
    });

    await createNamespace(c, "doomed");
    await ok(k, ["create", "-f", "-"], manifest("doomed"));
    await c.server.settle();
    assert.equal(await ok(k, ["delete", "ns", "doomed"]), 'namespace "doomed" deleted\n');
    const ns = await k(["get", "ns", "doomed"]);
    assert.equal(ns.code, 1);
    assert.equal(ns.stderr.trim(), 'Error from server (NotFound): namespaces "doomed" not found');
    for (const resource of ["pods", "configmaps", "secrets", "serviceaccounts", "services"]) {
      const r = await c.admin("GET", `/api/v1/namespaces/doomed/${resource}`);
      assert.deepEqual(r.json.items, [], `${resource} left in a deleted namespace`);
    }
    for (const url of [
      "/apis/apps/v1/namespaces/doomed/deployments",
      "/apis/apps/v1/namespaces/doomed/replicasets",
      "/apis/rbac.authorization.k8s.io/v1/namespaces/doomed/roles",
      "/apis/rbac.authorization.k8s.io/v1/namespaces/doomed/rolebindings",
    ]) {
      assert.deepEqual((await c.admin("GET", url)).json.items, [], `${url} not emptied`);
    }
    const system = await k(["delete", "ns", "kube-system"]);
    assert.equal(system.code, 1);
    assert.match(system.stderr, /namespaces "kube-system" is forbidden: this namespace may not be deleted/);
  });
});

async function firstPod(ns: string, selector: string): Promise<string> {
  const r = await c.admin(
    "GET",
    `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`,
  );
  assert.ok(r.json.items.length > 0, `no pod matches ${selector}`);
  return r.json.items[0].metadata.name;
}

// Older clients: everyday commands with each kubectl the machine has (1.27/1.28 validate and explain from
// the OpenAPI v2 document, which they fetch as protobuf; 1.29+ use OpenAPI v3). kubectl 1.32+ send typed
// create/auth/token bodies as protobuf, older ones as JSON.
const OLDER = [27, 28, 29, 30, 31, 32].filter((minor) => existsSync(`${GCLOUD_BIN}/kubectl.1.${minor}`));

test("the machine has the older kubectl binaries this suite drives", () => {
  assert.ok(OLDER.includes(29), `kubectl.1.29 missing from ${GCLOUD_BIN}`);
  assert.ok(existsSync(`${GCLOUD_BIN}/kubectl.1.33`), `kubectl.1.33 missing from ${GCLOUD_BIN}`);
});

// Each version works in its own namespace, so the versions run side by side (their steps in order).
describe("every kubectl version", { concurrency: 4 }, () => {
  for (const minor of [...OLDER, 33]) {
    describe(`kubectl 1.${minor}`, { concurrency: 1 }, () => {
      const NS = `v1-${minor}`;
      const binary = `${GCLOUD_BIN}/kubectl.1.${minor}`;
      const k: Kubectl = (args, o) => c.kubectl(args, { ...o, binary });

      before(async () => {
        await createNamespace(c, NS);
      });

      test("version", async () => {
        const v = JSON.parse(await ok(k, ["version", "-o", "json"]));
        assert.equal(v.clientVersion.minor, String(minor));
        assert.equal(v.serverVersion.minor, "33");
      });

      test("create -f, get tables, -o json, label, strategic patch, scale, apply, delete by label", async () => {
        assert.deepEqual((await ok(k, ["create", "-f", "-"], manifest(NS))).trim().split("\n"), CREATED);
        await c.server.settle();
        const pods = await ok(k, ["get", "pods", "-n", NS, "-o", "wide"]);
        assert.deepEqual(header(pods).slice(0, 7), [
          "NAME",
          "READY",
          "STATUS",
          "RESTARTS",
          "AGE",
          "IP",
          "NODE",
        ]);
        assert.deepEqual(row(pods, "web").slice(0, 4), ["web", "0/1", "Pending", "0"]);
        const deploy = await ok(k, ["get", "deploy", "-n", NS]);
        assert.deepEqual(row(deploy, "api").slice(0, 4), ["api", "0/2", "2", "0"]);
        const sa = JSON.parse(await ok(k, ["get", "sa", "app", "-n", NS, "-o", "json"]));
        assert.equal(sa.metadata.name, "app");
        assert.equal(
          await ok(k, ["label", "pod", "web", "-n", NS, `kubectl=1.${minor}`]),
          "pod/web labeled\n",
        );
        assert.equal(
          await ok(k, [
            "patch",
            "pod",
            "web",
            "-n",
            NS,
            "-p",
            '{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}',
          ]),
          "pod/web patched\n",
        );
        const pod = JSON.parse(await ok(k, ["get", "pod", "web", "-n", NS, "-o", "json"]));
        assert.equal(pod.metadata.labels.kubectl, `1.${minor}`);
        assert.equal(pod.spec.containers[0].image, "nginx:1.28");
        assert.equal(
          await ok(k, ["scale", "deploy", "api", "-n", NS, "--replicas=1"]),
          "deployment.apps/api scaled\n",
        );
        assert.match(await ok(k, ["apply", "-f", "-"], manifest(NS)), /^deployment\.apps\/api configured$/m);
        assert.match(await ok(k, ["apply", "-f", "-"], manifest(NS)), /^deployment\.apps\/api unchanged$/m);
        assert.match(
          await ok(k, ["apply", "--server-side", "--force-conflicts", "-f", "-"], manifest(NS)),
          /^deployment\.apps\/api serverside-applied$/m,
        );
        assert.equal(
          await ok(k, ["delete", "cm", "-n", NS, "-l", "app=web"]),
          'configmap "app-config" deleted\n',
        );
      });

      test("typed create, create token, auth can-i and whoami", async () => {
        assert.equal(
          await ok(k, ["create", "serviceaccount", "robot", "-n", NS]),
          "serviceaccount/robot created\n",
        );
        assert.equal(
          await ok(k, [
            "create",
            "rolebinding",
            "robot-view",
            "-n",
            NS,
            "--clusterrole=view",
            `--serviceaccount=${NS}:robot`,
          ]),
          "rolebinding.rbac.authorization.k8s.io/robot-view created\n",
        );
        assert.equal(
          await ok(k, ["create", "configmap", "lit", "-n", NS, "--from-literal=x=y"]),
          "configmap/lit created\n",
        );
        assert.equal(
          await ok(k, ["create", "secret", "generic", "sec", "-n", NS, "--from-literal=x=y"]),
          "secret/sec created\n",
        );
        const asRobot = ["--as", `system:serviceaccount:${NS}:robot`];
        const yes = await k(["auth", "can-i", "list", "pods", "-n", NS, ...asRobot]);
        assert.deepEqual([yes.code, yes.stdout], [0, "yes\n"]);
        const no = await k(["auth", "can-i", "create", "pods", "-n", NS, ...asRobot]);
        assert.deepEqual([no.code, no.stdout], [1, "no\n"]);
        const who = await ok(k, ["auth", "whoami", ...asRobot]);
        assert.deepEqual(row(who, "Username"), ["Username", `system:serviceaccount:${NS}:robot`]);
        const token = (await ok(k, ["create", "token", "robot", "-n", NS])).trim();
        assert.equal((await selfSubjectReview(token)).username, `system:serviceaccount:${NS}:robot`);
      });

      test("explain", async () => {
        assert.match(await ok(k, ["explain", "pods.spec.restartPolicy"]), /^FIELD: restartPolicy <string>$/m);
      });
    });
  }
});
