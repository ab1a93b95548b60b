// The demo's pieces that need no cluster: the built-in kustomization reader against `kubectl kustomize`,
// the apply order, and the introduction text.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { applyOrder } from "../../../src/apps/demo/apply.ts";
import { introduction } from "../../../src/apps/demo/introduction.ts";
import { readKustomization, renderKustomization } from "../../../src/apps/demo/manifests.ts";
import type { KubeObject } from "../../../src/meta/types.ts";

const deploy = (dir: string) => fileURLToPath(new URL(`../../../deploy/${dir}`, import.meta.url));
const key = (o: KubeObject) => `${o.kind}/${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;
const byKey = (objects: KubeObject[]) => Object.fromEntries(objects.map((o) => [key(o), o]));

test("the built-in reader renders deploy/base exactly as kubectl kustomize does", async () => {
  const kubectl = parseAllDocuments(
    execFileSync("kubectl", ["kustomize", deploy("base")], { encoding: "utf8" }),
  ).map((d) => d.toJS() as KubeObject);
  const builtIn = await readKustomization(deploy("base"));
  assert.deepEqual(byKey(builtIn), byKey(kubectl));
  assert.equal(builtIn.length, 5);
});

for (const overlay of ["overlays/leader-elect", "overlays/discovery"]) {
  test(`the built-in reader renders deploy/${overlay} (inline JSON 6902 patches) as kubectl kustomize does`, async () => {
    const kubectl = parseAllDocuments(
      execFileSync("kubectl", ["kustomize", deploy(overlay)], { encoding: "utf8" }),
    ).map((d) => d.toJS() as KubeObject);
    const builtIn = await readKustomization(deploy(overlay));
    assert.deepEqual(byKey(builtIn), byKey(kubectl));
    const counter = builtIn.find((o) => o.kind === "Deployment" && o.metadata?.name === "pod-counter");
    assert.equal((counter as { spec: { replicas: number } }).spec.replicas, 2);
  });
}

test("the built-in reader refuses kustomize features it does not implement", async () => {
  // deploy/overlays/namespaced deletes objects with strategic-merge patches.
  await assert.rejects(
    readKustomization(deploy("overlays/namespaced")),
    /patches\[0\]: the built-in reader supports only an inline JSON 6902 patch with a target .*install kubectl/,
  );
  await assert.rejects(
    readKustomization(deploy("overlays/image")),
    /uses images, which the built-in reader does not support: install kubectl/,
  );
});

test("a patch whose target matches nothing changes nothing (as in kustomize); one that cannot apply is named", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "incluster-kustomize-"));
  try {
    const kustomization = (target: string, op: string) =>
      `resources: [${JSON.stringify(deploy("base"))}]\npatches:\n  - target: ${target}\n    patch: |-\n      ${op}\n`;
    await writeFile(
      path.join(dir, "kustomization.yaml"),
      kustomization("{kind: Deployment, name: nope}", "- {op: remove, path: /spec}"),
    );
    assert.deepEqual(await readKustomization(dir), await readKustomization(deploy("base")));
    await writeFile(
      path.join(dir, "kustomization.yaml"),
      kustomization("{kind: Deployment, name: pod-counter}", "- {op: test, path: /spec/replicas, value: 5}"),
    );
    await assert.rejects(
      readKustomization(dir),
      /kustomization\.yaml: patches\[0\]: testing value \/spec\/replicas failed/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("without kubectl on PATH the built-in reader is used", async () => {
  const rendered = await renderKustomization(deploy("base"), "/nonexistent/kubectl");
  assert.equal(rendered.renderer, "built-in reader");
  assert.equal(rendered.objects.length, 5);
});

test("apply order: namespaces, then identities and RBAC, then workloads", () => {
  const kinds = ["Deployment", "ClusterRoleBinding", "ServiceAccount", "Namespace", "ClusterRole"];
  const ordered = applyOrder(kinds.map((kind) => ({ kind, metadata: { name: kind } })));
  assert.deepEqual(
    ordered.map((o) => o.kind),
    ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment"],
  );
});

test("the introduction says what runs and how to reach it", () => {
  const text = introduction(
    {
      serverUrl: "https://127.0.0.1:6443",
      kubeconfigPath: "/home/me/project/.incluster/demo/kubeconfig",
      seededPods: 6,
      renderer: "kubectl kustomize",
      applied: ["namespace/incluster serverside-applied"],
      counters: [
        { metadata: { name: "pod-counter-abc-12345" }, status: { podIP: "127.0.1.7" } },
        { metadata: { name: "pod-counter-abc-67890" }, status: { podIP: "127.0.1.8" } },
      ],
      watcher: { metadata: { name: "endpoints-watcher-def-12345" } },
    },
    "/home/me/project",
  );
  assert.match(text, /API server at https:\/\/127\.0\.0\.1:6443 and a pod runtime/);
  assert.match(text, /6 Pods seeded in namespaces shop and blog/);
  assert.match(text, /^ {2}namespace\/incluster serverside-applied$/m);
  assert.match(text, /^ {2}export KUBECONFIG=\$PWD\/\.incluster\/demo\/kubeconfig$/m);
  assert.match(text, /curl -s http:\/\/127\.0\.1\.7:9090\/metrics/);
  assert.match(text, /kubectl delete clusterrolebinding incluster-pod-counter/);
  assert.match(
    text,
    /Pods incluster\/pod-counter-abc-12345 and incluster\/pod-counter-abc-67890 run `incluster pods count --leader-elect`/,
  );
  assert.match(
    text,
    /Pod incluster\/endpoints-watcher-def-12345 runs `incluster endpoints watch pod-counter-metrics --probe metrics/,
  );
  assert.match(text, /kubectl apply --server-side -f deploy\/base\/clusterrolebinding\.yaml/);
});
