// The permissions an app needs, as `--need "list pods -A"` texts or from a file: a YAML list of such texts,
// `needs: [...]`, or Role/ClusterRole manifests whose rules are what the app expects to have.
import { parseAllDocuments } from "yaml";
import type { PolicyRule } from "../meta/types.ts";
import { breakdownRule } from "../rbac/index.ts";
import type { Need } from "./types.ts";

const NEED_SYNTAX =
  'VERB RESOURCE[/SUBRESOURCE] [NAME] [-n NAMESPACE | -A], e.g. "list pods -A" or "get /healthz"';

/** "watch endpointslices.discovery.k8s.io -n web", "get configmaps app-config", "create pods/exec web-0 -n web". */
export function parseNeed(text: string): Need {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const positional: string[] = [];
  const need: Partial<Need> = { text: text.trim() };
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word === "-A" || word === "--all-namespaces") need.allNamespaces = true;
    else if (word === "-n" || word === "--namespace") need.namespace = words[++i];
    else if (word.startsWith("--namespace=")) need.namespace = word.slice("--namespace=".length);
    else if (word.startsWith("-"))
      throw new Error(`need ${JSON.stringify(text)}: unknown flag ${word}; expected ${NEED_SYNTAX}`);
    else positional.push(word);
  }
  if (
    positional.length < 2 ||
    positional.length > 3 ||
    (need.namespace === undefined && words.includes("-n"))
  ) {
    throw new Error(`need ${JSON.stringify(text)}: expected ${NEED_SYNTAX}`);
  }
  if (need.allNamespaces && need.namespace)
    throw new Error(`need ${JSON.stringify(text)}: give -n or -A, not both`);
  const [verb, target, name] = positional;
  const slash = target.startsWith("/") ? -1 : target.indexOf("/");
  need.verb = verb;
  need.resource = slash < 0 ? target : target.slice(0, slash);
  if (slash >= 0) need.subresource = target.slice(slash + 1);
  if (name) need.name = name;
  return need as Need;
}

const groupQualified = (resource: string, group: string) => {
  const slash = resource.indexOf("/");
  const plural = slash < 0 ? resource : resource.slice(0, slash);
  return `${plural}${group ? `.${group}` : ""}${slash < 0 ? "" : resource.slice(slash)}`;
};

/** One need per verb × resource × name of the rules; a Role's rules apply in its namespace, a ClusterRole's everywhere. */
export function needsFromRules(rules: PolicyRule[], namespace: string | undefined): string[] {
  const scope = namespace ? ` -n ${namespace}` : " -A";
  return rules.flatMap(breakdownRule).map((atom) => {
    const verb = atom.verbs[0];
    if (atom.nonResourceURLs) return `${verb} ${atom.nonResourceURLs[0]}`;
    const name = atom.resourceNames?.[0] ? ` ${atom.resourceNames[0]}` : "";
    return `${verb} ${groupQualified(atom.resources![0], atom.apiGroups![0])}${name}${scope}`;
  });
}

/** Needs from a --need-from file's text. */
export function needsFromText(text: string): Need[] {
  const texts: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`cannot parse the needs file: ${doc.errors[0].message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) texts.push(...value.map(String));
    else if (typeof value === "object") {
      const o = value as {
        kind?: string;
        needs?: unknown;
        rules?: PolicyRule[];
        metadata?: { namespace?: string };
      };
      if (Array.isArray(o.needs)) texts.push(...o.needs.map(String));
      else if (o.kind === "Role" || o.kind === "ClusterRole") {
        texts.push(
          ...needsFromRules(
            o.rules ?? [],
            o.kind === "Role" ? (o.metadata?.namespace ?? "default") : undefined,
          ),
        );
      } else
        throw new Error(
          "the needs file must hold a list of needs, `needs: [...]`, or Role/ClusterRole manifests",
        );
    } else texts.push(String(value));
  }
  return texts.map(parseNeed);
}
