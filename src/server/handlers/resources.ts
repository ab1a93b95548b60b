// Resource requests after authn/authz: pick the handler by verb and subresource.
import type { IncomingMessage, ServerResponse } from "node:http";
import { failure, Status } from "../../meta/status.ts";
import type { UserInfo } from "../../meta/types.ts";
import { checkNotTerminating } from "../crd/resource-defs.ts";
import { decodeProtobuf, mediaType, readBody, readBodyBytes, readObject } from "../http/body.ts";
import { ApiStatusError, fail, statusOf } from "../http/errors.ts";
import { PROTOBUF_MEDIA_TYPE } from "../http/protobuf/index.ts";
import type { ResourceRequestInfo } from "../http/request-info.ts";
import { sendObject } from "../http/respond.ts";
import { METRICS_GROUP } from "../registry/kinds/metrics/usage.ts";
import { managerFor } from "../registry/managed-fields.ts";
import { checkPatchBody, patchTypeOf } from "../registry/patch.ts";
import { groupVersion, storageKey } from "../registry/types.ts";
import { podAttach, podExec } from "../streaming/pod-exec.ts";
import { podPortForward } from "../streaming/portforward-handler.ts";
import type { Call, ResourceHandlerContext } from "./call.ts";
import { readComponentStatuses } from "./componentstatuses.ts";
import { objectOf } from "./encode.ts";
import { createEviction } from "./eviction.ts";
import { readMetrics } from "./metrics.ts";
import {
  createOptions,
  decodeOptions,
  deleteOptions,
  patchOptions,
  updateOptions,
  validateListOptions,
} from "./options.ts";
import { createBinding, podLog } from "./pods.ts";
import { decodeParameters, LIST_OPTIONS } from "./query-params.ts";
import { getObject, listObjects, sendEntry } from "./read.ts";
import { createReview } from "./reviews.ts";
import { handleScale } from "./scale.ts";
import { parseSelection } from "./selectors.ts";
import { createToken } from "./token.ts";
import { watchObjects } from "./watch.ts";

// Core kinds whose DELETE returns the object (ReturnDeletedObject in their pkg/registry/core/*/storage);
// the others answer finalizeDelete's Success Status.

/** The field manager of a write: the fieldManager parameter, else the User-Agent's product token. */
function managerOf(call: Call): string {
  return managerFor(call.query.get("fieldManager"), call.req.headers["user-agent"]);
}

/** fieldValidation (upstream's default: Warn) and where strict decoding warnings go: Warning headers. */

function notFoundPath(): ApiStatusError {
  return new ApiStatusError(Status.notFoundPath());
}

/**
 * go-restful's answer for a method the path has no route for (POST to an item, PUT or PATCH to a
 * collection): the generic 405 of apiserver pkg/server/handler.go serviceErrorHandler.
 */
function noRoute(): ApiStatusError {
  return new ApiStatusError(
    failure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {}),
  );
}

export async function handleResource(
  ctx: ResourceHandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  info: ResourceRequestInfo,
  query: URLSearchParams,
  user: UserInfo,
): Promise<void> {
  const def = ctx.registry.find(info.apiGroup, info.apiVersion, info.resource);
  if (!def) throw notFoundPath();
  if (!def.namespaced && info.namespace && info.resource !== "namespaces") throw notFoundPath();
  if (info.parts.length > 3) throw notFoundPath();
  const call: Call = { ctx, req, res, def, info, query, user };

  if (info.subresource) return handleSubresource(call);
  if (!def.verbs.includes(info.verb)) {
    throw new ApiStatusError(Status.methodNotSupported(def.resource, def.group, info.verb));
  }
  if (def.virtual) {
    if (def.kind === "Binding") return createBinding(call);
    if (def.kind === "ComponentStatus") return readComponentStatuses(call);
    if (def.group === METRICS_GROUP) return readMetrics(call);
    return createReview(call);
  }

  const namespace = def.namespaced ? info.namespace : "";
  switch (info.verb) {
    case "get":
      return getObject(call);
    case "list":
      return listObjects(call);
    case "watch":
      return watchObjects(call);
    case "create": {
      if (info.name) throw noRoute();
      if (def.namespaced && !namespace) throw notFoundPath();
      checkNotTerminating(def);
      const options = createOptions(query);
      const entry = await ctx.objects.create(def, await readObject(req), namespace, {
        user,
        dryRun: options.dryRun,
        manager: managerOf(call),
        ...decodeOptions(call),
      });
      return sendEntry(call, 201, entry);
    }
    case "update": {
      if (!info.name) throw noRoute();
      const options = updateOptions(query);
      const entry = await ctx.objects.update(def, await readObject(req), namespace, info.name, {
        user,
        dryRun: options.dryRun,
        manager: managerOf(call),
        ...decodeOptions(call),
      });
      return sendEntry(call, 200, entry);
    }
    case "patch":
      if (!info.name) throw noRoute();
      return patch(call, "");
    case "delete":
      return remove(call);
    case "deletecollection":
      return removeCollection(call);
    default:
      throw new ApiStatusError(Status.methodNotSupported(def.resource, def.group, info.verb));
  }
}

