// kubectl equivalents of generated RBAC objects: `kubectl create role|…binding` commands and YAML.
import { createRequire } from "node:module";
import type * as Yaml from "yaml";
import type { KubeObject, PolicyRule, Subject } from "../meta/types.ts";
import { NON_RESOURCE_VERBS } from "./allow.ts";

// Verbs `kubectl create role` accepts without resource-specific checks (bind, use, … need specific resources).
const KUBECTL_RESOURCE_VERBS = new Set([
  "*",
  "get",
  "delete",
  "list",
  "create",
  "update",
  "patch",
  "watch",
  "proxy",
  "deletecollection",
]);

const shellQuote = (arg: string) =>
  /^[A-Za-z0-9_.,:/=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;

const sameSet = (a: string[] = [], b: string[] = []) =>
  a.length === b.length && a.every((x) => b.includes(x)) && b.every((x) => a.includes(x));

export function kubectlResource(resource: string, group: string): string {
  const slash = resource.indexOf("/");
  const plural = slash < 0 ? resource : resource.slice(0, slash);
  const sub = slash < 0 ? "" : resource.slice(slash);
  return `${plural}${group ? `.${group}` : ""}${sub}`;
}

/** `kubectl create role|clusterrole` when one command can express the rules (shared verbs and names), else undefined. */
export function createRoleCommand(
  kind: string,
  name: string,
  rules: PolicyRule[],
  namespace?: string,
): string | undefined {
  const [first] = rules;
  const uniform = rules.every(
    (r) => sameSet(r.verbs, first.verbs) && sameSet(r.resourceNames, first.resourceNames),
  );
  if (!uniform || !first.verbs.every((v) => KUBECTL_RESOURCE_VERBS.has(v) || NON_RESOURCE_VERBS.has(v)))
    return undefined;
  const urls = rules.flatMap((r) => r.nonResourceURLs ?? []);
  const resources = rules.flatMap((r) =>
    (r.resources ?? []).map((res) => kubectlResource(res, r.apiGroups?.[0] ?? "")),
  );
  if (urls.length > 0 && (first.resourceNames ?? []).length > 0) return undefined;
  const args = ["kubectl", "create", kind.toLowerCase(), name, `--verb=${first.verbs.join(",")}`];
  if (resources.length > 0) args.push(`--resource=${resources.join(",")}`);
  if ((first.resourceNames ?? []).length > 0)
    args.push(`--resource-name=${(first.resourceNames ?? []).join(",")}`);
  if (urls.length > 0) args.push(`--non-resource-url=${urls.join(",")}`);
  if (namespace) args.push("-n", namespace);
  return args.map(shellQuote).join(" ");
}

export function createBindingCommand(
  kind: string,
  name: string,
  roleKind: string,
  subject: Subject,
  namespace?: string,
): string {
  const subjectFlag =
    subject.kind === "ServiceAccount"
      ? `--serviceaccount=${subject.namespace}:${subject.name}`
      : `--${subject.kind.toLowerCase()}=${subject.name}`;
  const args = [
    "kubectl",
    "create",
    kind.toLowerCase(),
    name,
    `--${roleKind.toLowerCase()}=${name}`,
    subjectFlag,
  ];
  if (namespace) args.push("-n", namespace);
  return args.map(shellQuote).join(" ");
}

// Plain YAML like kubectl prints it: no anchors for repeated values, sequences not indented.
// yaml is required when a fix is first rendered, so importing rbac (the server and the client do) does not load it.
const require = createRequire(import.meta.url);
let yaml: typeof Yaml | undefined;
export const toYaml = (o: KubeObject) => {
  yaml ??= require("yaml") as typeof Yaml;
  return yaml.stringify(o, { aliasDuplicateObjects: false, indentSeq: false });
};

export const applyCommand = (yaml: string) => `kubectl apply -f - <<'EOF'\n${yaml}EOF`;
