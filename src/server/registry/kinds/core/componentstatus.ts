// core/v1 ComponentStatus (deprecated since 1.19): a read-only get/list of the control plane's health,
// computed per request rather than stored (kubernetes pkg/registry/core/componentstatus/rest.go) and
// answered by handlers/componentstatuses.ts. Table columns: printComponentStatus (pkg/printers/
// internalversion/printers.go).
import type { KubeObject } from "../../../../meta/types.ts";
import { asMaps, asString } from "../../json-access.ts";
import { column, NAME_COLUMN } from "../../printers/columns.ts";
import { nameOf } from "../../printers/format.ts";
import type { ResourceDef } from "../../types.ts";

/** The deprecation warning kube-apiserver attaches to every ComponentStatus response (deprecation.IsDeprecated). */
export const COMPONENT_STATUS_WARNING = "v1 ComponentStatus is deprecated in v1.19+";

/** The components kube-apiserver checks (scheduler, controller-manager, one etcd-N per storage server). Here
 * the in-process controllers stand for the controller manager and the local store for etcd-0; the local
 * runtime's scheduler binds Pods. All answer "ok" as long as this server answers at all. */
const COMPONENTS = ["scheduler", "controller-manager", "etcd-0"];

export function componentStatus(name: string): KubeObject {
  return {
    kind: "ComponentStatus",
    apiVersion: "v1",
    metadata: { name },
    conditions: [{ type: "Healthy", status: "True", message: "ok" }],
  };
}

export function componentStatuses(): KubeObject[] {
  return COMPONENTS.map(componentStatus);
}

export const isComponent = (name: string) => COMPONENTS.includes(name);

export const componentStatusDef: ResourceDef = {
  group: "",
  version: "v1",
  resource: "componentstatuses",
  singular: "componentstatus",
  kind: "ComponentStatus",
  listKind: "ComponentStatusList",
  namespaced: false,
  shortNames: ["cs"],
  verbs: ["get", "list"],
  virtual: true,
  printer: {
    columns: [
      NAME_COLUMN,
      column("Status", "string", "Status of the component conditions"),
      column("Message", "string", "Message of the component conditions"),
      column("Error", "string", "Error of the component conditions"),
    ],
    cells: (obj) => {
      const healthy = asMaps(obj.conditions).find((c) => c.type === "Healthy");
      if (!healthy) return [nameOf(obj), "Unknown", "", ""];
      const status = healthy.status === "True" ? "Healthy" : "Unhealthy";
      return [nameOf(obj), status, asString(healthy.message), asString(healthy.error)];
    },
  },
};
