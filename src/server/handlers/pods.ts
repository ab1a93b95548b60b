import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { Status } from "../../meta/status.ts";
import type { Mutable, StoredObject } from "../../meta/types.ts";
import { checkNamespaceAcceptsContent } from "../admission/namespace-lifecycle.ts";
import type { ServerContext } from "../context.ts";
import { readObject } from "../http/body.ts";
import { ApiStatusError, fail } from "../http/errors.ts";
import { sendObject } from "../http/respond.ts";
import { rfc3339 } from "../registry/objects.ts";
import { forbidden, invalid } from "../registry/validation/field.ts";
import { validatePodBinding } from "../registry/validation/pod.ts";
import { isStorageError } from "../storage/index.ts";
import type { Call } from "./call.ts";
import { decodeParameters, POD_LOG_OPTIONS } from "./query-params.ts";

/** POST pods/NAME/binding, or POST bindings naming the Pod in metadata.name (LegacyBindingREST). */
export async function createBinding(call: Call): Promise<void> {
  const { ctx, req, res, user } = call;
  const binding = await readObject(req);
  const bodyName = binding.metadata?.name ?? "";
  // The bindings collection takes the name from the body (the namer's "name must be provided");
  // pods/binding from the URL, which a body name must match (BindingREST.Create).
  if (!call.info.subresource && !bodyName) throw fail.badRequest("name must be provided");
  if (call.info.subresource && bodyName && bodyName !== call.info.name)
    throw fail.badRequest("name in URL does not match name in Binding object");
  const info = { ...call.info, name: call.info.subresource ? call.info.name : bodyName };
  const target = (binding.target ?? {}) as { kind?: string; name?: string };
  const invalidBinding = validatePodBinding(binding);
  if (invalidBinding.length > 0)
    throw new ApiStatusError(Status.invalid("Binding", "", info.name, invalidBinding));
  checkNamespaceAcceptsContent(ctx.store, call.def, info.namespace, info.name);
  // setPodNodeAndMetadata: a storage-level GuaranteedUpdate, retried when the Pod changed meanwhile.
  for (;;) {
    const entry = ctx.store.getLatest("pods", info.namespace, info.name);
    if (!entry) throw fail.notFound("pods", "", info.name);
    const pod = entry.object() as Mutable<Pod> & StoredObject;
    // assignPod turns these plain errors into a Conflict on pods/binding.
    const refuse = (why: string) => new ApiStatusError(Status.conflict("pods/binding", "", info.name, why));
    if (pod.metadata.deletionTimestamp)
      throw refuse(`pod ${info.name} is being deleted, cannot be assigned to a host`);
    if (pod.spec?.nodeName)
      throw refuse(`pod ${info.name} is already assigned to node "${pod.spec.nodeName}"`);
    pod.spec = { ...pod.spec!, nodeName: target.name };
    const scheduled = { type: "PodScheduled", status: "True", lastTransitionTime: rfc3339(ctx.now()) };
    pod.status = {
      ...pod.status,
      conditions: [...(pod.status?.conditions ?? []).filter((c) => c.type !== "PodScheduled"), scheduled],
    };
    try {
      await ctx.store.update("pods", pod, { expectedRV: entry.rv });
      break;
    } catch (e) {
      if (!isStorageError(e, "Conflict")) throw e;
    }
  }
  ctx.log.debug({ pod: `${info.namespace}/${info.name}`, node: target.name, by: user.username }, "pod bound");
  sendObject(res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
}

export async function podLog(call: Call): Promise<void> {
  const { ctx, req, res, info, query } = call;
  // The options are decoded (getRequestOptions) and validated (LogREST.Get) before LogLocation reads the Pod.
  const options = logOptions(info.name, query);
  const entry = ctx.store.get("pods", info.namespace, info.name);
  if (!entry) throw fail.notFound("pods", "", info.name);
  const pod = entry.object() as Pod;
  const containers = pod.spec?.containers ?? [];
  let container = query.get("container") ?? undefined;
  if (!container) {
    if (containers.length !== 1) {
      throw fail.badRequest(
        `a container name must be specified for pod ${info.name}, choose one of: [${containers.map((c) => c.name).join(" ")}]`,
      );
    }
    container = containers[0].name;
  } else if (
    // podHasContainerWithName: any container of the Pod, ephemeral ones included.
    ![...containers, ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].some(
      (c) => c.name === container,
    )
  ) {
    throw fail.badRequest(`container ${container} is not valid for pod ${info.name}`);
  }
  // LogLocation: an unscheduled pod has no log location, and StreamObject answers a nil stream with 204.
  // ("does not have a host assigned" is exec/attach/port-forward's error, not logs'.)
  if (!pod.spec?.nodeName) return void res.writeHead(204).end();
  if (!ctx.podLogs)
    throw fail.badRequest(`no runtime serves node "${pod.spec.nodeName}": logs are unavailable`);

  const abort = new AbortController();
  req.on("close", () => abort.abort());
  const logs = await readLogs(ctx.podLogs, info.namespace, info.name, container, {
    ...options,
    sinceTime:
      options.sinceSeconds !== undefined
        ? new Date(ctx.now().getTime() - options.sinceSeconds * 1000)
        : options.sinceTime,
    signal: abort.signal,
  });
  res.writeHead(200, { "Content-Type": "text/plain", "Cache-Control": "no-cache, private" });
  if (typeof logs === "string") return void res.end(logs);
  res.flushHeaders();
  try {
    for await (const chunk of logs) {
      if (abort.signal.aborted) break;
      // A slow reader holds the runtime's reading too: one chunk in memory at a time.
      if (!res.write(chunk))
        await new Promise((resolve) => {
          res.once("drain", resolve);
          abort.signal.addEventListener("abort", resolve, { once: true });
        });
    }
  } finally {
    res.end();
  }
}

/** The query as PodLogOptions, validated like ValidatePodLogOptions (pkg/apis/core/validation). */
function logOptions(name: string, query: URLSearchParams) {
  decodeParameters(query, POD_LOG_OPTIONS);
  const integer = (key: string): number | undefined => {
    const text = query.get(key);
    return text === null ? undefined : Number(text);
  };
  const tailLines = integer("tailLines");
  const limitBytes = integer("limitBytes");
  const sinceSeconds = integer("sinceSeconds");
  const sinceText = query.get("sinceTime");
  let sinceTime: Date | undefined;
  if (sinceText && sinceText !== "null") sinceTime = new Date(sinceText);
  const causes = [];
  if (tailLines !== undefined && tailLines < 0)
    causes.push(invalid("tailLines", tailLines, "must be greater than or equal to 0"));
  if (limitBytes !== undefined && limitBytes < 1)
    causes.push(invalid("limitBytes", limitBytes, "must be greater than 0"));
  if (sinceSeconds !== undefined && sinceTime !== undefined)
    causes.push(forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"));
  else if (sinceSeconds !== undefined && sinceSeconds < 1)
    causes.push(invalid("sinceSeconds", sinceSeconds, "must be greater than 0"));
  if (causes.length > 0) throw new ApiStatusError(Status.invalid("PodLogOptions", "", name, causes));
  return {
    previous: query.get("previous") === "true",
    follow: query.get("follow") === "true",
    timestamps: query.get("timestamps") === "true",
    tailLines,
    limitBytes,
    sinceSeconds,
    sinceTime,
  };
}

/** The runtime reports kubelet-style failures (container not started, no previous instance) with a Status. */
async function readLogs(
  source: NonNullable<ServerContext["podLogs"]>,
  ...args: Parameters<NonNullable<ServerContext["podLogs"]>["read"]>
): ReturnType<NonNullable<ServerContext["podLogs"]>["read"]> {
  try {
    return await source.read(...args);
  } catch (e) {
    const status = (e as { status?: Status }).status;
    if (status && typeof status === "object" && status.kind === "Status") throw new ApiStatusError(status);
    throw e;
  }
}
