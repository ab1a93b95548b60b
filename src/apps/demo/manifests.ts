// The objects of a kustomization: rendered by `kubectl kustomize` when kubectl is installed, otherwise by
// a minimal built-in reader that follows `resources:` (files and nested kustomization directories) and
// applies inline JSON 6902 `patches:` to the objects their `target` names (what deploy/overlays/leader-elect
// uses), and refuses any other kustomize feature rather than render something different from kubectl.
import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../meta/types.ts";
import { applyJsonPatch, type JsonPatchOperation } from "../../server/registry/json-patch.ts";

export interface RenderedManifests {
  objects: KubeObject[];
  renderer: "kubectl kustomize" | "built-in reader";
}

export async function renderKustomization(dir: string, kubectl = "kubectl"): Promise<RenderedManifests> {
  const rendered = await kubectlKustomize(kubectl, dir);
  if (rendered !== undefined) return { objects: parseObjects(rendered, dir), renderer: "kubectl kustomize" };
  return { objects: await readKustomization(dir), renderer: "built-in reader" };
}

/** The YAML kubectl renders, or undefined when kubectl is not installed. */
function kubectlKustomize(kubectl: string, dir: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    execFile(kubectl, ["kustomize", dir], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === "ENOENT") resolve(undefined);
      else if (error) reject(new Error(`kubectl kustomize ${dir} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
const SUPPORTED_FIELDS = new Set(["apiVersion", "kind", "resources", "patches"]);

/** `resources:` in order, like kustomize's output order for plain files (before its kind sort), then `patches:`. */
export async function readKustomization(dir: string): Promise<KubeObject[]> {
  const file = await findKustomizationFile(dir);
  const kustomization = parseObjects(await readFile(file, "utf8"), file)[0] ?? {};
  const unsupported = Object.keys(kustomization).filter((key) => !SUPPORTED_FIELDS.has(key));
  if (unsupported.length > 0) {
    throw new Error(
      `${file} uses ${unsupported.join(", ")}, which the built-in reader does not support: install kubectl (its \`kubectl kustomize\` renders any kustomization)`,
    );
  }
  const objects: KubeObject[] = [];
  for (const entry of (kustomization.resources as string[] | undefined) ?? []) {
    const target = path.resolve(dir, entry);
    const info = await stat(target).catch(() => {
      throw new Error(`${file}: resource ${entry} does not exist (remote resources need kubectl)`);
    });
    objects.push(
      ...(info.isDirectory()
        ? await readKustomization(target)
        : parseObjects(await readFile(target, "utf8"), target)),
    );
  }
  const patches = (kustomization.patches as unknown[] | undefined) ?? [];
  return patches.reduce<KubeObject[]>(
    (result, entry, i) => applyPatch(result, entry, `${file}: patches[${i}]`),
    objects,
  );
}

interface PatchTarget {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

/** One `patches:` entry: a `target` and an inline JSON 6902 patch (a YAML list of operations). */
function applyPatch(objects: KubeObject[], entry: unknown, where: string): KubeObject[] {
  const { target, patch, ...rest } = (entry ?? {}) as { target?: PatchTarget; patch?: unknown };
  const ops = typeof patch === "string" ? parseYaml(patch, where) : undefined;
  if (!target || Object.keys(rest).length > 0 || !Array.isArray(ops)) {
    throw new Error(
      `${where}: the built-in reader supports only an inline JSON 6902 patch with a target (not patch files, strategic-merge patches or label selectors): install kubectl (its \`kubectl kustomize\` renders any kustomization)`,
    );
  }
  // As kustomize does, a target that matches nothing is no error.
  return objects.map((object) => {
    if (!matchesTarget(object, target)) return object;
    try {
      return applyJsonPatch(object as Record<string, unknown>, ops as JsonPatchOperation[]) as KubeObject;
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`);
    }
  });
}

function matchesTarget(object: KubeObject, target: PatchTarget): boolean {
  const [group, version] = (object.apiVersion ?? "").includes("/")
    ? (object.apiVersion ?? "").split("/")
    : ["", object.apiVersion ?? ""];
  const wants = (want: string | undefined, have: string | undefined) => want === undefined || want === have;
  return (
    wants(target.group, group) &&
    wants(target.version, version) &&
    wants(target.kind, object.kind) &&
    wants(target.name, object.metadata?.name) &&
    wants(target.namespace, object.metadata?.namespace)
  );
}

function parseYaml(text: string, origin: string): unknown {
  const documents = parseAllDocuments(text);
  if (documents.length !== 1 || documents[0].errors.length > 0)
    throw new Error(`${origin}: ${documents[0]?.errors[0]?.message ?? "expected one YAML document"}`);
  return documents[0].toJS();
}

async function findKustomizationFile(dir: string): Promise<string> {
  for (const name of KUSTOMIZATION_FILES) {
    const candidate = path.join(dir, name);
    if (
      await stat(candidate).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return candidate;
  }
  throw new Error(`${dir} has no kustomization.yaml`);
}

function parseObjects(text: string, origin: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new Error(`${origin}: ${document.errors[0].message}`);
    const value = document.toJS() as KubeObject | null;
    if (value && typeof value === "object") objects.push(value);
  }
  return objects;
}
