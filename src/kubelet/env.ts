// A container's environment as the kubelet builds it (kubelet_pods.go makeEnvironmentVariables): envFrom
// first, then env (overriding, with $(VAR) expansion and valueFrom sources), then the service variables the
// kubelet injects unless the container defined them itself.
import type { ConfigMap, Container, EnvVar, Pod, Secret } from "kubernetes-types/core/v1.d.ts";
import { fieldValue, resourceFieldValue } from "./downward.ts";

/** Where ConfigMaps and Secrets come from (the runtime's informer caches). */
export interface ObjectSource {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
}

/** Something worth a Warning event, with the kubelet's event reason. */
export interface Warning {
  reason: string;
  message: string;
}

export type EnvResult =
  | { ok: true; env: Map<string, string>; warnings: Warning[] }
  | { ok: false; message: string };

/**
 * `$(VAR)` references, exactly as third_party/forked/golang/expansion: `$$` escapes, unknown names and
 * unterminated references stay as they are.
 */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = "";
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== "$" || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === "$") {
      out += "$";
    } else if (rest[0] === "(") {
      const close = rest.indexOf(")");
      if (close === -1) {
        out += "$(";
      } else {
        const name = rest.slice(1, close);
        out += lookup(name) ?? `$(${name})`;
        advance = close + 1;
      }
    } else {
      out += `$${rest[0]}`;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** envvars.FromServices for the `kubernetes` Service, pointed at the address Pods can really reach. */
export function kubernetesServiceEnv(host: string, port: number): Map<string, string> {
  const hostPort = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const portPrefix = `KUBERNETES_PORT_${port}_TCP`;
  return new Map([
    ["KUBERNETES_SERVICE_HOST", host],
    ["KUBERNETES_SERVICE_PORT", String(port)],
    ["KUBERNETES_SERVICE_PORT_HTTPS", String(port)],
    ["KUBERNETES_PORT", `tcp://${hostPort}`],
    [portPrefix, `tcp://${hostPort}`],
    [`${portPrefix}_PROTO`, "tcp"],
    [`${portPrefix}_PORT`, String(port)],
    [`${portPrefix}_ADDR`, host],
  ]);
}

/** RelaxedEnvironmentVariableValidation (GA in 1.32): printable ASCII without "=". */
export function isEnvVarName(name: string): boolean {
  return /^[\x20-\x3c\x3e-\x7e]+$/.test(name);
}

function decodeSecret(secret: Secret, key: string): string | undefined {
  const encoded = secret.data?.[key];
  if (encoded !== undefined) return Buffer.from(encoded, "base64").toString("utf8");
  return secret.stringData?.[key];
}

function secretKeys(secret: Secret): string[] {
  return Object.keys(secret.data ?? {});
}

/** The container's variables (without the service variables' precedence applied yet). */
export function containerEnv(
  pod: Pod,
  container: Container,
  objects: ObjectSource,
  serviceEnv: ReadonlyMap<string, string>,
): EnvResult {
  const namespace = pod.metadata?.namespace ?? "default";
  const env = new Map<string, string>();
  const warnings: Warning[] = [];

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    let values: [string, string][];
    let what: string;
    if (from.configMapRef) {
      const cm = objects.configMap(namespace, from.configMapRef.name ?? "");
      what = `configMap ${namespace}/${from.configMapRef.name}`;
      if (!cm) {
        if (from.configMapRef.optional) continue;
        return { ok: false, message: `configmap "${from.configMapRef.name}" not found` };
      }
      values = Object.entries(cm.data ?? {});
    } else if (from.secretRef) {
      const secret = objects.secret(namespace, from.secretRef.name ?? "");
      what = `secret ${namespace}/${from.secretRef.name}`;
      if (!secret) {
        if (from.secretRef.optional) continue;
        return { ok: false, message: `secret "${from.secretRef.name}" not found` };
      }
      values = secretKeys(secret).map((k) => [k, decodeSecret(secret, k) ?? ""]);
    } else {
      continue;
    }
    const invalid: string[] = [];
    for (const [key, value] of values) {
      const name = prefix + key;
      if (!isEnvVarName(name)) invalid.push(name);
      else env.set(name, value);
    }
    if (invalid.length > 0) {
      warnings.push({
        reason: "InvalidEnvironmentVariableNames",
        message: `Keys [${invalid.sort().join(", ")}] from the EnvFrom ${what} were skipped since they are considered invalid environment variable names.`,
      });
    }
  }

  const lookup = (name: string) => env.get(name) ?? serviceEnv.get(name);
  for (const variable of container.env ?? []) {
    const value = resolveEnvVar(pod, container, variable, objects, lookup);
    if (value instanceof Error) return { ok: false, message: value.message };
    if (value !== undefined) env.set(variable.name, value);
  }
  for (const [name, value] of serviceEnv) if (!env.has(name)) env.set(name, value);
  return { ok: true, env, warnings };
}

function resolveEnvVar(
  pod: Pod,
  container: Container,
  variable: EnvVar,
  objects: ObjectSource,
  lookup: (name: string) => string | undefined,
): string | undefined | Error {
  if (variable.value) return expandVars(variable.value, lookup);
  const from = variable.valueFrom;
  if (!from) return "";
  const namespace = pod.metadata?.namespace ?? "default";
  if (from.fieldRef) return fieldValue(pod, from.fieldRef.fieldPath);
  if (from.configMapKeyRef) {
    const { name = "", key, optional } = from.configMapKeyRef;
    const cm = objects.configMap(namespace, name);
    if (!cm) return optional ? undefined : new Error(`configmap "${name}" not found`);
    const value = cm.data?.[key];
    if (value === undefined)
      return optional ? undefined : new Error(`couldn't find key ${key} in ConfigMap ${namespace}/${name}`);
    return value;
  }
  if (from.secretKeyRef) {
    const { name = "", key, optional } = from.secretKeyRef;
    const secret = objects.secret(namespace, name);
    if (!secret) return optional ? undefined : new Error(`secret "${name}" not found`);
    const value = decodeSecret(secret, key);
    if (value === undefined)
      return optional ? undefined : new Error(`couldn't find key ${key} in Secret ${namespace}/${name}`);
    return value;
  }
  if (from.resourceFieldRef) return resourceFieldValue(pod, container, from.resourceFieldRef);
  return "";
}

/** command/args with $(VAR) expanded against the final environment (ExpandContainerCommandAndArgs). */
export function expandArgs(argv: readonly string[], env: ReadonlyMap<string, string>): string[] {
  return argv.map((arg) => expandVars(arg, (name) => env.get(name)));
}
