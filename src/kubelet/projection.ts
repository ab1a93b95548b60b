// The files of configMap, secret, downwardAPI and projected volumes (the volume plugins' MakePayload),
// including projected ServiceAccount tokens bound to the Pod. Errors carry upstream's texts: they end up
// in FailedMount events.
import type {
  ConfigMap,
  DownwardAPIVolumeFile,
  KeyToPath,
  Pod,
  Secret,
  ServiceAccountTokenProjection,
  VolumeProjection,
} from "kubernetes-types/core/v1.d.ts";
import type { FileProjection } from "./atomic-writer.ts";
import { fieldValue, resourceFieldValue } from "./downward.ts";
import type { ObjectSource } from "./env.ts";
import type { TokenSpec } from "./token-manager.ts";

export const DEFAULT_MODE = 0o644;
/** TokenRequest's default when a projection does not say. */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;

export interface ProjectionContext {
  objects: ObjectSource;
  token(spec: TokenSpec): Promise<string>;
}

type Files = Map<string, FileProjection>;

function keyedFiles(
  values: Map<string, Buffer>,
  items: readonly KeyToPath[] | undefined,
  mode: number,
  optional: boolean,
  missingKey: (key: string) => string,
): Files | Error {
  const files: Files = new Map();
  if (!items || items.length === 0) {
    for (const [key, data] of values) files.set(key, { data, mode });
    return files;
  }
  for (const item of items) {
    const data = values.get(item.key);
    if (data === undefined) {
      if (optional) continue;
      return new Error(missingKey(item.key));
    }
    files.set(item.path, { data, mode: item.mode ?? mode });
  }
  return files;
}

function configMapValues(cm: ConfigMap): Map<string, Buffer> {
  const values = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) values.set(k, Buffer.from(v));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) values.set(k, Buffer.from(v, "base64"));
  return values;
}

function secretValues(secret: Secret): Map<string, Buffer> {
  return new Map(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64")]));
}

type KeyedSource = { name?: string; items?: KeyToPath[]; optional?: boolean };

/** Files from a ConfigMap or Secret source: missing object or key is an error unless optional. */
function objectFiles<T>(
  source: KeyedSource,
  mode: number,
  found: T | undefined,
  values: (obj: T) => Map<string, Buffer>,
  messages: { missing: string; missingKey: (key: string) => string },
): Files | Error {
  if (!found) return source.optional ? new Map() : new Error(messages.missing);
  return keyedFiles(values(found), source.items, mode, Boolean(source.optional), messages.missingKey);
}

export function configMapFiles(
  pod: Pod,
  source: KeyedSource,
  mode: number,
  objects: ObjectSource,
): Files | Error {
  const cm = objects.configMap(pod.metadata?.namespace ?? "default", source.name ?? "");
  return objectFiles(source, mode, cm, configMapValues, {
    missing: `configmap "${source.name}" not found`,
    missingKey: (key) => `configmap references non-existent config key: ${key}`,
  });
}

export function secretFiles(
  pod: Pod,
  source: KeyedSource,
  mode: number,
  objects: ObjectSource,
): Files | Error {
  const secret = objects.secret(pod.metadata?.namespace ?? "default", source.name ?? "");
  return objectFiles(source, mode, secret, secretValues, {
    missing: `secret "${source.name}" not found`,
    missingKey: (key) => `references non-existent secret key: ${key}`,
  });
}

export function downwardFiles(
  pod: Pod,
  items: readonly DownwardAPIVolumeFile[],
  mode: number,
): Files | Error {
  const files: Files = new Map();
  for (const item of items) {
    if (!item.fieldRef && !item.resourceFieldRef) continue;
    // Volumes name their container (validation requires containerName for resourceFieldRef items).
    const value = item.fieldRef
      ? fieldValue(pod, item.fieldRef.fieldPath)
      : resourceFieldValue(pod, undefined, item.resourceFieldRef!);
    if (value instanceof Error) return value;
    files.set(item.path, { data: value, mode: item.mode ?? mode });
  }
  return files;
}

export function tokenSpec(pod: Pod, projection: ServiceAccountTokenProjection): TokenSpec {
  return {
    namespace: pod.metadata?.namespace ?? "default",
    serviceAccount: pod.spec?.serviceAccountName || "default",
    audiences: projection.audience ? [projection.audience] : [],
    expirationSeconds: projection.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS,
    pod: { name: pod.metadata?.name ?? "", uid: pod.metadata?.uid ?? "" },
  };
}

/** All sources of a projected volume; one missing non-optional source fails the whole volume. */
export async function projectedFiles(
  pod: Pod,
  sources: readonly VolumeProjection[],
  mode: number,
  ctx: ProjectionContext,
): Promise<Files | Error> {
  const files: Files = new Map();
  for (const source of sources) {
    let part: Files | Error;
    if (source.configMap) part = configMapFiles(pod, source.configMap, mode, ctx.objects);
    else if (source.secret) part = secretFiles(pod, source.secret, mode, ctx.objects);
    else if (source.downwardAPI) part = downwardFiles(pod, source.downwardAPI.items ?? [], mode);
    else if (source.serviceAccountToken) {
      const projection = source.serviceAccountToken;
      try {
        const token = await ctx.token(tokenSpec(pod, projection));
        part = new Map([[projection.path, { data: token, mode }]]);
      } catch (error) {
        return error as Error;
      }
    } else {
      return new Error(
        "projected volume source is not supported by the incluster runtime (clusterTrustBundle?)",
      );
    }
    if (part instanceof Error) return part;
    for (const [path, file] of part) files.set(path, file);
  }
  return files;
}
