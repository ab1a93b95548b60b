// NamespaceLifecycle: no new content in missing or terminating namespaces; system namespaces stay.
import { Status } from "../../meta/status.ts";
import { ApiStatusError } from "../http/errors.ts";
import type { AdmissionPlugin, AdmissionRequest } from "./types.ts";

const IMMORTAL = new Set(["default", "kube-system", "kube-public"]);

function checkCreate(req: AdmissionRequest): void {
  if (!req.def.namespaced || req.operation !== "CREATE") return;
  const ns = req.store.get("namespaces", "", req.namespace);
  if (!ns) throw new ApiStatusError(Status.notFound("namespaces", "", req.namespace));
  const phase = (ns.object().status as { phase?: string } | undefined)?.phase;
  if (phase === "Terminating") {
    const what = req.name ? `${req.def.resource} "${req.name}"` : req.def.resource;
    throw new ApiStatusError(
      Status.forbidden(
        `${what} is forbidden: unable to create new content in namespace ${req.namespace} because it is being terminated`,
        req.def.resource,
        req.def.group,
        req.name,
      ),
    );
  }
}

// Upstream's Lifecycle is a mutating plugin (Admit) listed first, so a missing or terminating namespace is
// reported before later plugins (ServiceAccount) look anything up in it; validate re-checks before storage.
export const namespaceLifecycle: AdmissionPlugin = {
  name: "NamespaceLifecycle",
  mutate: checkCreate,
  validate(req) {
    if (
      req.def.resource === "namespaces" &&
      req.def.group === "" &&
      req.operation === "DELETE" &&
      IMMORTAL.has(req.name)
    ) {
      throw new ApiStatusError(
        Status.forbidden(
          `namespaces "${req.name}" is forbidden: this namespace may not be deleted`,
          "namespaces",
          "",
          req.name,
        ),
      );
    }
    checkCreate(req);
  },
};
