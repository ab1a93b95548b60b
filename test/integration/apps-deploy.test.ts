// deploy/: what `kubectl kustomize` renders for the base and each overlay (least-privilege RBAC, hardened
// Deployments whose args the CLI accepts), and the Dockerfile's key properties, checked by inspection and
// by building dist/ the way its build stage does.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Deployment } from "kubernetes-types/apps/v1.d.ts";
import type { Service } from "kubernetes-types/core/v1.d.ts";
import { parseAllDocuments } from "yaml";
import { DEFAULT_METRICS_PORT } from "../../src/apps/shared/app.ts";
import type { KubeObject } from "../../src/meta/types.ts";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NODE = path.join(ROOT, "node_modules/.bin/node");
const READ_ONLY = ["get", "list", "watch"];
const BROAD_ROLES = new Set(["view", "edit", "admin", "cluster-admin"]);

async function render(dir: string): Promise<KubeObject[]> {
  const { stdout } = await run("kubectl", ["kustomize", path.join(ROOT, "deploy", dir)]);
  return parseAllDocuments(stdout).map((d) => d.toJS() as KubeObject);
}

const find = <T = KubeObject>(objects: KubeObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  assert.ok(found, `${kind}/${name} missing`);
  return found as unknown as T;
};

/** The hardening every incluster Deployment carries, and CLI args that actually parse. */
async function assertHardened(
  objects: KubeObject[],
  name: string,
  serviceAccount: string,
  metricsPort: number,
) {
  const deployment = find<Deployment>(objects, "Deployment", name);
  const spec = deployment.spec!.template.spec!;
  const [container] = spec.containers;
  assert.equal(spec.serviceAccountName, serviceAccount);
  find(objects, "ServiceAccount", serviceAccount);
  assert.deepEqual(deployment.spec!.selector.matchLabels, { "app.kubernetes.io/name": name });
  assert.equal(deployment.spec!.template.metadata!.labels!["app.kubernetes.io/name"], name);
  assert.equal(container.image, "ghcr.io/incluster/incluster:latest");
  assert.deepEqual(spec.securityContext, {
    runAsNonRoot: true,
    runAsUser: 65532,
    runAsGroup: 65532,
    seccompProfile: { type: "RuntimeDefault" },
  });
  assert.deepEqual(container.securityContext, {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
  });
  assert.deepEqual(container.ports, [{ name: "metrics", containerPort: metricsPort }]);
  assert.deepEqual(container.readinessProbe!.httpGet, { path: "/readyz", port: "metrics" });
  assert.deepEqual(container.livenessProbe!.httpGet, { path: "/healthz", port: "metrics" });
  assert.ok(
    container.resources?.requests?.memory && container.resources.limits?.memory,
    "memory request and limit",
  );
  assert.ok(
    container.env?.some((e) => e.name === "TZ"),
    "a TZ example",
  );
  const args = container.args!;
  if (metricsPort !== DEFAULT_METRICS_PORT)
    assert.equal(args[args.indexOf("--metrics-port") + 1], String(metricsPort));
  // The image's entrypoint is the CLI: its args must be a command line the CLI accepts.
  const help = await run(NODE, [path.join(ROOT, "src/cli/main.ts"), ...args, "--help"]);
  assert.match(help.stdout, /^Usage: incluster /);
  return args;
}

function assertLeastPrivilege(objects: KubeObject[]) {
  for (const object of objects.filter((o) => /Role$/.test(o.kind ?? ""))) {
    for (const rule of object.rules as { verbs: string[] }[])
      assert.deepEqual(rule.verbs, READ_ONLY, `${object.kind}/${object.metadata?.name}`);
  }
  for (const binding of objects.filter((o) => /RoleBinding$/.test(o.kind ?? ""))) {
    const roleRef = binding.roleRef as { name: string };
    assert.ok(
      !BROAD_ROLES.has(roleRef.name),
      `${binding.metadata?.name} binds the broad role ${roleRef.name}`,
    );
  }
}

const kinds = (objects: KubeObject[]) => objects.map((o) => o.kind).sort();

