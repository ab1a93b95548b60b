// Real manifests' Pods and pod templates pass Pod validation once defaulted: the ingress-nginx install
// (test/fixtures/manifests) and this project's own deploy/ kustomize bases. The random k8s.io/api roundtrip
// fixtures (test/fixtures/upstream-testdata) are deliberately not used: they are not valid objects.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../../src/meta/types.ts";
import { KINDS } from "../../../src/server/registry/kinds/index.ts";

const ROOT = path.join(import.meta.dirname, "..", "..", "..");
const DIRS = [path.join(ROOT, "test", "fixtures", "manifests"), path.join(ROOT, "deploy")];
const WORKLOADS = new Set([
  "Pod",
  "Deployment",
  "ReplicaSet",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "CronJob",
  "PodTemplate",
  "ReplicationController",
]);

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

test("every Pod and pod template in real manifests validates", async () => {
  const files = (await Promise.all(DIRS.map(yamlFiles))).flat();
  let checked = 0;
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(file, "utf8"))) {
      const obj = doc.toJS() as KubeObject | null;
      if (!obj || !WORKLOADS.has(obj.kind ?? "")) continue;
      const group = (obj.apiVersion ?? "").includes("/") ? (obj.apiVersion ?? "").split("/")[0] : "";
      const def = KINDS.find((k) => k.kind === obj.kind && k.group === group);
      assert.ok(def, `${obj.kind} is served`);
      // BeforeCreate fills the uid before validation (Jobs' generated selectors use it).
      obj.metadata = { namespace: "default", uid: randomUUID(), ...obj.metadata };
      def.defaults?.(obj);
      // PrepareForCreate (a Job's generated selector); none of these strategies reads the store.
      def.prepare?.(obj, undefined, { store: undefined as never });
      const causes = def.validate?.(obj) ?? [];
      assert.deepEqual(causes, [], `${path.relative(ROOT, file)}: ${obj.kind} ${obj.metadata?.name}`);
      checked++;
    }
  }
  // ingress-nginx: a Deployment and two Jobs; deploy/: the base Deployment and the discovery overlay's.
  assert.ok(checked >= 5, `checked ${checked} workloads`);
});
