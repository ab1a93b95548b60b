// printers.go for rolebindings and clusterrolebindings (roles print with the default Name/Created At).
import type { KubeObject } from "../../../../meta/types.ts";
import { asList, asMap, asString } from "../../json-access.ts";
import { AGE_COLUMN, column, NAME_COLUMN, wide } from "../../printers/columns.ts";
import { age, nameOf } from "../../printers/format.ts";
import type { Printer } from "../../tables.ts";

const ROLE_REF_DOCS = {
  RoleBinding:
    "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.",
  ClusterRoleBinding:
    "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.",
};

/** rbac.SubjectsStrings: users, groups and "namespace/name" service accounts, each joined by ", ". */
function subjects(binding: KubeObject): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const s of asList(binding.subjects).map(asMap)) {
    if (s.kind === "ServiceAccount") serviceAccounts.push(`${asString(s.namespace)}/${asString(s.name)}`);
    else if (s.kind === "User") users.push(asString(s.name));
    else if (s.kind === "Group") groups.push(asString(s.name));
  }
  return [users.join(", "), groups.join(", "), serviceAccounts.join(", ")];
}

export function bindingPrinter(kind: "RoleBinding" | "ClusterRoleBinding"): Printer {
  const noun = kind === "RoleBinding" ? "roleBinding" : "clusterRoleBinding";
  return {
    columns: [
      NAME_COLUMN,
      column("Role", "string", ROLE_REF_DOCS[kind]),
      AGE_COLUMN,
      wide("Users", "string", `Users in the ${noun}`),
      wide("Groups", "string", `Groups in the ${noun}`),
      wide("ServiceAccounts", "string", `ServiceAccounts in the ${noun}`),
    ],
    cells(binding, now) {
      const ref = asMap(binding.roleRef);
      return [
        nameOf(binding),
        `${asString(ref.kind)}/${asString(ref.name)}`,
        age(binding, now),
        ...subjects(binding),
      ];
    },
  };
}
