// GET/LIST of componentstatuses: computed per request, never stored (kubernetes pkg/registry/core/
// componentstatus/rest.go). An unknown name is a plain error there, so a 500 "Component not found: x".
import { failure } from "../../meta/status.ts";
import type { KubeObject } from "../../meta/types.ts";
import { ApiStatusError } from "../http/errors.ts";
import { contentTypeOf } from "../http/negotiate.ts";
import { sendJson, sendObject } from "../http/respond.ts";
import {
  COMPONENT_STATUS_WARNING,
  componentStatus,
  componentStatuses,
  isComponent,
} from "../registry/kinds/core/componentstatus.ts";
import type { Entry } from "../storage/index.ts";
import type { Call } from "./call.ts";
import { includeObjectParam, table } from "./encode.ts";
import { representationFor, sendEntry } from "./read.ts";
import { parseSelection } from "./selectors.ts";
import { toYaml } from "./yaml.ts";

export function readComponentStatuses(call: Call): void {
  const { ctx, req, res, def, info, query } = call;
  res.appendHeader("Warning", `299 - ${JSON.stringify(COMPONENT_STATUS_WARNING)}`);
  if (info.verb === "get") {
    if (!isComponent(info.name)) {
      const status = failure(500, "", `Component not found: ${info.name}`);
      delete status.reason; // StatusReasonUnknown is "" and omitted
      throw new ApiStatusError(status);
    }
    return sendEntry(call, 200, componentStatus(info.name));
  }
  const rep = representationFor(req, "list");
  const selection = parseSelection(def, query);
  const items = componentStatuses().filter((cs) =>
    selection.matches({
      labels: {},
      fields: { "metadata.name": cs.metadata?.name ?? "" },
    } as unknown as Entry),
  );
  if (rep.kind === "table") {
    const t = table(def, items, undefined, {
      version: rep.version,
      include: includeObjectParam(query.get("includeObject")),
      now: ctx.now().getTime(),
    });
    return sendObject(res, 200, t, contentTypeOf(rep));
  }
  const list: KubeObject = { kind: "ComponentStatusList", apiVersion: "v1", metadata: {}, items };
  if (rep.kind === "yaml") return sendJson(res, 200, toYaml(list), "application/yaml");
  sendObject(res, 200, list);
}
