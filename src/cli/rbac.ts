// `incluster rbac explain|generate|check|learn`: least-privilege RBAC from a 403, from allow specs,
// offline checks of manifests, and RBAC learned from an audit log. All offline; the evaluator is the server's.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { serviceAccountUsername } from "../meta/service-account.ts";
import type { KubeObject, Subject } from "../meta/types.ts";
import {
  type AllowSpec,
  type FixProposal,
  type ForbiddenInfo,
  generateRbac,
  parseAllow,
  parseForbidden,
  proposeFix,
} from "../rbac/index.ts";
import { defaultDataDir } from "./cluster.ts";
import { splitTypeName } from "./identity.ts";
import { loadManifests } from "./manifests.ts";
import {
  action,
  EXIT_ERROR,
  EXIT_NO,
  EXIT_OK,
  formatObject,
  formatTable,
  type OutputFormat,
  parseOutputFormat,
  readInput,
  UsageError,
} from "./output.ts";
import { learnRbac, parseAuditLog, uncoveredRequests } from "./rbac-learn.ts";
import {
  type Grant,
  offlineDecision,
  offlineSource,
  offlineUser,
  type RequestSpec,
  requestAttributes,
  whoCan,
} from "./rbac-offline.ts";
import { parseServiceAccountRef } from "./token.ts";

const collect = (value: string, previous: string[]) => [...previous, value];

/** A v1 List, what kubectl prints for several objects with -o json. */
const asList = (objects: KubeObject[]) => ({ apiVersion: "v1", kind: "List", items: objects, metadata: {} });

function printObjects(objects: KubeObject[], format: OutputFormat): void {
  if (format === "json") process.stdout.write(formatObject(asList(objects), "json"));
  else process.stdout.write(objects.map((o) => formatObject(o, "yaml")).join("---\n"));
}

// ------------------------------------------------------------------------------------------- explain

/** Distinct authorization denials in a message, a JSON Status or a whole log (one per line). */
export function findDenials(text: string): ForbiddenInfo[] {
  const found = new Map<string, ForbiddenInfo>();
  const add = (info: ForbiddenInfo | null) => {
    if (!info) return;
    const { reason: _reason, ...key } = info;
    found.set(JSON.stringify(key), info);
  };
  for (const line of text.split("\n")) if (line.includes("cannot")) add(parseForbidden(line));
  if (found.size === 0) add(parseForbidden(text));
  return [...found.values()];
}

function denialLine(info: ForbiddenInfo): string {
  if (info.path !== undefined) return `${info.user} cannot ${info.verb} path ${info.path}`;
  const resource = `${info.resource}${info.subresource ? `/${info.subresource}` : ""}${info.apiGroup ? ` (API group ${info.apiGroup})` : ""}`;
  const name = info.name ? ` named ${info.name}` : "";
  const where = info.namespace !== undefined ? `in namespace ${info.namespace}` : "at the cluster scope";
  return `${info.user} cannot ${info.verb} ${resource}${name} ${where}`;
}

function explainText(info: ForbiddenInfo, fix: FixProposal): string {
  const lines = [`Denied: ${denialLine(info)}`];
  if (info.reason) lines.push(`Reason: ${info.reason}`);
  lines.push(`Fix:    ${fix.summary}`);
  if (fix.yaml) lines.push("", fix.yaml.trimEnd());
  if (fix.commands.length > 0) lines.push("", "Or with kubectl:", ...fix.commands.map((c) => `  ${c}`));
  // The library speaks of its option; on the command line it is the --informer flag.
  const notes = fix.notes.map((n) => n.replace("rerun with informer: true", "rerun with --informer"));
  if (notes.length > 0) lines.push("", "Notes:", ...notes.map((n) => `  - ${n}`));
  return `${lines.join("\n")}\n`;
}

const NOT_RBAC = [
  'This 403 did not come from RBAC authorization: it has no `User "…" cannot …` part, so an admission',
  "plugin (ServiceAccount, PodSecurity, ResourceQuota, a webhook) or an escalation check refused the request.",
  'Granting roles will not help: read the message after "is forbidden:" for what the plugin wants.',
].join("\n");

interface ExplainFlags {
  informer?: boolean;
  output?: string;
}

