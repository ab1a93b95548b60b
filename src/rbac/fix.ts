// Least-privilege RBAC proposals: from a parsed 403 (rbac.md §5.3) or from explicit allow specs.
import type { KubeObject, PolicyRule, Subject } from "../meta/types.ts";
import { type AllowSpec, allowRules } from "./allow.ts";
import { RBAC_API_VERSION, RBAC_GROUP } from "./constants.ts";
import { type ForbiddenInfo, missingRolesInReason } from "./forbidden.ts";
import { applyCommand, createBindingCommand, createRoleCommand, kubectlResource, toYaml } from "./kubectl.ts";
import { findResource } from "./resources.ts";

// Allow specs live in allow.ts; re-exported here because proposals and specs are used together.
export { type AllowSpec, parseAllow } from "./allow.ts";

export interface FixProposal {
  summary: string;
  objects: KubeObject[];
  yaml: string;
  commands: string[];
  notes: string[];
}

/** A valid DNS-1123 subdomain built from the parts; long names keep a hash suffix so they stay unique. */
export function dnsName(...parts: string[]): string {
  const cleaned = parts
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/-\.|\.-/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
  const name = cleaned || "incluster-rbac";
  if (name.length <= 253) return name;
  let hash = 0x811c9dc5;
  for (const ch of name) hash = Math.imul(hash ^ (ch.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return `${name.slice(0, 244).replace(/[-.]+$/, "")}-${hash.toString(16).padStart(8, "0")}`;
}

// Since 1.35 the WebSocket upgrade (GET) needs `create` as well (rbac.md §3.11).
const STREAMING_POD_SUBRESOURCES = new Set(["exec", "attach", "portforward"]);

function subjectLabel(subject: Subject): string {
  return subject.kind === "ServiceAccount"
    ? `ServiceAccount ${subject.namespace}/${subject.name}`
    : `${subject.kind} ${subject.name}`;
}

const subjectNameParts = (subject: Subject, namespace?: string) =>
  subject.kind === "ServiceAccount" && subject.namespace !== namespace
    ? [subject.namespace ?? "", subject.name]
    : [subject.name];

function normalizeSubject(subject: Subject, namespace?: string): Subject {
  if (subject.kind === "ServiceAccount") {
    const saNamespace = subject.namespace || namespace;
    if (!saNamespace)
      throw new Error(`ServiceAccount subject ${subject.name} needs a namespace in a ClusterRoleBinding`);
    return { kind: "ServiceAccount", name: subject.name, namespace: saNamespace };
  }
  if (subject.kind !== "User" && subject.kind !== "Group") {
    throw new Error(
      `unsupported subject kind ${JSON.stringify(subject.kind)} (User, Group or ServiceAccount)`,
    );
  }
  return { kind: subject.kind, apiGroup: RBAC_GROUP, name: subject.name };
}

interface ProposalInput {
  subject: Subject;
  rules: PolicyRule[];
  /** Set: Role + RoleBinding there. Unset: ClusterRole + ClusterRoleBinding. */
  namespace?: string;
  name: string;
  notes: string[];
}

function buildProposal(p: ProposalInput): FixProposal {
  const cluster = p.namespace === undefined;
  const roleKind = cluster ? "ClusterRole" : "Role";
  const bindingKind = cluster ? "ClusterRoleBinding" : "RoleBinding";
  const metadata = cluster ? { name: p.name } : { name: p.name, namespace: p.namespace };
  const role: KubeObject = { apiVersion: RBAC_API_VERSION, kind: roleKind, metadata, rules: p.rules };
  const binding: KubeObject = {
    apiVersion: RBAC_API_VERSION,
    kind: bindingKind,
    metadata: { ...metadata },
    subjects: [p.subject],
    roleRef: { apiGroup: RBAC_GROUP, kind: roleKind, name: p.name },
  };
  const roleYaml = toYaml(role);
  const roleCommand = createRoleCommand(roleKind, p.name, p.rules, p.namespace) ?? applyCommand(roleYaml);
  return {
    summary: proposalSummary(p.subject, p.rules, p.name, p.namespace),
    objects: [role, binding],
    yaml: `${roleYaml}---\n${toYaml(binding)}`,
    commands: [roleCommand, createBindingCommand(bindingKind, p.name, roleKind, p.subject, p.namespace)],
    notes: p.notes,
  };
}

function describeGrant(rules: PolicyRule[]): string {
  return rules
    .map((r) => {
      const what = r.nonResourceURLs
        ? r.nonResourceURLs.join(", ")
        : (r.resources ?? []).map((res) => kubectlResource(res, r.apiGroups?.[0] ?? "")).join(", ");
      const names = r.resourceNames ? ` named ${r.resourceNames.join(", ")}` : "";
      return `${r.verbs.join(", ")} on ${what}${names}`;
    })
    .join("; ");
}

function proposalSummary(subject: Subject, rules: PolicyRule[], name: string, namespace?: string): string {
  const where = namespace ? `in namespace ${namespace} via Role` : "cluster-wide via ClusterRole";
  const bindingKind = namespace ? "RoleBinding" : "ClusterRoleBinding";
  return `Grant ${subjectLabel(subject)} ${describeGrant(rules)} ${where} ${JSON.stringify(name)} and ${bindingKind} ${JSON.stringify(name)}.`;
}

/** Generates a Role/ClusterRole + binding granting exactly the allow specs to the subject. */
export function generateRbac(o: {
  subject: Subject;
  allow: AllowSpec[];
  namespace?: string;
  cluster?: boolean;
  name?: string;
}): FixProposal {
  if (o.allow.length === 0) throw new Error("nothing to allow");
  const namespace = o.cluster ? undefined : o.namespace;
  const subject = normalizeSubject(o.subject, namespace);
  const notes: string[] = [];
  if (namespace !== undefined) {
    const urls = o.allow.filter((a) => a.nonResourceURL !== undefined).map((a) => a.nonResourceURL);
    if (urls.length > 0) {
      throw new Error(
        `non-resource URLs (${urls.join(", ")}) can only be granted cluster-wide: a RoleBinding never grants them; use cluster: true`,
      );
    }
    for (const a of o.allow) {
      if (findResource(a.resource, a.apiGroup ?? "")?.namespaced === false) {
        notes.push(
          `${kubectlResource(a.resource, a.apiGroup ?? "")} is cluster-scoped: a RoleBinding never grants it; generate with cluster: true instead.`,
        );
      }
    }
  } else if (!o.cluster) {
    notes.push("No namespace given: granting cluster-wide with a ClusterRole and ClusterRoleBinding.");
  }
  const rules = o.allow.flatMap((a) => allowRules(a, notes));
  const name = dnsName(o.name ?? subjectNameParts(subject, namespace).join("-"));
  return buildProposal({ subject, rules, namespace, name, notes });
}

function subjectFromInfo(info: ForbiddenInfo): Subject {
  if (info.serviceAccount) {
    return {
      kind: "ServiceAccount",
      name: info.serviceAccount.name,
      namespace: info.serviceAccount.namespace,
    };
  }
  return { kind: "User", apiGroup: RBAC_GROUP, name: info.user };
}

/** The smallest grant for the denied request (verbs, name scoping, informer and exec extras). */
function specForDenial(info: ForbiddenInfo, informer: boolean, notes: string[]): AllowSpec {
  if (info.path !== undefined) return { verbs: [info.verb], resource: "", nonResourceURL: info.path };
  const verbs = [info.verb];
  const resource = info.resource ?? "";
  const streaming = resource === "pods" && STREAMING_POD_SUBRESOURCES.has(info.subresource ?? "");
  if (streaming) {
    verbs.push("get", "create");
    notes.push(
      `pods/${info.subresource} needs both get and create (the WebSocket upgrade is a GET; 1.35+ also checks create).`,
    );
  }
  if (informer) verbs.push("list", "watch");
  else if (info.verb === "list" || info.verb === "watch") {
    notes.push(
      "If this is an informer or a watch loop, it needs both list and watch: rerun with informer: true.",
    );
  }
  const spec: AllowSpec = { verbs, resource, apiGroup: info.apiGroup ?? "" };
  if (info.subresource) spec.subresource = info.subresource;
  if (info.name) {
    spec.names = [info.name];
    if (streaming)
      notes.push(
        `The rule is limited to pod ${info.name}; drop resourceNames if the pod is recreated under new names.`,
      );
  }
  return spec;
}

/** Proposes the least-privilege Role/ClusterRole + binding that would have allowed the denied request. */
export function proposeFix(
  info: ForbiddenInfo,
  opts: { roleName?: string; informer?: boolean } = {},
): FixProposal {
  if (info.anonymous) {
    return {
      summary: "The request was sent without credentials (system:anonymous); granting RBAC is not the fix.",
      objects: [],
      yaml: "",
      commands: [],
      notes: [
        "system:anonymous means no bearer token reached the API server: the token is missing or unreadable, or the client is not configured to send it.",
        "In a Pod, check that automountServiceAccountToken is not false and that /var/run/secrets/kubernetes.io/serviceaccount/token exists and is readable.",
        "Binding roles to system:anonymous or system:unauthenticated would expose the API to everyone; send the ServiceAccount token instead.",
      ],
    };
  }
  const notes: string[] = [];
  for (const missing of missingRolesInReason(info.reason)) {
    notes.push(
      `A binding for this identity references ${missing.kind} ${JSON.stringify(missing.name)}, which does not exist: creating that ${missing.kind} (or fixing the binding's roleRef) may be the intended fix.`,
    );
  }
  const spec = specForDenial(info, opts.informer ?? false, notes);
  const rules = allowRules(spec, notes);
  const namespace = info.path === undefined ? info.namespace : undefined;
  const subject = subjectFromInfo(info);
  if (
    namespace === undefined &&
    info.path === undefined &&
    findResource(spec.resource, spec.apiGroup ?? "")?.namespaced !== false
  ) {
    notes.push(
      `The request was cluster-wide (all namespaces). If the app only needs its own namespace, make it ${info.verb} there and grant a Role + RoleBinding in that namespace instead.`,
    );
  }
  const slug =
    spec.nonResourceURL !== undefined
      ? `url-${spec.nonResourceURL}`
      : `${spec.resource}${spec.subresource ? `-${spec.subresource}` : ""}${spec.apiGroup ? `.${spec.apiGroup}` : ""}`;
  const name = dnsName(opts.roleName ?? [...subjectNameParts(subject, namespace), slug].join("-"));
  return buildProposal({ subject, rules, namespace, name, notes });
}
