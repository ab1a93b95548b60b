// Which REST collection a name means, and its URL. Accepts what kubectl accepts: "pods", "po", "v1/pods",
// "apps/v1/deployments", "deployments.apps", "deployments.v1.apps", "Deployment", or an explicit ref.
// Built-in names resolve offline; anything else (CRDs) through discovery, cached per client.
import { resolveResource } from "../rbac/resources.ts";
import type { Transport } from "./transport.ts";

export interface ResourceRef {
  /** "" for the core group. */
  group: string;
  version: string;
  /** Plural resource name as in the URL: "pods". */
  resource: string;
  namespaced: boolean;
  kind?: string;
}

/** What a reference string says; missing parts are filled by the built-in table or discovery. */
export interface ParsedRef {
  group?: string;
  version?: string;
  resource: string;
}

const VERSION = /^v\d+(?:(?:alpha|beta)\d+)?$/;

export function parseResourceRef(text: string): ParsedRef {
  const ref = text.trim();
  if (ref === "") throw new Error("empty resource name");
  const parts = ref.split("/");
  if (parts.length === 2) return { group: "", version: parts[0], resource: parts[1].toLowerCase() };
  if (parts.length === 3) return { group: parts[0], version: parts[1], resource: parts[2].toLowerCase() };
  if (parts.length > 3)
    throw new Error(
      `cannot parse resource "${text}": expected resource, version/resource or group/version/resource`,
    );
  const dot = ref.indexOf(".");
  if (dot < 0) return { resource: ref.toLowerCase() };
  const resource = ref.slice(0, dot).toLowerCase();
  const rest = ref.slice(dot + 1).toLowerCase();
  const [maybeVersion, ...groupParts] = rest.split(".");
  if (VERSION.test(maybeVersion) && groupParts.length > 0) {
    return { group: groupParts.join("."), version: maybeVersion, resource };
  }
  return { group: rest, resource };
}

export class UnknownResourceError extends Error {
  override name = "UnknownResourceError";
}

interface ApiResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  shortNames?: string[];
}
interface ApiResourceList {
  groupVersion: string;
  resources: ApiResource[];
}
interface ApiGroupList {
  groups: {
    name: string;
    versions: { groupVersion: string; version: string }[];
    preferredVersion?: { version: string };
  }[];
}

/** Legacy discovery (/api/v1, /apis, /apis/{g}/{v}), cached. Failed fetches are not cached. */
export class Discovery {
  readonly #transport: Transport;
  #groups: Promise<ApiGroupList> | undefined;
  readonly #lists = new Map<string, Promise<ApiResourceList | undefined>>();

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  async resolve(input: string | ParsedRef): Promise<ResourceRef> {
    const parsed = typeof input === "string" ? parseResourceRef(input) : input;
    const builtin = builtinRef(parsed);
    if (builtin) return builtin;
    const unavailable: string[] = [];
    if (parsed.group !== undefined && parsed.version !== undefined) {
      const found = await this.#find(parsed.group, parsed.version, parsed.resource);
      if (found) return found;
    } else if (parsed.group !== undefined) {
      for (const version of await this.#versionsOf(parsed.group)) {
        const found = await this.#find(parsed.group, version, parsed.resource);
        if (found) return found;
      }
    } else {
      const core = await this.#find("", "v1", parsed.resource);
      if (core) return core;
      const groups = (await this.#groupList()).groups.flatMap((group) => {
        const version = group.preferredVersion?.version ?? group.versions[0]?.version;
        return version ? [{ group: group.name, version }] : [];
      });
      // Every group at once, like kubectl; an unavailable aggregated API (metrics.k8s.io answering 503 is
      // common on real clusters) must not hide the resource another group serves.
      const results = await Promise.allSettled(
        groups.map(({ group, version }) => this.#find(group, version, parsed.resource)),
      );
      for (const [i, result] of results.entries()) {
        if (result.status === "fulfilled" && result.value) return result.value;
        if (result.status === "rejected")
          unavailable.push(`${groups[i].group}/${groups[i].version} (${(result.reason as Error).message})`);
      }
    }
    const shown = typeof input === "string" ? input : formatRef(parsed);
    const partial =
      unavailable.length > 0
        ? `; discovery failed for ${unavailable.join(", ")}, which may serve it: retry when they are available`
        : "";
    throw new UnknownResourceError(`the server doesn't have a resource type "${shown}"${partial}`);
  }