async function explain(words: string[], flags: ExplainFlags): Promise<number> {
  const format = parseOutputFormat(flags.output, ["yaml", "json"]) as OutputFormat | undefined;
  const text =
    words.length === 0 || (words.length === 1 && words[0] === "-") ? await readInput("-") : words.join(" ");
  const denials = findDenials(text);
  if (denials.length === 0) {
    if (/forbidden/i.test(text)) {
      process.stdout.write(`${NOT_RBAC}\n`);
      return EXIT_NO;
    }
    process.stderr.write(
      'error: no forbidden message found (expected text such as `User "…" cannot list resource "pods" …`)\n',
    );
    return EXIT_ERROR;
  }
  const fixes = denials.map((info) => ({ info, fix: proposeFix(info, { informer: flags.informer }) }));
  if (format)
    printObjects(
      fixes.flatMap((f) => f.fix.objects),
      format,
    );
  else process.stdout.write(fixes.map(({ info, fix }) => explainText(info, fix)).join("\n"));
  // Anonymous denials have no RBAC fix: the credentials are what is missing.
  return fixes.some((f) => f.info.anonymous) ? EXIT_NO : EXIT_OK;
}

// ------------------------------------------------------------------------------------------- generate

interface GenerateFlags {
  serviceaccount?: string;
  user?: string;
  group?: string;
  allow: string[];
  cluster?: boolean;
  namespace?: string;
  name?: string;
  output?: string;
}

function subjectFrom(flags: { serviceaccount?: string; user?: string; group?: string }): Subject {
  const given = [flags.serviceaccount, flags.user, flags.group].filter(Boolean);
  if (given.length !== 1)
    throw new UsageError("give exactly one of --serviceaccount NS/NAME, --user or --group");
  if (flags.user) return { kind: "User", name: flags.user };
  if (flags.group) return { kind: "Group", name: flags.group };
  const sa = parseServiceAccountRef(flags.serviceaccount!);
  return { kind: "ServiceAccount", name: sa.name, namespace: sa.namespace };
}

/** Every verb (and name) of every spec, as requests the generated objects must allow. */
function requestsOf(spec: AllowSpec, namespace: string): RequestSpec[] {
  const resource =
    spec.nonResourceURL ?? (spec.apiGroup ? `${spec.resource}.${spec.apiGroup}` : spec.resource);
  const names = spec.names?.length ? spec.names : [undefined];
  return spec.verbs.flatMap((verb) =>
    names.map((name) => ({ verb, resource, name, subresource: spec.subresource, namespace })),
  );
}

/** Refuses what a Role cannot grant, instead of emitting rules that cannot work. */
function checkScope(specs: AllowSpec[], cluster: boolean): void {
  if (cluster) return;
  for (const spec of specs) {
    if (spec.nonResourceURL !== undefined)
      throw new UsageError(
        `${spec.nonResourceURL} is a non-resource URL: only a ClusterRole can grant it; add --cluster`,
      );
    const info = requestAttributes(offlineUser("x"), {
      verb: "get",
      resource: `${spec.resource}${spec.apiGroup ? `.${spec.apiGroup}` : ""}`,
      namespace: "x",
    });
    if (info.resourceRequest && info.namespace === "")
      throw new UsageError(
        `${spec.resource} is cluster-scoped: a RoleBinding never grants it; add --cluster`,
      );
  }
}

