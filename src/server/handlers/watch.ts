import { Status } from "../../meta/status.ts";
import { fail } from "../http/errors.ts";
import { contentTypeOf } from "../http/negotiate.ts";
import { servedJson } from "../registry/served-versions.ts";
import { groupVersion, storageKey } from "../registry/types.ts";
import { type Entry, StorageError, type StoreEvent, stampResourceVersion } from "../storage/index.ts";
import type { Call } from "./call.ts";
import { includeObjectParam, partialMetadata, table } from "./encode.ts";
import { validateListOptions } from "./options.ts";
import { decodeParameters, LIST_OPTIONS } from "./query-params.ts";
import { parseResourceVersion, representationFor } from "./read.ts";
import { parseSelection } from "./selectors.ts";
import { eventFrame, FrameQueue, sharedFrame } from "./watch-frames.ts";
import { type BlockableWatcher, chanSizeFor, unresponsiveWatchersOf } from "./watch-unresponsive.ts";

const BOOKMARK_INTERVAL_MS = 30_000;
/** Initial events are written while the socket has less than this queued; then they wait for "drain". */
const INITIAL_HIGH_WATER_BYTES = 1 << 20;
/** Node's timers hold a signed 32-bit millisecond count; a longer watch is capped (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
export const INITIAL_EVENTS_END = "k8s.io/initial-events-end";

interface WatchParams {
  fromRV: number | "now" | "initial";
  sendInitialEvents: boolean;
  bookmarks: boolean;
  timeoutMs: number;
}

/**
 * As endpoints/handlers/get.go: an absent or 0 timeoutSeconds means --min-request-timeout ×[1,2), random so
 * that clients' reconnects spread out.
 */
export function watchTimeoutMs(timeoutText: string | null, minRequestTimeoutSeconds: number): number {
  const seconds = timeoutText && /^\d+$/.test(timeoutText) ? Number(timeoutText) : 0;
  const ms = seconds > 0 ? seconds * 1000 : minRequestTimeoutSeconds * (1 + Math.random()) * 1000;
  return Math.min(ms, MAX_TIMER_MS);
}

function watchParams(query: URLSearchParams, minRequestTimeoutSeconds: number): WatchParams {
  const rvText = query.get("resourceVersion") ?? "";
  const sendInitial = query.get("sendInitialEvents");
  const bookmarks = query.get("allowWatchBookmarks") === "true";
  decodeParameters(query, LIST_OPTIONS);
  validateListOptions(query, true);
  if (sendInitial === "true" && !bookmarks) {
    throw fail.badRequest(
      "allowWatchBookmarks: Required value: sendInitialEvents requires setting allowWatchBookmarks to true",
    );
  }
  const timeoutMs = watchTimeoutMs(query.get("timeoutSeconds"), minRequestTimeoutSeconds);

  const sendInitialEvents =
    sendInitial === "true" || (sendInitial === null && (rvText === "" || rvText === "0"));
  let fromRV: WatchParams["fromRV"];
  if (sendInitialEvents) fromRV = "initial";
  else if (rvText === "" || rvText === "0") fromRV = "now";
  else fromRV = parseResourceVersion(rvText);
  return { fromRV, sendInitialEvents, bookmarks, timeoutMs };
}

