// GET/LIST of metrics.k8s.io/v1beta1 pods and nodes, as metrics-server answers them (kubernetes-sigs/
// metrics-server pkg/api/{pod,node,filter,table}.go): the Pods or Nodes the store holds, narrowed by the
// label selector and the ObjectMeta field selector, each with its usage from the runtime; one without
// usage is left out of a list, and its get is a NotFound of podmetrics/nodemetrics (while a Pod or Node
// that does not exist is the lister's NotFound of pods/nodes). Lists are sorted by namespace and name.
import { Status } from "../../meta/status.ts";
import type { KubeObject } from "../../meta/types.ts";
import { ApiStatusError } from "../http/errors.ts";
import { contentTypeOf } from "../http/negotiate.ts";
import { sendJson, sendObject } from "../http/respond.ts";
import { METRICS_GROUP, nodeMetrics, podMetrics } from "../registry/kinds/metrics/usage.ts";
import { groupVersion } from "../registry/types.ts";
import type { Entry } from "../storage/index.ts";
import type { Call } from "./call.ts";
import { includeObjectParam, partialMetadata, table } from "./encode.ts";
import { representationFor } from "./read.ts";
import { parseSelection } from "./selectors.ts";
import { toYaml } from "./yaml.ts";

/** The lister's NotFound (a GroupResource of the core group). */
const notFound = (resource: string, name: string) => new ApiStatusError(Status.notFound(resource, "", name));

/** metrics-server's own NotFound: errors.NewNotFound(metrics.Resource("podmetrics"), "ns/name"). */
const noMetrics = (resource: string, name: string) =>
  new ApiStatusError(Status.notFound(resource, METRICS_GROUP, name));

/** The metrics of one Pod or Node entry, when the runtime has them. */
function metricsOf(call: Call, e: Entry, now: Date): KubeObject | undefined {
  const source = call.ctx.metrics;
  if (!source) return undefined;
  if (call.def.kind === "NodeMetrics") {
    const usage = source.node(e.name);
    return usage && nodeMetrics({ name: e.name, labels: e.labels }, usage, now);
  }
  const node = e.fields["spec.nodeName"] ?? "";
  if (!node) return undefined; // not scheduled: no kubelet reports it
  const usage = source.pod({ node, namespace: e.namespace, name: e.name, uid: e.uid });
  return usage && podMetrics({ namespace: e.namespace, name: e.name, labels: e.labels }, usage, now);
}

export function readMetrics(call: Call): void {
  const { ctx, def, info, query } = call;
  const pods = def.kind === "PodMetrics";
  const source = pods ? "pods" : "nodes";
  const namespace = pods ? info.namespace : "";
  const now = ctx.now();
  if (info.verb === "get") {
    const entry = ctx.store.get(source, namespace, info.name);
    if (!entry) throw notFound(source, info.name);
    const found = metricsOf(call, entry, now);
    if (!found)
      throw noMetrics(pods ? "podmetrics" : "nodemetrics", pods ? `${namespace}/${info.name}` : info.name);
    return send(call, found, "object");
  }
  const selection = parseSelection(def, query);
  const items: KubeObject[] = [];
  const listed = ctx.store.list(source, {
    namespace,
    // Stored Pods and Nodes carry their ObjectMeta fields (generic.AddObjectMetaFieldsSet).
    filter: (e) => selection.matches(e),
  });
  for (const e of listed.items) {
    const m = metricsOf(call, e, now);
    if (m) items.push(m);
  }
  send(call, { kind: def.listKind, apiVersion: groupVersion(def), metadata: {}, items }, "list");
}

function send(call: Call, obj: KubeObject, target: "object" | "list"): void {
  const { ctx, req, res, def, query } = call;
  const rep = representationFor(req, target);
  if (rep.kind === "yaml") return sendJson(res, 200, toYaml(obj), "application/yaml");
  if (rep.kind === "metadata") {
    const items = target === "list" ? (obj.items as KubeObject[]) : [obj];
    const out =
      target === "list"
        ? {
            kind: "PartialObjectMetadataList",
            apiVersion: `meta.k8s.io/${rep.version}`,
            metadata: {},
            items: items.map((i) => partialMetadata(i, rep.version)),
          }
        : partialMetadata(obj, rep.version);
    return sendObject(res, 200, out, contentTypeOf(rep));
  }
  if (rep.kind === "table") {
    const rows = target === "list" ? (obj.items as KubeObject[]) : [obj];
    const t = table(def, rows, undefined, {
      version: rep.version,
      include: includeObjectParam(query.get("includeObject")),
      now: ctx.now().getTime(),
    });
    // table.go adds the columns with the first row: an empty list has neither.
    if (rows.length === 0) Object.assign(t, { columnDefinitions: null, rows: null });
    return sendObject(res, 200, t, contentTypeOf(rep));
  }
  sendObject(res, 200, obj);
}