async function generate(flags: GenerateFlags): Promise<number> {
  const format = (parseOutputFormat(flags.output, ["yaml", "json"]) ?? "yaml") as OutputFormat;
  if (flags.allow.length === 0) throw new UsageError('give at least one --allow "VERBS RESOURCE"');
  const subject = subjectFrom(flags);
  const specs = flags.allow.map((text) => {
    try {
      return parseAllow(text);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  });
  const namespace = flags.namespace ?? subject.namespace;
  const cluster = Boolean(flags.cluster) || namespace === undefined;
  checkScope(specs, cluster);
  const proposal = generateRbac({ subject, allow: specs, namespace, cluster, name: flags.name });
  // Self-check with the server's evaluator: every requested permission must be granted.
  const user = offlineUser(
    subject.kind === "ServiceAccount"
      ? serviceAccountUsername(subject.namespace ?? "", subject.name)
      : subject.name,
    subject.kind === "Group" ? [subject.name] : [],
  );
  const source = offlineSource(proposal.objects);
  const denied = specs
    .flatMap((spec) => requestsOf(spec, cluster ? "" : namespace!))
    .filter((r) => !offlineDecision(requestAttributes(user, r), source).allowed);
  if (denied.length > 0)
    throw new Error(
      `internal: the generated RBAC does not grant ${denied.map((d) => `${d.verb} ${d.resource}`).join(", ")}`,
    );
  printObjects(proposal.objects, format);
  for (const note of proposal.notes) process.stderr.write(`Note: ${note}\n`);
  return EXIT_OK;
}

// ------------------------------------------------------------------------------------------- check

interface CheckFlags {
  filename: string[];
  as?: string;
  asGroup: string[];
  whoCan?: boolean;
  namespace?: string;
  allNamespaces?: boolean;
  subresource?: string;
  verbose?: boolean;
}

const subjectText = (s: Subject) => [s.name, s.kind, s.kind === "ServiceAccount" ? (s.namespace ?? "") : ""];

/** kubectl-who-can's two tables. */
export function whoCanText(grants: Grant[], namespaced: boolean): string {
  const out: string[] = [];
  const roleBindings = grants.filter((g) => g.bindingKind === "RoleBinding");
  if (namespaced) {
    if (roleBindings.length === 0)
      out.push("No subjects found with permissions assigned through RoleBindings\n");
    else
      out.push(
        formatTable([
          ["ROLEBINDING", "NAMESPACE", "SUBJECT", "TYPE", "SA-NAMESPACE"],
          ...roleBindings.flatMap((g) => g.subjects.map((s) => [g.binding, g.namespace, ...subjectText(s)])),
        ]),
      );
  }
  const clusterBindings = grants.filter((g) => g.bindingKind === "ClusterRoleBinding");
  if (clusterBindings.length === 0)
    out.push("No subjects found with permissions assigned through ClusterRoleBindings\n");
  else
    out.push(
      formatTable([
        ["CLUSTERROLEBINDING", "SUBJECT", "TYPE", "SA-NAMESPACE"],
        ...clusterBindings.flatMap((g) => g.subjects.map((s) => [g.binding, ...subjectText(s)])),
      ]),
    );
  return out.join("\n");
}

async function check(
  verb: string,
  resourceArg: string,
  nameArg: string | undefined,
  flags: CheckFlags,
): Promise<number> {
  if (flags.filename.length === 0) throw new UsageError("give the manifests with -f DIR|FILE");
  if (flags.allNamespaces && flags.namespace) throw new UsageError("give either -n or -A, not both");
  if (Boolean(flags.whoCan) === Boolean(flags.as)) throw new UsageError("give either --as USER or --who-can");
  const target = splitTypeName(resourceArg, nameArg);
  const source = offlineSource(await loadManifests(flags.filename));
  const spec: RequestSpec = {
    verb,
    resource: target.resource,
    name: target.name,
    subresource: flags.subresource,
    namespace: flags.allNamespaces ? "" : (flags.namespace ?? "default"),
  };
  if (flags.whoCan) {
    const attributes = requestAttributes(offlineUser("system:anonymous"), spec);
    const grants = whoCan(attributes, source);
    process.stdout.write(whoCanText(grants, attributes.resourceRequest && attributes.namespace !== ""));
    process.stdout.write("\nGroup system:masters is always allowed, with or without bindings.\n");
    return grants.length > 0 ? EXIT_OK : EXIT_NO;
  }
  const user = offlineUser(flags.as!, flags.asGroup);
  const attributes = requestAttributes(user, spec);
  const decision = offlineDecision(attributes, source);
  process.stdout.write(`${decision.allowed ? "yes" : "no"}\n`);
  if (flags.verbose) {
    process.stdout.write(`user: ${user.username} groups: [${user.groups.join(" ")}]\n`);
    const where =
      attributes.resourceRequest && attributes.namespace
        ? `namespace ${attributes.namespace}`
        : "cluster scope";
    process.stdout.write(`scope: ${where}\n`);
    process.stdout.write(
      `${decision.reason || "no binding grants it (RBAC has no opinion, so the request is denied)"}\n`,
    );
  }
  return decision.allowed ? EXIT_OK : EXIT_NO;
}

// ------------------------------------------------------------------------------------------- learn

interface LearnFlags {
  serviceaccount: string;
  auditLog?: string;
  namespaceScope?: boolean;
  output?: string;
}

async function learn(flags: LearnFlags): Promise<number> {
  const format = (parseOutputFormat(flags.output, ["yaml", "json"]) ?? "yaml") as OutputFormat;
  const sa = parseServiceAccountRef(flags.serviceaccount);
  const file = flags.auditLog ?? path.join(defaultDataDir(), "audit.log");
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(
      `cannot read the audit log ${file} (${error.code ?? error.message}); start the server with \`incluster cluster up\` or pass --audit-log`,
    );
  });
  const events = parseAuditLog(text);
  const options = { namespace: sa.namespace, serviceAccount: sa.name, namespaceScope: flags.namespaceScope };
  const result = learnRbac(events, options);
  const who = serviceAccountUsername(sa.namespace, sa.name);
  if (result.requests === 0) {
    process.stderr.write(`no requests by ${who} in ${file}\n`);
    return EXIT_NO;
  }
  process.stderr.write(
    `# ${result.requests} requests by ${who}; ${result.alreadyAllowed} already allowed to every ServiceAccount by the default policy\n`,
  );
  for (const skipped of result.skipped)
    process.stderr.write(`# not granted (--namespace-scope): ${skipped}\n`);
  const uncovered = flags.namespaceScope ? [] : uncoveredRequests(events, options, result.objects);
  if (uncovered.length > 0) throw new Error(`internal: the learned RBAC misses ${uncovered.join(", ")}`);
  if (result.objects.length > 0) printObjects(result.objects, format);
  return EXIT_OK;
}