describe("kustomize", () => {
  test("base: the pod-counter with a ClusterRole of exactly get/list/watch on pods", async () => {
    const objects = await render("base");
    assert.deepEqual(kinds(objects), [
      "ClusterRole",
      "ClusterRoleBinding",
      "Deployment",
      "Namespace",
      "ServiceAccount",
    ]);
    assertLeastPrivilege(objects);
    const role = find(objects, "ClusterRole", "incluster-pod-counter");
    assert.deepEqual(role.rules, [{ apiGroups: [""], resources: ["pods"], verbs: READ_ONLY }]);
    const binding = find(objects, "ClusterRoleBinding", "incluster-pod-counter");
    assert.deepEqual(binding.roleRef, {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "incluster-pod-counter",
    });
    assert.deepEqual(binding.subjects, [
      { kind: "ServiceAccount", name: "pod-counter", namespace: "incluster" },
    ]);
    assert.deepEqual(await assertHardened(objects, "pod-counter", "pod-counter", DEFAULT_METRICS_PORT), [
      "pods",
      "count",
    ]);
  });

  test("namespaced: a Role in its namespace instead, and -n that namespace", async () => {
    const objects = await render("overlays/namespaced");
    assert.deepEqual(kinds(objects), ["Deployment", "Namespace", "Role", "RoleBinding", "ServiceAccount"]);
    assertLeastPrivilege(objects);
    const role = find(objects, "Role", "pod-counter");
    assert.equal(role.metadata?.namespace, "incluster");
    assert.deepEqual(role.rules, [{ apiGroups: [""], resources: ["pods"], verbs: READ_ONLY }]);
    const binding = find(objects, "RoleBinding", "pod-counter");
    assert.deepEqual(binding.roleRef, {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: "pod-counter",
    });
    assert.deepEqual(binding.subjects, [
      { kind: "ServiceAccount", name: "pod-counter", namespace: "incluster" },
    ]);
    assert.deepEqual(await assertHardened(objects, "pod-counter", "pod-counter", DEFAULT_METRICS_PORT), [
      "pods",
      "count",
      "-n",
      "incluster",
    ]);
  });

  test("discovery: the endpoints watcher with a namespaced Role on endpointslices", async () => {
    const objects = await render("overlays/discovery");
    // Built on overlays/leader-elect: its Lease Role is checked verb by verb below; every other role reads.
    const leaseRole = find(objects, "Role", "pod-counter-leader-election");
    assert.deepEqual(
      leaseRole,
      find(await render("overlays/leader-elect"), "Role", "pod-counter-leader-election"),
    );
    assertLeastPrivilege(objects.filter((o) => o !== leaseRole));
    const role = find(objects, "Role", "endpoints-watcher");
    assert.equal(role.metadata?.namespace, "incluster");
    assert.deepEqual(role.rules, [
      { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: READ_ONLY },
    ]);
    const binding = find(objects, "RoleBinding", "endpoints-watcher");
    assert.deepEqual(binding.subjects, [
      { kind: "ServiceAccount", name: "endpoints-watcher", namespace: "incluster" },
    ]);
    const args = await assertHardened(objects, "endpoints-watcher", "endpoints-watcher", 9091);
    assert.deepEqual(args.slice(0, 5), ["endpoints", "watch", "pod-counter-metrics", "-n", "incluster"]);
    // It GETs /metrics of each ready replica through the Service's named port (the leader-elected two).
    assert.deepEqual(args.slice(-4), ["--probe", "metrics", "--probe-path", "/metrics"]);
    assert.equal(find<Deployment>(objects, "Deployment", "pod-counter").spec!.replicas, 2);
    // The watched Service selects the pod-counter's Pods and its named metrics port.
    const service = find<Service>(objects, "Service", "pod-counter-metrics");
    const counter = find<Deployment>(objects, "Deployment", "pod-counter");
    assert.deepEqual(service.spec!.selector, counter.spec!.selector.matchLabels);
    assert.equal(service.spec!.ports![0].targetPort, "metrics");
    await assertHardened(objects, "pod-counter", "pod-counter", DEFAULT_METRICS_PORT);
  });

  test("image: the base with only the image replaced (kind/minikube: incluster:dev, loaded, not pulled)", async () => {
    const base = await render("base");
    const objects = await render("overlays/image");
    const [container] = find<Deployment>(objects, "Deployment", "pod-counter").spec!.template.spec!
      .containers;
    assert.equal(container.image, "incluster:dev");
    // No pull policy: a tag other than `latest` defaults to IfNotPresent, so a loaded image is used.
    assert.equal(container.imagePullPolicy, undefined);
    container.image = "ghcr.io/incluster/incluster:latest";
    assert.deepEqual(objects, base);
  });
});

