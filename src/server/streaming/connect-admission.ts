// Admission of pods/exec, pods/attach and pods/portforward as apiserver pkg/endpoints/handlers/rest.go
// ConnectResource runs it: a dry run is refused first; once the connect options are decoded, the admission
// plugins that handle CONNECT (webhooks and validating admission policies) see them as the object
// (v1 PodExecOptions, PodAttachOptions, PodPortForwardOptions; no old object, no operation options), mutating
// ones first; a refusal answers as on any write, before anything connects or upgrades.
import type { KubeObject } from "../../meta/types.ts";
import type { Call } from "../handlers/call.ts";
import { fail } from "../http/errors.ts";

/** ConnectResource's isDryRun check. */
export function rejectConnectDryRun(query: URLSearchParams): void {
  if (query.getAll("dryRun").length > 0) throw fail.badRequest("dryRun is not supported");
}

/** The options as the admission plugins left them (a mutating webhook may patch them). */
export function admitConnect(call: Call, options: KubeObject): Promise<KubeObject> {
  const { ctx, def, info, user } = call;
  return ctx.objects.admitConnect(def, info.subresource, info.namespace, info.name, options, user);
}