// ------------------------------------------------------------------------------------------- wiring

export function registerRbacCommands(program: Command): void {
  const rbac = program
    .command("rbac")
    .description("least-privilege RBAC: explain 403s, generate, check offline, learn from audit logs");

  rbac
    .command("explain")
    .description("turn a forbidden message (argument, stdin or a whole log) into the minimal Role/binding")
    .argument("[message...]", "the 403 message, or - (default) to read stdin")
    .option("--informer", "the denied list/watch comes from an informer: grant list and watch together")
    .option("-o, --output <format>", "print only the objects, as yaml or json (for kubectl apply -f -)")
    .addHelpText(
      "after",
      "\nExit status: 0 fix proposed, 1 not fixable with RBAC (admission, system:anonymous), 2 no 403 found.",
    )
    .action(action(explain));

  rbac
    .command("generate")
    .description("least-privilege Role/ClusterRole + binding YAML from allow specs")
    .option("--serviceaccount <ns/name>", "grant to this ServiceAccount")
    .option("--user <name>", "grant to this user")
    .option("--group <name>", "grant to this group")
    .option(
      "--allow <spec>",
      '"VERBS RESOURCE[.GROUP][/SUB][:NAMES]" or "VERBS /path" (repeatable)',
      collect,
      [],
    )
    .option("--cluster", "ClusterRole + ClusterRoleBinding instead of Role + RoleBinding")
    .option("-n, --namespace <ns>", "namespace of the Role (default: the ServiceAccount's)")
    .option("--name <name>", "name of the role and binding")
    .option("-o, --output <format>", "yaml (default) or json", "yaml")
    .action(action(generate));

  rbac
    .command("check")
    .description(
      "offline: may a user do VERB RESOURCE under these manifests plus the default policy? Or --who-can",
    )
    .argument("<verb>")
    .argument("<resource>", "resource (pods, deployments.apps, pods/NAME) or a non-resource URL")
    .argument("[name]")
    .option("-f, --filename <path>", "manifest file or directory (repeatable)", collect, [])
    .option("--as <user>", "user, or system:serviceaccount:NS:NAME (gets the ServiceAccount groups)")
    .option(
      "--as-group <group>",
      "group (repeatable; replaces a ServiceAccount's implicit groups)",
      collect,
      [],
    )
    .option("--who-can", "list the bindings and subjects allowed to do it")
    .option("-n, --namespace <ns>", "namespace of the request", undefined)
    .option("-A, --all-namespaces", "the request spans all namespaces")
    .option("--subresource <subresource>")
    .option("-v, --verbose", "name the binding and role that decided")
    .addHelpText("after", "\nExit status: 0 yes (someone can, for --who-can), 1 no, 2 error.")
    .action(action(check));

  rbac
    .command("learn")
    .description("the minimal RBAC covering what a ServiceAccount did, from the API server's audit log")
    .requiredOption("--serviceaccount <ns/name>", "whose requests to learn from")
    .option("--audit-log <file>", "audit log (JSON lines)", undefined)
    .option(
      "--namespace-scope",
      "never grant cluster-wide: report requests that would need a ClusterRole instead",
    )
    .option("-o, --output <format>", "yaml (default) or json", "yaml")
    .addHelpText(
      "after",
      `\nDefault audit log: ${path.join(defaultDataDir(), "audit.log")} (written by \`incluster cluster up\`).`,
    )
    .action(action(learn));
}
