// Secret and ConfigMap validation (pkg/apis/core/validation ValidateSecret*, ValidateConfigMap*).

import { regexError } from "../../../meta/names.ts";
import type { KubeObject } from "../../../meta/types.ts";
import { asMap, asString, deepEqual, type Json } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import { forbidden, immutable, invalid, key, required, tooLong } from "./field.ts";

const MAX_SECRET_SIZE = 1024 * 1024;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const SERVICE_ACCOUNT_NAME_KEY = "kubernetes.io/service-account.name";
const IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set";

/** util/validation.IsConfigMapKey. */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (Buffer.byteLength(value) > 253) errs.push("must be no more than 253 characters");
  if (!CONFIG_KEY.test(value)) {
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        "[-._a-zA-Z0-9]+",
        "key.name",
        "KEY_NAME",
        "key-name",
      ),
    );
  }
  if (value === ".") errs.push("must not be '.'");
  else if (value === "..") errs.push("must not be '..'");
  else if (value.startsWith("..")) errs.push("must not start with '..'");
  return errs;
}

const keyErrors = (data: Json, path: string) =>
  Object.keys(data).flatMap((k) => isConfigMapKey(k).map((msg) => invalid(key(path, k), k, msg)));
const decodedSize = (data: Json) =>
  Object.values(data).reduce<number>((n, v) => n + Buffer.from(asString(v), "base64").length, 0);

/** Keys a Secret of `type` must carry in data (beyond service-account-token's annotation). */
function typeErrors(type: string, data: Json, annotations: Json): FieldCause[] {
  const has = (k: string) => Object.hasOwn(data, k);
  switch (type) {
    case "kubernetes.io/service-account-token":
      // Only the annotation is required; a controller fills in the token later.
      return asString(annotations[SERVICE_ACCOUNT_NAME_KEY])
        ? []
        : [required(key("metadata.annotations", SERVICE_ACCOUNT_NAME_KEY))];
    case "kubernetes.io/dockercfg":
      return has(".dockercfg") ? [] : [required(key("data", ".dockercfg"))];
    case "kubernetes.io/dockerconfigjson":
      return has(".dockerconfigjson") ? [] : [required(key("data", ".dockerconfigjson"))];
    case "kubernetes.io/basic-auth":
      return has("username") || has("password")
        ? []
        : [required(key("data", "username")), required(key("data", "password"))];
    case "kubernetes.io/ssh-auth":
      return asString(data["ssh-privatekey"]) ? [] : [required(key("data", "ssh-privatekey"))];
    case "kubernetes.io/tls":
      return [
        ...(has("tls.crt") ? [] : [required(key("data", "tls.crt"))]),
        ...(has("tls.key") ? [] : [required(key("data", "tls.key"))]),
      ];
    default:
      return [];
  }
}

export function validateSecret(secret: KubeObject, old?: KubeObject): FieldCause[] {
  const errs: FieldCause[] = [];
  if (old) {
    const type = (s: KubeObject) => asString(s.type) || "Opaque"; // defaulted upstream
    if (type(secret) !== type(old)) errs.push(immutable("type", type(secret)));
    errs.push(...immutableContent(secret, old, ["data"]));
  }
  // stringData is merged into data before validation upstream.
  const data = { ...asMap(secret.data), ...asMap(secret.stringData) };
  errs.push(...keyErrors(data, "data"));
  const size =
    decodedSize(asMap(secret.data)) +
    Object.values(asMap(secret.stringData)).reduce<number>((n, v) => n + Buffer.byteLength(asString(v)), 0);
  if (size > MAX_SECRET_SIZE) errs.push(tooLong("data", MAX_SECRET_SIZE));
  errs.push(...typeErrors(asString(secret.type), data, asMap(secret.metadata?.annotations)));
  return errs;
}

export function validateConfigMap(cm: KubeObject, old?: KubeObject): FieldCause[] {
  const errs: FieldCause[] = old ? immutableContent(cm, old, ["data", "binaryData"]) : [];
  const data = asMap(cm.data);
  const binary = asMap(cm.binaryData);
  for (const k of Object.keys(data)) {
    for (const msg of isConfigMapKey(k)) errs.push(invalid(key("data", k), k, msg));
    if (Object.hasOwn(binary, k))
      errs.push(invalid(key("data", k), k, "duplicate of key present in binaryData"));
  }
  errs.push(...keyErrors(binary, "binaryData"));
  const size =
    Object.values(data).reduce<number>((n, v) => n + Buffer.byteLength(asString(v)), 0) + decodedSize(binary);
  if (size > MAX_SECRET_SIZE) errs.push(tooLong("", MAX_SECRET_SIZE)); // the whole object
  return errs;
}

/** Once `immutable: true`, neither the flag nor the content may change. */
function immutableContent(obj: KubeObject, old: KubeObject, fields: string[]): FieldCause[] {
  if (old.immutable !== true) return [];
  const errs: FieldCause[] = [];
  if (obj.immutable !== true) errs.push(forbidden("immutable", IMMUTABLE_WHEN_SET));
  for (const f of fields)
    if (!deepEqual(obj[f] ?? {}, old[f] ?? {})) errs.push(forbidden(f, IMMUTABLE_WHEN_SET));
  return errs;
}
