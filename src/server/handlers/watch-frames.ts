// A watch event's bytes on the wire, and how they reach each watcher's socket.
//
// Encoded once, shared by all: the watch hub hands one event to every watcher in turn, so the first watcher to
// send it encodes the frame (`{"type":…,"object":…}\n`, UTF-8) and the others reuse that Buffer — with 1,000
// watchers of Pods that is one 8 KB encoding per event instead of 1,000 (and no per-watcher garbage). Like the
// cacher's cachingObject (staging/src/k8s.io/apiserver/pkg/storage/cacher/caching_object.go), serializations
// are kept for the event being dispatched only (until the next one), never in the history.
//
// Written in batches: frames are queued per watcher and written together, at the end of the event-loop turn
// or, under a steady stream, once per WATCH_FLUSH_INTERVAL_MS — one socket write and one TLS record run for
// several events. Each write costs a syscall and TLS framing whatever its size: on a 2-core box 8 KB frames cost
// ~12 µs each written singly, ~7 µs four per write (docs/benchmarks.md). Upstream's watch server likewise
// flushes only when no further event is ready (endpoints/handlers/watch.go `if len(ch) == 0 { flusher.Flush() }`).
import type { ServerResponse } from "node:http";
import type { StoreEvent } from "../storage/index.ts";

export function eventFrame(type: string, objectJson: string): Buffer {
  return Buffer.from(`{"type":"${type}","object":${objectJson}}\n`);
}

let framesOf: StoreEvent | undefined;
const frames = new Map<string, Buffer>();

/** The frame for `ev` under `key` (representation and event type), encoded by the first watcher to ask. */
export function sharedFrame(ev: StoreEvent, key: string, encode: () => Buffer): Buffer {
  if (framesOf !== ev) {
    framesOf = ev;
    frames.clear();
  }
  let frame = frames.get(key);
  if (frame === undefined) {
    frame = encode();
    frames.set(key, frame);
  }
  return frame;
}

/**
 * The shortest time between two writes to the watchers: events closer together than this go out in one write.
 * An event after a quiet spell is written at the end of its event-loop turn; under a steady stream each watcher
 * gets one write per interval (40/s) instead of one per event — at 200 events/s × 1,000 watchers that is
 * 40,000 TLS writes a second instead of 200,000, for at most this much added delay.
 */
export const WATCH_FLUSH_INTERVAL_MS = 25;

export interface FrameQueueEvents {
  /** Frames were handed to the response; `backlogBytes` were still held for it from earlier writes. */
  flushed(backlogBytes: number): void;
  /** A batch's write completed: the kernel took it. */
  written(): void;
}

/** One watcher's outgoing frames, written together (see WATCH_FLUSH_INTERVAL_MS). */
export class FrameQueue {
  private readonly res: ServerResponse;
  private readonly events: FrameQueueEvents | undefined;
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  /** Frames handed to the response whose write has not completed yet. */
  private unwritten = 0;

  constructor(res: ServerResponse, events?: FrameQueueEvents) {
    this.res = res;
    this.events = events;
  }

  push(frame: Buffer): void {
    this.queuedBytes += frame.length;
    if (this.queued.push(frame) === 1) schedule(this);
  }

  /** Bytes not yet taken by the kernel: queued here plus what the response and socket still hold. */
  get pendingBytes(): number {
    return this.queuedBytes + this.res.writableLength;
  }

  /** Frames handed to the response that the kernel has not taken yet (not counting those queued here). */
  get unwrittenFrames(): number {
    return this.unwritten;
  }

  /** Drops what is queued (the watch is closing). */
  clear(): void {
    this.queued = [];
    this.queuedBytes = 0;
  }

  flush(): void {
    const frames = this.queued;
    if (frames.length === 0) return;
    this.clear();
    if (this.res.writableEnded || this.res.destroyed) return;
    const n = frames.length;
    const backlogBytes = this.res.writableLength;
    this.unwritten += n;
    const written = () => {
      this.unwritten -= n;
      this.events?.written();
    };
    // One corked run: http's chunk framing plus every frame leave in a single writev (one TLS write).
    this.res.socket?.cork();
    for (let i = 0; i < n - 1; i++) this.res.write(frames[i]);
    this.res.write(frames[n - 1], written);
    this.res.socket?.uncork();
    this.events?.flushed(backlogBytes);
  }
}

const dirty: FrameQueue[] = [];
let scheduled = false;
let lastFlush = Number.NEGATIVE_INFINITY;

function schedule(queue: FrameQueue): void {
  dirty.push(queue);
  if (scheduled) return;
  scheduled = true;
  const wait = lastFlush + WATCH_FLUSH_INTERVAL_MS - performance.now();
  if (wait <= 0) setImmediate(flushAll);
  else setTimeout(flushAll, wait);
}

function flushAll(): void {
  scheduled = false;
  lastFlush = performance.now();
  for (const queue of dirty.splice(0)) queue.flush();
}