describe("kustomize: leader-elect", () => {
  const LEASES = { apiGroups: ["coordination.k8s.io"], resources: ["leases"] };
  const SA = "system:serviceaccount:incluster:pod-counter";
  const check = (...args: string[]) =>
    run(NODE, [
      path.join(ROOT, "src/cli/main.ts"),
      "rbac",
      "check",
      "-f",
      path.join(ROOT, "deploy/base"),
      "-f",
      path.join(ROOT, "deploy/overlays/leader-elect/role.yaml"),
      "-f",
      path.join(ROOT, "deploy/overlays/leader-elect/rolebinding.yaml"),
      "--as",
      SA,
      ...args,
    ]).then(
      () => 0,
      (error: { code: number }) => error.code,
    );

  test("two replicas with --leader-elect and exactly the Lease verbs a Lease lock needs", async () => {
    const objects = await render("overlays/leader-elect");
    const deployment = find<Deployment>(objects, "Deployment", "pod-counter");
    assert.equal(deployment.spec!.replicas, 2);
    assert.deepEqual(await assertHardened(objects, "pod-counter", "pod-counter", DEFAULT_METRICS_PORT), [
      "pods",
      "count",
      "--leader-elect",
      "--metrics-address=$(POD_IP)",
    ]);
    // The address the kubelet expands $(POD_IP) from: each replica listens on its own Pod IP.
    const [container] = deployment.spec!.template.spec!.containers;
    assert.deepEqual(container.env?.find((e) => e.name === "POD_IP")?.valueFrom, {
      fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" },
    });
    const role = find(objects, "Role", "pod-counter-leader-election");
    assert.deepEqual(role.rules, [
      { ...LEASES, verbs: ["create"] },
      { ...LEASES, resourceNames: ["pod-counter"], verbs: ["get", "update"] },
    ]);
    assert.deepEqual(find(objects, "RoleBinding", "pod-counter-leader-election").subjects, [
      { kind: "ServiceAccount", name: "pod-counter", namespace: "incluster" },
    ]);
  });

  test("rbac check agrees: the Lease lock's requests are allowed, nothing more", async () => {
    for (const allowed of [
      ["create", "leases.coordination.k8s.io", "-n", "incluster"],
      ["get", "leases.coordination.k8s.io", "pod-counter", "-n", "incluster"],
      ["update", "leases.coordination.k8s.io", "pod-counter", "-n", "incluster"],
    ])
      assert.equal(await check(...allowed), 0, allowed.join(" "));
    for (const denied of [
      ["update", "leases.coordination.k8s.io", "other", "-n", "incluster"],
      ["delete", "leases.coordination.k8s.io", "pod-counter", "-n", "incluster"],
      ["get", "leases.coordination.k8s.io", "pod-counter", "-n", "default"],
    ])
      assert.notEqual(await check(...denied), 0, denied.join(" "));
  });
});

