// GET of one object and LIST with selectors, pagination and resourceVersion semantics.
import type { IncomingMessage } from "node:http";
import { Status } from "../../meta/status.ts";
import type { ServerContext } from "../context.ts";
import { ApiStatusError, fail, tooLargeResourceVersion } from "../http/errors.ts";
import { contentTypeOf, negotiate, type Representation } from "../http/negotiate.ts";
import { sendJson, sendObject } from "../http/respond.ts";
import { servedJson, servedObject } from "../registry/served-versions.ts";
import { storageKey } from "../registry/types.ts";
import { decodeContinue, encodeContinue, INCONSISTENT_CONTINUE_MESSAGE } from "../storage/index.ts";
import type { Call } from "./call.ts";
import {
  includeObjectParam,
  isEntry,
  itemsSize,
  type ListMeta,
  listJson,
  listJsonBuffer,
  metadataListJson,
  objectOf,
  partialMetadata,
  partialMetadataJson,
  STREAMED_LIST_BYTES,
  streamListJson,
  table,
  type Written,
} from "./encode.ts";
import { queryInt, validateListOptions } from "./options.ts";
import { decodeParameters, LIST_OPTIONS } from "./query-params.ts";
import { parseSelection } from "./selectors.ts";
import { toYaml } from "./yaml.ts";

