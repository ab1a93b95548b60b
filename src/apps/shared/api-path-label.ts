// Request paths hold namespaces and object names; a Prometheus label must not (unbounded cardinality).
// This reduces a path to what it addresses: "pods", "pods/log", "endpointslices.discovery.k8s.io",
// "discovery" for group/version documents, or the first segment of a non-resource URL.

export function apiResourceLabel(path: string): string {
  const segments = path.split("?", 1)[0].split("/").filter(Boolean);
  let rest: string[];
  let group = "";
  if (segments[0] === "api") {
    rest = segments.slice(2);
  } else if (segments[0] === "apis") {
    group = segments[1] ?? "";
    rest = segments.slice(3);
  } else {
    return `/${segments[0] ?? ""}`;
  }
  if (rest.length === 0) return "discovery";
  // namespaces/<ns>/<resource>/… addresses a namespaced resource; namespaces or namespaces/<ns> the namespace.
  if (rest[0] === "namespaces" && rest.length > 2) rest = rest.slice(2);
  const [resource, , subresource] = rest;
  const qualified = group ? `${resource}.${group}` : resource;
  return subresource ? `${qualified}/${subresource}` : qualified;
}
