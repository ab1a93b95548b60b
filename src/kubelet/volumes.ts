// Pod volumes on disk, laid out like the kubelet's: <pods dir>/<uid>/volumes/kubernetes.io~<plugin>/<name>.
// configMap, secret, downwardAPI and projected volumes are (re)written through the AtomicWriter on every
// sync, so token refreshes and ConfigMap changes land as `..data` swaps; emptyDir is a plain directory;
// a persistentVolumeClaim is its bound volume's own directory (volumes-persistent.ts), once it is Bound; a
// hostPath is the host's own path (volumes-host-path.ts), only where host commands are allowed.
import { chmod, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Pod, Volume } from "kubernetes-types/core/v1.d.ts";
import { AtomicWriter, type FileProjection } from "./atomic-writer.ts";
import {
  configMapFiles,
  DEFAULT_MODE,
  downwardFiles,
  type ProjectionContext,
  projectedFiles,
  secretFiles,
} from "./projection.ts";
import { HOST_PATH_REFUSED, setUpHostPath } from "./volumes-host-path.ts";
import type { PersistentVolumeSource } from "./volumes-persistent.ts";

export interface VolumeSyncResult {
  /** Volume name → directory on the host, for every volume that is set up. */
  dirs: Map<string, string>;
  /** One `MountVolume.SetUp failed …` message per volume that is not. */
  errors: string[];
  /** Volumes whose content changed in this sync. */
  changed: string[];
}

type Files = Map<string, FileProjection>;

interface VolumePlan {
  plugin: string;
  files?: () => Promise<Files | Error>;
  /** A volume that lives elsewhere on the host (a PersistentVolume's directory, a hostPath), not under the Pod's. */
  hostDir?: () => Promise<string | Error>;
}

export class VolumeManager {
  readonly podsDir: string;
  readonly #ctx: ProjectionContext;
  readonly #persistent: PersistentVolumeSource | undefined;
  readonly #allowHostPath: boolean;
  /** "<pod uid>/<volume>" → the bound volume's directory: a Bound claim keeps its volume. */
  readonly #hostDirs = new Map<string, string>();

  /** allowHostPath: mount hostPath volumes (the runtime's allowHostCommands). */
  constructor(
    podsDir: string,
    ctx: ProjectionContext,
    persistent?: PersistentVolumeSource,
    options: { allowHostPath?: boolean } = {},
  ) {
    this.podsDir = podsDir;
    this.#ctx = ctx;
    this.#persistent = persistent;
    this.#allowHostPath = Boolean(options.allowHostPath);
  }

  podDir(uid: string): string {
    return path.join(this.podsDir, uid);
  }

  /** Sets up or refreshes every volume of pod. Calls for one Pod must not overlap. */
  async sync(pod: Pod): Promise<VolumeSyncResult> {
    const result: VolumeSyncResult = { dirs: new Map(), errors: [], changed: [] };
    const uid = pod.metadata?.uid ?? "";
    for (const volume of pod.spec?.volumes ?? []) {
      const plan = this.#plan(pod, volume);
      if (plan instanceof Error) {
        result.errors.push(`MountVolume.SetUp failed for volume "${volume.name}" : ${plan.message}`);
        continue;
      }
      if (plan.hostDir) {
        const key = `${uid}/${volume.name}`;
        const dir = this.#hostDirs.get(key) ?? (await plan.hostDir());
        if (dir instanceof Error) {
          result.errors.push(`MountVolume.SetUp failed for volume "${volume.name}" : ${dir.message}`);
          continue;
        }
        this.#hostDirs.set(key, dir);
        result.dirs.set(volume.name, dir);
        continue;
      }
      const dir = path.join(this.podDir(uid), "volumes", plan.plugin, volume.name);
      try {
        await mkdir(dir, { recursive: true, mode: 0o750 });
        if (plan.files) {
          const files = await plan.files();
          if (files instanceof Error) throw files;
          const written = await new AtomicWriter(dir).write(files);
          // Sandboxed containers run as their own user; pods/ (0750) still keeps host users out.
          await chmod(dir, 0o755);
          if (written.changed) result.changed.push(volume.name);
        } else {
          await chmod(dir, 0o777); // emptyDir: world-writable, as the kubelet creates it
        }
        result.dirs.set(volume.name, dir);
      } catch (error) {
        result.errors.push(
          `MountVolume.SetUp failed for volume "${volume.name}" : ${(error as Error).message}`,
        );
      }
    }
    return result;
  }

  /** Removes the Pod's directory (volumes and scratch space). */
  async cleanup(uid: string): Promise<void> {
    if (!uid) return;
    for (const key of this.#hostDirs.keys()) if (key.startsWith(`${uid}/`)) this.#hostDirs.delete(key);
    await rm(this.podDir(uid), { recursive: true, force: true });
  }

  #plan(pod: Pod, volume: Volume): VolumePlan | Error {
    const { objects } = this.#ctx;
    if (volume.projected) {
      const { sources = [], defaultMode = DEFAULT_MODE } = volume.projected;
      return {
        plugin: "kubernetes.io~projected",
        files: () => projectedFiles(pod, sources, defaultMode, this.#ctx),
      };
    }
    if (volume.configMap) {
      const source = volume.configMap;
      return {
        plugin: "kubernetes.io~configmap",
        files: async () => configMapFiles(pod, source, source.defaultMode ?? DEFAULT_MODE, objects),
      };
    }
    if (volume.secret) {
      const source = volume.secret;
      return {
        plugin: "kubernetes.io~secret",
        files: async () =>
          secretFiles(
            pod,
            { ...source, name: source.secretName },
            source.defaultMode ?? DEFAULT_MODE,
            objects,
          ),
      };
    }
    if (volume.downwardAPI) {
      const source = volume.downwardAPI;
      return {
        plugin: "kubernetes.io~downward-api",
        files: async () => downwardFiles(pod, source.items ?? [], source.defaultMode ?? DEFAULT_MODE),
      };
    }
    if (volume.emptyDir) return { plugin: "kubernetes.io~empty-dir" };
    if (volume.persistentVolumeClaim) {
      const { claimName } = volume.persistentVolumeClaim;
      const namespace = pod.metadata?.namespace ?? "default";
      const persistent = this.#persistent;
      if (!persistent) return new Error("persistentVolumeClaim volumes are not supported by this runtime");
      return {
        plugin: "kubernetes.io~local-volume",
        hostDir: () => persistent.resolve(namespace, claimName),
      };
    }
    if (volume.hostPath) {
      const source = volume.hostPath;
      if (!this.#allowHostPath) return new Error(HOST_PATH_REFUSED);
      return { plugin: "kubernetes.io~host-path", hostDir: () => setUpHostPath(source) };
    }
    const type = Object.keys(volume).find((k) => k !== "name") ?? "unknown";
    return new Error(`${type} volumes are not supported by the incluster runtime`);
  }
}
