import { asMap } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { ResourceDef } from "../../types.ts";
import { validateConfigMap } from "../../validation/config.ts";
import { CRUD } from "../verbs.ts";

const DOCS = {
  configMapData:
    "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
};

const count = (v: unknown) => Object.keys(asMap(v)).length;

export const configMap: ResourceDef = {
  group: "",
  version: "v1",
  resource: "configmaps",
  singular: "configmap",
  kind: "ConfigMap",
  listKind: "ConfigMapList",
  namespaced: true,
  shortNames: ["cm"],
  verbs: CRUD,
  validate: validateConfigMap,
  printer: {
    columns: [NAME_COLUMN, column("Data", "string", DOCS.configMapData), AGE_COLUMN],
    cells: (cm, now) => [nameOf(cm), count(cm.data) + count(cm.binaryData), age(cm, now)],
  },
};