async function handleSubresource(call: Call): Promise<void> {
  const { ctx, req, def, info, query, user } = call;
  const sub = def.subresources?.find((s) => s.name === info.subresource);
  if (!sub) throw notFoundPath();
  if (!sub.verbs.includes(info.verb)) {
    throw new ApiStatusError(Status.methodNotSupported(`${def.resource}/${sub.name}`, def.group, info.verb));
  }
  const key = `${def.group}/${def.resource}/${sub.name}`;
  if (key === "/serviceaccounts/token") return createToken(call);
  if (key === "/pods/binding") return createBinding(call);
  if (key === "/pods/log") return podLog(call);
  if (key === "/pods/portforward") return podPortForward(call);
  if (key === "/pods/exec") return podExec(call);
  if (key === "/pods/attach") return podAttach(call);
  if (key === "/pods/eviction") return createEviction(call);
  if (sub.name === "scale") return handleScale(call);
  if (UPDATED_THROUGH.has(sub.name)) {
    if (info.verb === "get") return getObject(call);
    if (info.verb === "patch") return patch(call, sub.name === "finalize" ? "status" : sub.name);
    const options = updateOptions(query);
    const entry = await ctx.objects.update(def, await readObject(req), info.namespace, info.name, {
      user,
      dryRun: options.dryRun,
      subresource: sub.name === "finalize" ? "" : sub.name,
      manager: managerOf(call),
      ...managedAs(sub.name),
      ...decodeOptions(call),
    });
    return sendEntry(call, 200, entry);
  }
  throw notFoundPath();
}

/** Subresources that read and write the object itself (get, update, patch), each with its strategy. */
const UPDATED_THROUGH = new Set(["status", "finalize", "approval", "ephemeralcontainers"]);

/** Managed-fields entries name the subresource a write came through (status-like ones name themselves). */
const managedAs = (subresource: string) =>
  subresource === "ephemeralcontainers" ? { managerSubresource: subresource } : {};

async function patch(call: Call, subresource: string): Promise<void> {
  const { ctx, req, def, info, query, user } = call;
  const type = patchTypeOf(mediaType(req), def.group);
  const body = await readBody(req);
  const options = patchOptions(query, type);
  checkPatchBody(body, type);
  const { entry, created } = await ctx.objects.patch(
    def,
    def.namespaced ? info.namespace : "",
    info.name,
    body,
    type,
    {
      user,
      dryRun: options.dryRun,
      subresource,
      force: options.force,
      manager: managerOf(call),
      ...managedAs(subresource),
      ...decodeOptions(call),
    },
  );
  sendEntry(call, created ? 201 : 200, entry);
}

async function readDeleteBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  if (mediaType(req) === PROTOBUF_MEDIA_TYPE) {
    const bytes = await readBodyBytes(req);
    return bytes.length ? (decodeProtobuf(bytes) as Record<string, unknown>) : undefined;
  }
  const text = await readBody(req);
  if (!text.trim()) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw fail.badRequest("the request body is not valid DeleteOptions JSON");
  }
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw fail.badRequest("the request body is not valid DeleteOptions JSON");
  return body as Record<string, unknown>;
}

async function remove(call: Call): Promise<void> {
  const { ctx, req, res, def, info, query, user } = call;
  const opts = deleteOptions(await readDeleteBody(req), query);
  const { entry, finished } = await ctx.objects.delete(def, info.namespace, info.name, {
    user,
    dryRun: opts.dryRun,
    gracePeriodSeconds: opts.gracePeriodSeconds,
    preconditions: opts.preconditions,
    propagationPolicy: opts.propagationPolicy,
  });
  if (def.returnsDeletedObject) {
    // handlers/delete.go: 202 only for a deferred delete that set orphanDependents=false; a graceful pod
    // delete or a namespace going Terminating is 200, as clients (kubectl delete) see from kube-apiserver.
    const accepted = !finished && opts.orphanDependents === false;
    return sendEntry(call, accepted ? 202 : 200, entry);
  }
  const uid = objectOf(entry).metadata?.uid;
  sendObject(res, 200, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: { name: info.name, ...(def.group ? { group: def.group } : {}), kind: def.resource, uid },
  });
}

async function removeCollection(call: Call): Promise<void> {
  const { ctx, req, res, def, info, query, user } = call;
  // delete.go DeleteCollection: the ListOptions are decoded and validated before the body is read.
  decodeParameters(query, LIST_OPTIONS);
  validateListOptions(query, false);
  const opts = deleteOptions(await readDeleteBody(req), query);
  const selection = parseSelection(def, query);
  const listed = ctx.store.list(storageKey(def), {
    namespace: def.namespaced && info.namespace ? info.namespace : undefined,
    filter: selection.narrowing ? selection.matches : undefined,
  });
  const deleted = [];
  for (const e of listed.items) {
    try {
      const { entry } = await ctx.objects.delete(def, e.namespace, e.name, {
        user,
        dryRun: opts.dryRun,
        gracePeriodSeconds: opts.gracePeriodSeconds,
        propagationPolicy: opts.propagationPolicy,
      });
      deleted.push(objectOf(entry));
    } catch (err) {
      if (statusOf(err)?.code !== 404) throw err; // deleted meanwhile
    }
  }
  sendObject(res, 200, {
    kind: def.listKind,
    apiVersion: groupVersion(def),
    metadata: { resourceVersion: String(ctx.store.currentRV()) },
    items: deleted,
  });
}

export type { ResourceHandlerContext } from "./call.ts";
