// The part of kube-apiserver's API Priority and Fairness config controller that is visible through the API
// (k8s.io/apiserver pkg/util/flowcontrol/apf_controller.go): each FlowSchema's Dangling condition says
// whether the PriorityLevelConfiguration it names exists (`kubectl get flowschemas` MISSINGPL). Requests
// are not classified or limited (docs/server.md).
import type { KubeObject } from "../../meta/types.ts";
import { asMap, asMaps, asString } from "../registry/json-access.ts";
import { rfc3339 } from "../registry/objects.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext, controller } from "./context.ts";

const FLOW_SCHEMAS = "flowschemas.flowcontrol.apiserver.k8s.io";
const PRIORITY_LEVELS = "prioritylevelconfigurations.flowcontrol.apiserver.k8s.io";

/** The Dangling condition apf_controller.go writes for a FlowSchema referencing `plName`. */
export function danglingCondition(plName: string, exists: boolean, now: Date) {
  return exists
    ? {
        type: "Dangling",
        status: "False",
        lastTransitionTime: rfc3339(now),
        reason: "Found",
        message: `This FlowSchema references the PriorityLevelConfiguration object named "${plName}" and it exists`,
      }
    : {
        type: "Dangling",
        status: "True",
        lastTransitionTime: rfc3339(now),
        reason: "NotFound",
        message: `This FlowSchema references the PriorityLevelConfiguration object named "${plName}" but there is no such object`,
      };
}

export function startFlowSchemaStatusController(c: ControllerContext): Controller {
  const def = c.registry.find("flowcontrol.apiserver.k8s.io", "v1", "flowschemas")!;
  const allSchemas = () => c.store.list(FLOW_SCHEMAS).items.map((e) => e.name);
  return controller(
    c,
    "flowschema-status",
    async (name) => {
      const entry = c.store.get(FLOW_SCHEMAS, "", name);
      if (!entry) return;
      const plName = asString(asMap(asMap(entry.object().spec).priorityLevelConfiguration).name);
      const exists = Boolean(c.store.get(PRIORITY_LEVELS, "", plName));
      const current = asMaps(asMap(entry.object().status).conditions).find((x) => x.type === "Dangling");
      if (current?.status === (exists ? "False" : "True")) return;
      const condition = danglingCondition(plName, exists, new Date());
      await c.objects.guaranteedUpdate(
        def,
        "",
        name,
        (latest: KubeObject) => {
          const others = asMaps(asMap(latest.status).conditions).filter((x) => x.type !== "Dangling");
          return { ...latest, status: { ...asMap(latest.status), conditions: [...others, condition] } };
        },
        { user: CONTROLLER_USER, subresource: "status" },
      );
    },
    [
      { resource: FLOW_SCHEMAS, key: (e) => e.name },
      { resource: PRIORITY_LEVELS, key: () => allSchemas() },
    ],
    allSchemas,
  );
}
