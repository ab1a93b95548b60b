// Allow specs: the "<verbs> <resource>" syntax of `incluster rbac generate` and the rules they become.
import type { PolicyRule } from "../meta/types.ts";
import { resolveResource } from "./resources.ts";

/**
 * One permission to grant. Resource form: verbs on `resource` (plural) in `apiGroup` ("" = core),
 * optionally a `subresource` and specific object `names`. Non-resource form: `resource: ""` and `nonResourceURL`.
 */
export interface AllowSpec {
  verbs: string[];
  resource: string;
  apiGroup?: string;
  subresource?: string;
  names?: string[];
  nonResourceURL?: string;
}

const VERB_ORDER = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
// These requests never carry an object name, so a rule restricted by resourceNames can never match them.
const NAMELESS_VERBS = new Set(["list", "watch", "deletecollection"]);
export const NON_RESOURCE_VERBS = new Set(["get", "post", "put", "patch", "delete", "head", "options", "*"]);
const ALLOW_SYNTAX = '"<verbs> <resource>[.<group>][/<subresource>][:<name>[,<name>…]]" or "<verbs> /<path>"';

function canonicalVerbs(verbs: Iterable<string>): string[] {
  const rank = (v: string) => (VERB_ORDER.includes(v) ? VERB_ORDER.indexOf(v) : VERB_ORDER.length);
  return [...new Set(verbs)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** A `create` on a subresource (pods/exec, serviceaccounts/token) names its object in the URL; a plain create does not. */
const nameable = (verb: string, subresource?: string) =>
  !NAMELESS_VERBS.has(verb) && (verb !== "create" || Boolean(subresource));

/**
 * Parses "get,list,watch pods", "get deployments.apps", "create pods/exec", "get configmaps:app-config",
 * "update deploy/scale:web,api" or "get /healthz". Short names and kinds resolve through the resource table;
 * unknown names are taken as `<plural>[.<group>]` (custom resources).
 */
export function parseAllow(s: string): AllowSpec {
  const fail = (why: string): never => {
    throw new Error(`invalid allow spec ${JSON.stringify(s)}: ${why}; expected ${ALLOW_SYNTAX}`);
  };
  const parts = s.trim().split(/\s+/);
  if (parts.length !== 2) fail("need a verb list and one target separated by a space");
  const [verbText, target] = parts;
  const verbs = canonicalVerbs(verbText.split(",").filter(Boolean));
  if (verbs.length === 0) fail("no verbs");
  if (target.startsWith("/")) {
    const bad = verbs.filter((v) => !NON_RESOURCE_VERBS.has(v));
    if (bad.length > 0)
      fail(
        `non-resource URLs take HTTP verbs (${[...NON_RESOURCE_VERBS].join(", ")}), not ${bad.join(", ")}`,
      );
    return { verbs, resource: "", nonResourceURL: target };
  }
  const colon = target.indexOf(":");
  const resourcePart = colon < 0 ? target : target.slice(0, colon);
  const names =
    colon < 0
      ? []
      : target
          .slice(colon + 1)
          .split(",")
          .filter(Boolean);
  if (colon >= 0 && names.length === 0) fail("no object names after ':'");
  const slash = resourcePart.indexOf("/");
  const base = slash < 0 ? resourcePart : resourcePart.slice(0, slash);
  const subresource = slash < 0 ? undefined : resourcePart.slice(slash + 1);
  if (!base || subresource === "") fail("empty resource or subresource");
  const known = resolveResource(base);
  const dot = base.indexOf(".");
  const spec: AllowSpec = {
    verbs,
    resource: known?.plural ?? (dot < 0 ? base : base.slice(0, dot)),
    apiGroup: known?.group ?? (dot < 0 ? "" : base.slice(dot + 1)),
  };
  if (subresource) spec.subresource = subresource;
  if (names.length > 0) spec.names = names;
  return spec;
}

/** Rules for one spec; names are applied only where they can match, the other verbs get an unnamed rule. */
export function allowRules(spec: AllowSpec, notes: string[]): PolicyRule[] {
  const verbs = canonicalVerbs(spec.verbs);
  if (spec.nonResourceURL !== undefined) return [{ nonResourceURLs: [spec.nonResourceURL], verbs }];
  const resource = spec.subresource ? `${spec.resource}/${spec.subresource}` : spec.resource;
  // Key order as people write rules: apiGroups, resources, resourceNames, verbs.
  const rule = (ruleVerbs: string[], resourceNames?: string[]): PolicyRule => ({
    apiGroups: [spec.apiGroup ?? ""],
    resources: [resource],
    ...(resourceNames ? { resourceNames: [...resourceNames] } : {}),
    verbs: ruleVerbs,
  });
  const names = spec.names ?? [];
  if (names.length === 0) return [rule(verbs)];
  const named = verbs.filter((v) => nameable(v, spec.subresource));
  const unnamed = verbs.filter((v) => !nameable(v, spec.subresource));
  if (unnamed.length > 0) {
    notes.push(
      `${unnamed.join(", ")} on ${resource} cannot be limited to ${names.join(", ")} (those requests carry no object name), so that part of the grant covers all ${resource}.`,
    );
  }
  const rules: PolicyRule[] = [];
  if (named.length > 0) rules.push(rule(named, names));
  if (unnamed.length > 0) rules.push(rule(unnamed));
  return rules;
}
