import { asList } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { ResourceDef } from "../../types.ts";
import { CRUD } from "../verbs.ts";

const DOCS = {
  serviceAccountSecrets:
    'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret',
};

export const serviceAccount: ResourceDef = {
  group: "",
  version: "v1",
  resource: "serviceaccounts",
  singular: "serviceaccount",
  kind: "ServiceAccount",
  listKind: "ServiceAccountList",
  namespaced: true,
  shortNames: ["sa"],
  verbs: CRUD,
  subresources: [
    { name: "token", kind: "TokenRequest", group: "authentication.k8s.io", version: "v1", verbs: ["create"] },
  ],
  returnsDeletedObject: true,
  printer: {
    columns: [NAME_COLUMN, column("Secrets", "string", DOCS.serviceAccountSecrets), AGE_COLUMN],
    cells: (sa, now) => [nameOf(sa), asList(sa.secrets).length, age(sa, now)],
  },
};