export function representationFor(req: IncomingMessage, target: "object" | "list"): Representation {
  const rep = negotiate(req.headers.accept, target);
  if (!rep) {
    throw new ApiStatusError(
      Status.notAcceptable(
        `only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
      ),
    );
  }
  return rep;
}

/** Writes one object in the negotiated representation. */
export function sendEntry(call: Call, code: number, entry: Written): void {
  const { ctx, req, res, def, query } = call;
  const rep = representationFor(req, "object");
  if (rep.kind === "json")
    return isEntry(entry)
      ? sendJson(res, code, servedJson(def, entry.json))
      : sendObject(res, code, servedObject(def, entry));
  if (rep.kind === "metadata" && isEntry(entry))
    return sendJson(res, code, partialMetadataJson(entry, rep.version), contentTypeOf(rep));
  const obj = servedObject(def, objectOf(entry));
  if (rep.kind === "yaml") return sendJson(res, code, toYaml(obj), "application/yaml");
  if (rep.kind === "metadata")
    return sendObject(res, code, partialMetadata(obj, rep.version), contentTypeOf(rep));
  if (rep.kind === "table") {
    const t = table(def, [obj], undefined, {
      version: rep.version,
      include: includeObjectParam(query.get("includeObject")),
      now: ctx.now().getTime(),
    });
    return sendObject(res, code, t, contentTypeOf(rep));
  }
  sendObject(res, code, obj);
}

/** GET of one object; a resourceVersion other than 0 must be reached first (served "not older than"). */
export async function getObject(call: Call): Promise<void> {
  const { ctx, def, info, query } = call;
  const rv = query.get("resourceVersion") ?? "";
  if (rv !== "" && rv !== "0") await waitUntilFresh(ctx, parseResourceVersion(rv));
  const entry = ctx.store.get(storageKey(def), def.namespaced ? info.namespace : "", info.name);
  if (!entry) throw fail.notFound(def.resource, def.group, info.name);
  sendEntry(call, 200, entry);
}

export function parseResourceVersion(value: string): number {
  if (!/^\d+$/.test(value))
    throw fail.badRequest(`resourceVersion: Invalid value: "${value}": invalid resource version`);
  return Number(value);
}

/** The watch cache's wait for a version it has not seen yet (cacher waitUntilFreshAndBlock). */
const FRESHNESS_WAIT_MS = 3000;

async function waitUntilFresh(ctx: ServerContext, rv: number): Promise<void> {
  if (await ctx.store.waitUntilFresh(rv, FRESHNESS_WAIT_MS)) return;
  throw new ApiStatusError(tooLargeResourceVersion(rv, ctx.store.currentRV()));
}

/** Which state a list reads and whether its limit applies (apiserver storage/cacher/delegator). */
interface ListRead {
  /** Serve this past version exactly (older states come from history); undefined: the newest. */
  atRV?: number;
  /** resourceVersion=0 ignores limit (cacher computeListLimit): one full page, no continue. */
  paginate: boolean;
}

/**
 * resourceVersion semantics of a list (apiserver storage/cacher delegator and cacher.go): unset is a
 * consistent read of the newest state; "0" is any state (the cache: full list, limit ignored); N with
 * resourceVersionMatch=NotOlderThan, or without a match and without a limit, waits until N is reached
 * and serves the newest state; N with Exact, or without a match but with a limit (the legacy exact
 * match), serves exactly N.
 */
async function listRead(
  ctx: ServerContext,
  query: URLSearchParams,
  limit: number | undefined,
): Promise<ListRead> {
  const rv = query.get("resourceVersion") ?? "";
  const match = query.get("resourceVersionMatch") ?? "";
  if (rv === "") return { paginate: true };
  if (rv === "0") return { paginate: false };
  const wanted = parseResourceVersion(rv);
  if (match === "Exact" || (match === "" && limit !== undefined)) {
    const current = ctx.store.currentRV();
    if (wanted > current) throw new ApiStatusError(tooLargeResourceVersion(wanted, current));
    if (wanted < ctx.store.oldestRV()) {
      throw new ApiStatusError(
        Status.expired(`too old resource version: ${wanted} (${ctx.store.oldestRV()})`),
      );
    }
    return { atRV: wanted, paginate: true };
  }
  await waitUntilFresh(ctx, wanted);
  return { paginate: true };
}

export async function listObjects(call: Call): Promise<void> {
  const { ctx, req, res, def, info, query } = call;
  const rep = representationFor(req, "list");
  decodeParameters(query, LIST_OPTIONS);
  validateListOptions(query, false);
  const selection = parseSelection(def, query, info.name);
  const limitValue = queryInt(query, "limit") ?? 0;
  let limit = limitValue > 0 ? limitValue : undefined;
  const continueToken = query.get("continue");

  let startAfter: string | undefined;
  let atRV: number | undefined;
  if (continueToken) {
    if (query.get("resourceVersion"))
      throw fail.badRequest("specifying resource version is not allowed when using continue");
    let decoded: { rv: number; startKey: string };
    try {
      decoded = decodeContinue(continueToken);
    } catch (e) {
      throw fail.badRequest((e as Error).message);
    }
    // rv -1 is upstream's "inconsistent" token: continue at the latest state.
    if (decoded.rv >= 0 && decoded.rv < ctx.store.oldestRV()) {
      const status = Status.expired(INCONSISTENT_CONTINUE_MESSAGE);
      status.metadata = { continue: encodeContinue(-1, decoded.startKey) };
      throw new ApiStatusError(status);
    }
    startAfter = decoded.startKey;
    if (decoded.rv >= 0) atRV = decoded.rv;
  } else {
    const read = await listRead(ctx, query, limit);
    atRV = read.atRV;
    if (!read.paginate) limit = undefined;
  }

  const result = ctx.store.list(storageKey(def), {
    namespace: def.namespaced && info.namespace ? info.namespace : undefined,
    limit,
    startAfter,
    filter: selection.narrowing ? selection.matches : undefined,
    atRV,
  });
  const rv = result.rv;
  const meta: ListMeta = { resourceVersion: String(rv) };
  if (result.more && result.lastKey !== undefined) {
    meta.continue = encodeContinue(rv, result.lastKey);
    if (!selection.narrowing && result.remaining !== undefined) meta.remainingItemCount = result.remaining;
  }

  switch (rep.kind) {
    case "json":
      if (itemsSize(result.items) > STREAMED_LIST_BYTES) return streamListJson(res, def, result.items, meta);
      return sendJson(res, 200, listJsonBuffer(def, result.items, meta));
    case "metadata":
      return sendJson(res, 200, metadataListJson(result.items, meta, rep.version), contentTypeOf(rep));
    case "table": {
      const t = table(
        def,
        result.items.map((e) => e.object()),
        meta,
        {
          version: rep.version,
          include: includeObjectParam(query.get("includeObject")),
          now: ctx.now().getTime(),
        },
      );
      return sendObject(res, 200, t, contentTypeOf(rep));
    }
    case "yaml":
      return sendJson(res, 200, toYaml(JSON.parse(listJson(def, result.items, meta))), "application/yaml");
    default:
      return sendJson(res, 200, listJson(def, result.items, meta));
  }
}
