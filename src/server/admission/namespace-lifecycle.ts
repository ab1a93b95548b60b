// NamespaceLifecycle: no new content in missing or terminating namespaces; system namespaces stay.
import { goQuote, qualifiedResource, Status } from "../../meta/status.ts";
import { ApiStatusError } from "../http/errors.ts";
import type { ResourceDef } from "../registry/types.ts";
import type { Store } from "../storage/index.ts";
import type { AdmissionPlugin, AdmissionRequest } from "./types.ts";

const IMMORTAL = new Set(["default", "kube-system", "kube-public"]);

function checkCreate(req: AdmissionRequest): void {
  if (!req.def.namespaced || req.operation !== "CREATE") return;
  checkNamespaceAcceptsContent(req.store, req.def, req.namespace, req.name);
}

/**
 * Lifecycle.Admit for a CREATE (subresources included: a TokenRequest or a Binding is content too):
 * the namespace must exist and not be terminating. The 403 names the resource (without subresource),
 * with the NamespaceTerminating cause clients look for.
 */
export function checkNamespaceAcceptsContent(
  store: Store,
  def: Pick<ResourceDef, "resource" | "group">,
  namespace: string,
  name: string,
): void {
  const ns = store.get("namespaces", "", namespace);
  if (!ns) throw new ApiStatusError(Status.notFound("namespaces", "", namespace));
  const phase = (ns.object().status as { phase?: string } | undefined)?.phase;
  if (phase !== "Terminating") return;
  const what = qualifiedResource(def.resource, def.group);
  const status = Status.forbidden(
    `${name ? `${what} ${goQuote(name)}` : what} is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
    def.resource,
    def.group,
    name,
  );
  status.details = {
    ...status.details,
    causes: [
      {
        reason: "NamespaceTerminating",
        message: `namespace ${namespace} is being terminated`,
        field: "metadata.namespace",
      },
    ],
  };
  throw new ApiStatusError(status);
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