describe("Dockerfile", () => {
  const instructions = async () =>
    (await readFile(path.join(ROOT, "Dockerfile"), "utf8"))
      .split("\n")
      .filter((line) => line.trim() && !line.startsWith("#"));
  const stages = async () => {
    const result: string[][] = [];
    for (const line of await instructions()) {
      if (line.startsWith("FROM ")) result.push([]);
      result.at(-1)?.push(line);
    }
    return result;
  };
  const scratch: string[] = [];
  after(() => Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true }))));

  test("multi-stage: build with npm run build, production dependencies alone, distroless Node 24 non-root runtime", async () => {
    const all = await instructions();
    const [build, dependencies, runtime] = await stages();
    assert.ok(all.includes("ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot"));
    assert.ok(build.includes("RUN npm run build"));
    const pkg = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8"));
    assert.equal(pkg.scripts.build, "tsc -p tsconfig.build.json");
    assert.ok(dependencies.some((l) => /^RUN npm ci --omit=dev\b/.test(l)));
    assert.match(runtime[0], /^FROM \$\{RUNTIME_IMAGE\}$/);
    assert.ok(
      !runtime.some((l) => l.startsWith("RUN ")),
      "the runtime stage runs nothing (no shell, nothing written)",
    );
    assert.ok(runtime.includes("COPY --from=production-dependencies /src/node_modules ./node_modules"));
    assert.ok(
      !runtime.some((l) => /--from=build\b.*node_modules/.test(l)),
      "no dev dependencies in the image",
    );
    assert.ok(runtime.includes("USER 65532:65532"), "numeric non-root user");
    assert.ok(runtime.includes("WORKDIR /app"));
    assert.ok(runtime.includes("COPY --from=build /src/dist ./dist"));
    assert.ok(runtime.includes('ENTRYPOINT ["/nodejs/bin/node", "/app/dist/cli/main.js"]'));
  });

  test(".dockerignore keeps the build inputs and drops the rest", async () => {
    const ignored = new Set(
      (await readFile(path.join(ROOT, ".dockerignore"), "utf8"))
        .split("\n")
        .filter((l) => l && !l.startsWith("#")),
    );
    for (const entry of ["node_modules", "dist", ".git", ".incluster", "test"])
      assert.ok(ignored.has(entry), entry);
    const copied = new Set(
      (await instructions())
        .filter((l) => l.startsWith("COPY ") && !l.includes("--from="))
        .flatMap((l) => l.split(/\s+/).slice(1, -1)),
    );
    assert.deepEqual([...copied].sort(), [
      "package-lock.json",
      "package.json",
      "src",
      "tsconfig.build.json",
      "tsconfig.json",
    ]);
    for (const source of copied) assert.ok(!ignored.has(source), `${source} is copied but ignored`);
  });

  test("the build stage's output has the entrypoint, and it runs on production dependencies only", async () => {
    // The image layout: /app/package.json, /app/node_modules, /app/dist.
    const app = await mkdtemp(path.join(os.tmpdir(), "incluster-image-"));
    scratch.push(app);
    await run(path.join(ROOT, "node_modules/.bin/tsc"), [
      "-p",
      path.join(ROOT, "tsconfig.build.json"),
      "--outDir",
      path.join(app, "dist"),
    ]);
    await cp(path.join(ROOT, "package.json"), path.join(app, "package.json"));
    await symlink(path.join(ROOT, "node_modules"), path.join(app, "node_modules"));
    const help = await run(NODE, [path.join(app, "dist/cli/main.js"), "pods", "count", "--help"]);
    assert.match(help.stdout, /^Usage: incluster pods count/);
    // Every package the compiled code imports is a production dependency (or a Node built-in).
    const pkg = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8"));
    const packages = new Set<string>();
    for (const file of await readdir(path.join(app, "dist"), { recursive: true })) {
      if (!file.endsWith(".js")) continue;
      const code = await readFile(path.join(app, "dist", file), "utf8");
      for (const [, specifier] of code.matchAll(/^(?:import|export)\b[^;]*?\bfrom "([^".][^"]*)"/gm)) {
        if (specifier.startsWith("node:")) continue;
        packages.add(
          specifier
            .split("/")
            .slice(0, specifier.startsWith("@") ? 2 : 1)
            .join("/"),
        );
      }
    }
    for (const name of packages)
      assert.ok(name in pkg.dependencies, `${name} is imported at run time but not a production dependency`);
    assert.ok(packages.has("prom-client") && packages.has("commander"));
  });
});
