// `incluster whoami` and `incluster can-i`: kubectl auth whoami / can-i, from inside a Pod or with a kubeconfig.
import type { Command } from "commander";
import type { Identity } from "../client/index.ts";
import {
  action,
  addConnectionFlags,
  type ConnectionFlags,
  connect,
  EXIT_NO,
  EXIT_OK,
  formatObject,
  formatTable,
  goList,
  type OutputFormat,
  parseOutputFormat,
  say,
  UsageError,
} from "./output.ts";
import { RULES_TABLE_HEADER, rulesTableRows } from "./rules-table.ts";

/** The SelfSubjectReview object kubectl prints for -o json|yaml. */
export function selfSubjectReview(identity: Identity): Record<string, unknown> {
  const userInfo: Record<string, unknown> = { username: identity.username };
  if (identity.uid) userInfo.uid = identity.uid;
  if (identity.groups.length > 0) userInfo.groups = identity.groups;
  if (identity.extra) userInfo.extra = identity.extra;
  return {
    kind: "SelfSubjectReview",
    apiVersion: "authentication.k8s.io/v1",
    metadata: { creationTimestamp: null },
    status: { userInfo },
  };
}

/** kubectl's ATTRIBUTE/VALUE table: rows sorted by attribute name ("Extra: …" < Groups < UID < Username). */
export function whoamiRows(identity: Identity): string[][] {
  const attributes = new Map<string, string>();
  if (identity.username) attributes.set("Username", identity.username);
  if (identity.uid) attributes.set("UID", identity.uid);
  if (identity.groups.length > 0) attributes.set("Groups", goList(identity.groups));
  for (const [key, values] of Object.entries(identity.extra ?? {}))
    attributes.set(`Extra: ${key}`, goList(values));
  const keys = [...attributes.keys()].sort();
  return [["ATTRIBUTE", "VALUE"], ...keys.map((k) => [k, attributes.get(k)!])];
}

interface WhoamiFlags extends ConnectionFlags {
  output?: string;
}

async function whoami(flags: WhoamiFlags): Promise<number> {
  const format = parseOutputFormat(flags.output, ["json", "yaml"]) as OutputFormat | undefined;
  const client = await connect(flags);
  try {
    const identity = await client.whoami();
    if (identity.note) process.stderr.write(`Warning: ${identity.note}\n`);
    process.stdout.write(
      format ? formatObject(selfSubjectReview(identity), format) : formatTable(whoamiRows(identity)),
    );
    return EXIT_OK;
  } finally {
    client.close();
  }
}

interface CanIFlags extends ConnectionFlags {
  allNamespaces?: boolean;
  subresource?: string;
  list?: boolean;
  quiet?: boolean;
  headers?: boolean;
}

/** kubectl's single-check line: "yes", or "no" with " - reason" and " - evaluationError" when set. */
export function canILine(result: { allowed: boolean; reason?: string; evaluationError?: string }): string {
  if (result.allowed) return "yes";
  return ["no", result.reason, result.evaluationError].filter(Boolean).join(" - ");
}

/** "pods/web-0" is TYPE/NAME as in kubectl; a separate NAME argument works too. */
export function splitTypeName(
  resource: string,
  name: string | undefined,
): { resource: string; name?: string } {
  if (resource.startsWith("/")) return { resource };
  const slash = resource.indexOf("/");
  if (slash < 0) return name ? { resource, name } : { resource };
  if (name) throw new UsageError(`give either TYPE/NAME or TYPE NAME, not both: ${resource} ${name}`);
  return { resource: resource.slice(0, slash), name: resource.slice(slash + 1) };
}

async function canIList(flags: CanIFlags): Promise<number> {
  if (flags.quiet || flags.allNamespaces || flags.subresource) {
    throw new UsageError("--list can't be used with --quiet, --all-namespaces or --subresource");
  }
  const client = await connect(flags);
  try {
    const rules = await client.rules(flags.namespace ?? client.namespace);
    if (rules.incomplete)
      process.stderr.write(`warning: the list may be incomplete: ${rules.evaluationError ?? ""}\n`);
    const rows = rulesTableRows([...rules.resourceRules, ...rules.nonResourceRules]);
    process.stdout.write(formatTable(flags.headers === false ? rows : [RULES_TABLE_HEADER, ...rows]));
    return EXIT_OK;
  } finally {
    client.close();
  }
}

async function canI(
  verb: string | undefined,
  resource: string | undefined,
  name: string | undefined,
  flags: CanIFlags,
) {
  if (flags.list) return canIList(flags);
  if (!verb || !resource)
    throw new UsageError("you must specify two arguments: verb resource or verb resource/resourceName");
  if (flags.allNamespaces && flags.namespace) throw new UsageError("give either -n or -A, not both");
  const target = splitTypeName(resource, name);
  const client = await connect(flags);
  try {
    const result = await client.canI(verb, target.resource, {
      namespace: flags.namespace,
      allNamespaces: flags.allNamespaces,
      name: target.name,
      subresource: flags.subresource,
    });
    if (!flags.quiet) say(canILine(result));
    return result.allowed ? EXIT_OK : EXIT_NO;
  } finally {
    client.close();
  }
}

export function registerIdentityCommands(program: Command): void {
  addConnectionFlags(
    program
      .command("whoami")
      .description("who the API server thinks this client is (SelfSubjectReview), like kubectl auth whoami")
      .option("-o, --output <format>", "json or yaml (default: ATTRIBUTE/VALUE table)"),
    false,
  ).action(action(whoami));

  addConnectionFlags(
    program
      .command("can-i")
      .description("check whether an action is allowed (SelfSubjectAccessReview), like kubectl auth can-i")
      .argument("[verb]", "get, list, watch, create, update, patch, delete, … or an HTTP verb for a URL")
      .argument("[resource]", "resource (pods, deployments.apps, pods/NAME) or a non-resource URL (/healthz)")
      .argument("[name]", "object name")
      .option("-A, --all-namespaces", "check in all namespaces")
      .option("--subresource <subresource>", "subresource, such as log or status")
      .option("--list", "list all allowed actions in the namespace (SelfSubjectRulesReview)")
      .option("--no-headers", "with --list: omit the header row")
      .option("-q, --quiet", "print nothing; the exit code says yes (0) or no (1)")
      .addHelpText(
        "after",
        "\nExit status: 0 yes, 1 no, 2 could not ask (configuration, connection, usage).",
      ),
  ).action(action(canI));
}