export function watchObjects(call: Call): void {
  const { ctx, req, res, def, info, query } = call;
  const rep = representationFor(req, "list");
  const selection = parseSelection(def, query, info.name);
  const params = watchParams(query, ctx.limits.minRequestTimeoutSeconds);
  const resource = storageKey(def);
  const namespace = def.namespaced && info.namespace ? info.namespace : undefined;
  const include = includeObjectParam(query.get("includeObject"));
  let tableColumnsSent = false;
  // Frames of the same event are the same bytes for every watcher with this representation and served
  // version (a Table carries per-watcher state: its columns go in the first one only).
  const shareKey =
    rep.kind === "table"
      ? undefined
      : `${groupVersion(def)};${rep.kind};${"version" in rep ? rep.version : ""}`;

  // Encodes a stored object JSON (or a parsed object) in the negotiated representation.
  const encodeObject = (stored: string): string => {
    // A custom resource read through a non-storage version.
    const json = servedJson(def, stored);
    if (rep.kind === "json") return json;
    const obj = JSON.parse(json);
    if (rep.kind === "metadata") return JSON.stringify(partialMetadata(obj, rep.version));
    if (rep.kind === "table") {
      const t = table(
        def,
        [obj],
        { resourceVersion: obj.metadata?.resourceVersion ?? "" },
        {
          version: rep.version,
          include,
          now: ctx.now().getTime(),
          columns: !tableColumnsSent,
        },
      );
      tableColumnsSent = true;
      return JSON.stringify(t);
    }
    return json;
  };

  res.writeHead(200, {
    "Content-Type": rep.kind === "json" ? "application/json" : contentTypeOf(rep),
    "Cache-Control": "no-cache, private",
    "Transfer-Encoding": "chunked",
  });
  res.flushHeaders();

  let closed = false;
  let stopWatch: (() => void) | undefined;
  const timers: NodeJS.Timeout[] = [];
  // The watch cache's two channels of chanSize events each: more than that not yet taken by the kernel and
  // the watcher is blocked; still blocked when the resource's dispatch budget runs out, it is closed.
  const chanSize = chanSizeFor(resource, ctx.store.historyCapacity, selection.field);
  const unresponsive = unresponsiveWatchersOf(ctx.store, resource);
  const blockable: BlockableWatcher = {
    blocked: () => !closed && queue.unwrittenFrames > 2 * chanSize,
    forceClose: () =>
      tooSlow("Forcing watcher close due to unresponsiveness", { pending: queue.unwrittenFrames, chanSize }),
  };
  // Checked as frames reach the response (not while they wait for the next batch: that delay is ours), on
  // what the client has yet to take from earlier writes.
  const queue = new FrameQueue(res, {
    flushed: (backlogBytes) => {
      if (initial !== undefined) return; // the initial events wait for the client instead
      if (backlogBytes > ctx.limits.watchBufferBytes) tooSlow();
      else unresponsive.check(blockable);
    },
    written: () => unresponsive.unblocked(blockable),
  });
  const close = () => {
    if (closed) return;
    closed = true;
    unresponsive.forget(blockable);
    stopWatch?.();
    for (const t of timers) clearTimeout(t);
    queue.flush();
    res.end();
  };
  const send = (frame: Buffer) => {
    if (closed) return;
    queue.push(frame);
  };
  const write = (type: string, objectJson: string) => {
    if (!closed) send(eventFrame(type, objectJson));
  };
  const writeShared = (ev: StoreEvent, type: string, objectJson: () => string, variant = type) => {
    if (closed) return;
    if (shareKey === undefined) return send(eventFrame(type, objectJson()));
    send(sharedFrame(ev, `${shareKey};${variant}`, () => eventFrame(type, objectJson())));
  };
  // A client that does not keep up is terminated (it re-watches from its last resourceVersion).
  const tooSlow = (why = "watch consumer too slow; closing the stream", detail: object = {}) => {
    if (closed) return;
    ctx.log.warn({ resource, path: info.path, ...detail }, why);
    queue.clear();
    close();
    res.destroy(); // free what is queued for it now, not when (if ever) the client reads
  };
  const bookmark = (rv: number, annotations?: Record<string, string>) => {
    const meta: Record<string, unknown> = { resourceVersion: String(rv) };
    if (annotations) meta.annotations = annotations;
    write("BOOKMARK", JSON.stringify({ kind: def.kind, apiVersion: groupVersion(def), metadata: meta }));
  };

  req.on("close", close);
  res.on("close", close);
  timers.push(setTimeout(close, params.timeoutMs));

  // Initial state and subscription happen in one tick, so no event falls between them. The initial events
  // (a whole list's worth: 150,000 Pods are over a gigabyte) are then streamed as the client reads them,
  // never buffered whole; live events meanwhile wait in `initial.held`, bounded like the stream itself.
  let initial: { held: StoreEvent[]; heldBytes: number } | undefined;
  let fromRV: number;
  let listed: Entry[] = [];
  if (params.fromRV === "initial") {
    const result = ctx.store.list(resource, {
      namespace,
      filter: selection.narrowing ? selection.matches : undefined,
    });
    listed = result.items;
    fromRV = result.rv;
    initial = { held: [], heldBytes: 0 };
  } else if (params.fromRV === "now") {
    fromRV = ctx.store.currentRV();
  } else {
    fromRV = params.fromRV;
  }
  // A version the store has not reached yet: the watch cache starts now and sends only events newer
  // than it (cacheWatcher.process), without waiting or failing.
  const newerThan = fromRV;
  fromRV = Math.min(fromRV, ctx.store.currentRV());

  const deliver = (ev: StoreEvent) => {
    if (ev.rv <= newerThan) return;
    const now = selection.matches(ev.entry);
    const before = ev.prev ? selection.matches(ev.prev) : false;
    const current = () => encodeObject(ev.entry.json);
    if (ev.type === "ADDED") {
      if (now) writeShared(ev, "ADDED", current);
    } else if (ev.type === "MODIFIED") {
      if (now && before) writeShared(ev, "MODIFIED", current);
      else if (now) writeShared(ev, "ADDED", current);
      else if (before && ev.prev) {
        const prev = ev.prev;
        // The object leaving the selection: its previous state at this event's version.
        writeShared(ev, "DELETED", () => encodeObject(stampResourceVersion(prev, ev.rv)), "DELETED prev");
      }
    } else if (now || before) {
      writeShared(ev, "DELETED", current);
    }
  };
  const onEvent = (ev: StoreEvent) => {
    if (!initial) return deliver(ev);
    initial.held.push(ev);
    initial.heldBytes += ev.entry.json.length;
    if (initial.heldBytes > ctx.limits.watchBufferBytes) tooSlow();
  };

  try {
    stopWatch = ctx.store.watch(resource, { namespace, fromRV }, onEvent).stop;
  } catch (e) {
    if (e instanceof StorageError && e.code === "Expired") {
      write("ERROR", JSON.stringify(Status.expired(e.message)));
      close();
      return;
    }
    throw e;
  }
  if (initial) {
    streamInitial(listed, fromRV).catch((error: Error) => {
      ctx.log.error({ err: error.message, path: info.path }, "streaming a watch's initial events failed");
      close();
      res.destroy();
    });
  }

  async function streamInitial(items: Entry[], rv: number): Promise<void> {
    for (const e of items) {
      if (closed) return;
      write("ADDED", encodeObject(e.json));
      if (queue.pendingBytes <= INITIAL_HIGH_WATER_BYTES) continue;
      queue.flush(); // now, so that "drain" follows a write the socket could not take at once
      if (res.writableLength > INITIAL_HIGH_WATER_BYTES) await queue.drained();
    }
    if (closed || !initial) return;
    if (query.get("sendInitialEvents") === "true") bookmark(rv, { [INITIAL_EVENTS_END]: "true" });
    const { held } = initial;
    initial = undefined;
    for (const ev of held) deliver(ev);
  }

  if (params.bookmarks) {
    const tick = () => {
      if (closed) return;
      if (!initial) bookmark(ctx.store.currentRV()); // never inside the initial events
      timers.push(setTimeout(tick, BOOKMARK_INTERVAL_MS).unref());
    };
    timers.push(setTimeout(tick, BOOKMARK_INTERVAL_MS).unref());
  }
}
