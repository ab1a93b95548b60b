// Kubernetes objects from YAML/JSON files and directories (multi-document YAML, `kind: List` expanded),
// the way `kubectl apply -f DIR` reads them.
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../meta/types.ts";
import { UsageError } from "./output.ts";

const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/** Every manifest file under `target` (recursively for a directory), sorted for stable results. */
async function manifestFiles(target: string): Promise<string[]> {
  const info = await stat(target).catch(() => {
    throw new UsageError(`${target}: no such file or directory`);
  });
  if (!info.isDirectory()) return [target];
  const entries = await readdir(target, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && MANIFEST_EXTENSIONS.has(path.extname(e.name)))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** The objects of one YAML/JSON text; Lists are flattened, empty documents skipped. */
export function parseManifests(text: string, origin: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new UsageError(`${origin}: ${doc.errors[0].message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value))
      throw new UsageError(`${origin}: a document is not an object`);
    const object = value as KubeObject;
    if (typeof object.kind === "string" && object.kind.endsWith("List") && Array.isArray(object.items)) {
      objects.push(...(object.items as KubeObject[]));
    } else objects.push(object);
  }
  return objects;
}

export async function loadManifests(targets: string[]): Promise<KubeObject[]> {
  const objects: KubeObject[] = [];
  for (const target of targets) {
    for (const file of await manifestFiles(target))
      objects.push(...parseManifests(await readFile(file, "utf8"), file));
  }
  return objects;
}