  /** Drops cached discovery (after a CRD was installed). */
  reset(): void {
    this.#groups = undefined;
    this.#lists.clear();
  }

  async #find(group: string, version: string, name: string): Promise<ResourceRef | undefined> {
    const list = await this.#resourceList(group, version);
    const lower = name.toLowerCase();
    const match = list?.resources.find(
      (r) =>
        !r.name.includes("/") &&
        (r.name === lower ||
          r.singularName === lower ||
          r.kind.toLowerCase() === lower ||
          (r.shortNames ?? []).includes(lower)),
    );
    return match && { group, version, resource: match.name, namespaced: match.namespaced, kind: match.kind };
  }

  async #versionsOf(group: string): Promise<string[]> {
    const entry = (await this.#groupList()).groups.find((g) => g.name === group);
    if (!entry) return [];
    const preferred = entry.preferredVersion?.version;
    const rest = entry.versions.map((v) => v.version).filter((v) => v !== preferred);
    return preferred ? [preferred, ...rest] : rest;
  }

  #groupList(): Promise<ApiGroupList> {
    this.#groups ??= this.#transport.requestJson<ApiGroupList>({ path: "/apis" }).catch((error) => {
      this.#groups = undefined;
      throw error;
    });
    return this.#groups;
  }

  #resourceList(group: string, version: string): Promise<ApiResourceList | undefined> {
    const key = `${group}/${version}`;
    let list = this.#lists.get(key);
    if (!list) {
      const path = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
      list = this.#transport.requestJson<ApiResourceList>({ path }).catch((error: unknown) => {
        this.#lists.delete(key);
        // A group/version the server does not serve is an answer, not a failure.
        if ((error as { code?: number }).code === 404) return undefined;
        throw error;
      });
      this.#lists.set(key, list);
    }
    return list;
  }
}

/** Built-in resources resolve without a request. An explicit version must match the table's. */
export function builtinRef(parsed: ParsedRef): ResourceRef | undefined {
  const query =
    parsed.group !== undefined && parsed.group !== ""
      ? `${parsed.resource}.${parsed.group}`
      : parsed.resource;
  const info = resolveResource(query);
  if (!info) return undefined;
  if (parsed.group !== undefined && info.group !== parsed.group) return undefined;
  if (parsed.version !== undefined && info.version !== parsed.version) return undefined;
  return {
    group: info.group,
    version: info.version,
    resource: info.plural,
    namespaced: info.namespaced,
    kind: info.kind,
  };
}

function formatRef(parsed: ParsedRef): string {
  if (parsed.version !== undefined)
    return [parsed.group, parsed.version, parsed.resource].filter(Boolean).join("/");
  return parsed.group ? `${parsed.resource}.${parsed.group}` : parsed.resource;
}

export interface PathOptions {
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** /api/v1/namespaces/ns/pods/name/status; the namespace segment only for namespaced resources. */
export function resourcePath(ref: ResourceRef, options: PathOptions = {}): string {
  const segments = [ref.group === "" ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`];
  if (ref.namespaced && options.namespace) segments.push("namespaces", encodeURIComponent(options.namespace));
  segments.push(ref.resource);
  if (options.name !== undefined) {
    if (options.name === "") throw new Error(`a ${ref.kind ?? ref.resource} name must not be empty`);
    segments.push(encodeURIComponent(options.name));
  }
  if (options.subresource) segments.push(options.subresource);
  return segments.join("/");
}

/** apiVersion as objects carry it: "v1", "apps/v1". */
export function apiVersionOf(ref: ResourceRef): string {
  return ref.group === "" ? ref.version : `${ref.group}/${ref.version}`;
}
