// core/v1 Secret: SetDefaults_Secret (type Opaque), stringData folded into data (the v1 conversion),
// ValidateSecret (validation/config.ts), printSecret.

import type { KubeObject } from "../../../../meta/types.ts";
import { asMap, asString } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { ResourceDef } from "../../types.ts";
import { validateSecret } from "../../validation/config.ts";
import { fields } from "../fields.ts";
import { CRUD } from "../verbs.ts";

const DOCS = {
  secretType:
    "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
  secretData:
    "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
};

const count = (v: unknown) => Object.keys(asMap(v)).length;

function defaultSecret(secret: KubeObject & { stringData?: Record<string, string> }): void {
  secret.type ??= "Opaque";
  if (secret.stringData) {
    const data: Record<string, string> = { ...(secret.data as Record<string, string> | undefined) };
    for (const [k, val] of Object.entries(secret.stringData)) data[k] = Buffer.from(val).toString("base64");
    secret.data = data;
    delete secret.stringData;
  }
}

export const secret: ResourceDef = {
  group: "",
  version: "v1",
  resource: "secrets",
  singular: "secret",
  kind: "Secret",
  listKind: "SecretList",
  namespaced: true,
  verbs: CRUD,
  selectableFields: fields("type"),
  defaults: defaultSecret,
  validate: validateSecret,
  printer: {
    columns: [
      NAME_COLUMN,
      column("Type", "string", DOCS.secretType),
      column("Data", "string", DOCS.secretData),
      AGE_COLUMN,
    ],
    cells: (secret, now) => [
      nameOf(secret),
      asString(secret.type) || "Opaque",
      count(secret.data),
      age(secret, now),
    ],
  },
};
