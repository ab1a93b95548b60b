// Accept header → which representation to send. Clients list preferences in order; the first one
// we can produce wins, as in apimachinery's negotiation.
export type Representation =
  | { kind: "json" }
  | { kind: "yaml" }
  | { kind: "table"; version: "v1" | "v1beta1" }
  | { kind: "metadata"; version: "v1" | "v1beta1"; list: boolean }
  | { kind: "discovery"; version: "v2" | "v2beta1" };

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return header.split(",").map((part) => {
    const [type, ...params] = part.split(";").map((s) => s.trim());
    const out: Record<string, string> = {};
    for (const p of params) {
      const eq = p.indexOf("=");
      if (eq > 0) out[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
    }
    return { type: type.toLowerCase(), params: out };
  });
}

function isJson(type: string): boolean {
  return type === "application/json" || type === "*/*" || type === "application/*";
}

/**
 * Picks a representation. `target` says what the endpoint can render: a single object, a list,
 * or a discovery document. Returns undefined when nothing acceptable can be produced (406).
 */
export function negotiate(
  header: string | undefined,
  target: "object" | "list" | "discovery",
): Representation | undefined {
  // Clients send a handful of distinct Accept headers: parse each once (bounded, for hostile ones).
  const key = `${target}\u0000${header ?? ""}`;
  if (decided.has(key)) return decided.get(key);
  const rep = decide(header, target);
  if (decided.size >= DECIDED_LIMIT) decided.clear();
  decided.set(key, rep);
  return rep;
}

const DECIDED_LIMIT = 256;
const decided = new Map<string, Representation | undefined>();

function decide(
  header: string | undefined,
  target: "object" | "list" | "discovery",
): Representation | undefined {
  const ranges = parseAccept(header);
  if (ranges.length === 0) return { kind: "json" };
  for (const r of ranges) {
    const as = r.params.as;
    if (!as) {
      if (isJson(r.type)) return { kind: "json" };
      if (r.type === "application/yaml") return { kind: "yaml" };
      continue;
    }
    if (r.type !== "application/json") continue;
    const version = r.params.v;
    if (as === "Table" && r.params.g === "meta.k8s.io" && (version === "v1" || version === "v1beta1")) {
      if (target !== "discovery") return { kind: "table", version };
    }
    if (
      (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") &&
      r.params.g === "meta.k8s.io" &&
      (version === "v1" || version === "v1beta1")
    ) {
      const wantsList = as === "PartialObjectMetadataList";
      if (target !== "discovery" && wantsList === (target === "list"))
        return { kind: "metadata", version, list: wantsList };
    }
    if (
      as === "APIGroupDiscoveryList" &&
      r.params.g === "apidiscovery.k8s.io" &&
      (version === "v2" || version === "v2beta1") &&
      target === "discovery"
    ) {
      return { kind: "discovery", version };
    }
  }
  return undefined;
}

export function contentTypeOf(rep: Representation): string {
  switch (rep.kind) {
    case "json":
      return "application/json";
    case "yaml":
      return "application/yaml";
    case "table":
      return `application/json;as=Table;v=${rep.version};g=meta.k8s.io`;
    case "metadata":
      return `application/json;as=${rep.list ? "PartialObjectMetadataList" : "PartialObjectMetadata"};v=${rep.version};g=meta.k8s.io`;
    case "discovery":
      return `application/json;g=apidiscovery.k8s.io;v=${rep.version};as=APIGroupDiscoveryList`;
  }
}
