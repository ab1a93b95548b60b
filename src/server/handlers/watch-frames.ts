// A watch event's bytes on the wire, and how they reach each watcher's socket.
//
// Encoded once, shared by all: the watch hub hands one event to every watcher in turn, so the first watcher to
// send it encodes the frame (`{"type":…,"object":…}\n`, UTF-8) and the others reuse that Buffer — with 1,000
// watchers of Pods that is one 8 KB encoding per event instead of 1,000 (and no per-watcher garbage). Like the
// cacher's cachingObject (staging/src/k8s.io/apiserver/pkg/storage/cacher/caching_object.go), a serialization
// is kept only while its event is being dispatched, not in the history.
//
// Written once per event-loop turn: frames are queued per watcher and written together at setImmediate, so
// the events published in one turn (a group commit's writes, requests served together under load) cost each
// watcher one socket write and one TLS record run, not one each — upstream's watch server likewise flushes
// only when no further event is ready (endpoints/handlers/watch.go: `if len(ch) == 0 { flusher.Flush() }`).
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

/** One watcher's outgoing frames, written at the end of the event-loop turn that queued them. */
export class FrameQueue {
  private readonly res: ServerResponse;
  private queued: Buffer[] = [];
  private queuedBytes = 0;

  constructor(res: ServerResponse) {
    this.res = res;
  }

  push(frame: Buffer): void {
    this.queuedBytes += frame.length;
    if (this.queued.push(frame) === 1) schedule(this);
  }

  /** Bytes not yet taken by the kernel: queued here plus what the response and socket still hold. */
  get pendingBytes(): number {
    return this.queuedBytes + this.res.writableLength;
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
    // One corked run: http's chunk framing plus every frame leave in a single writev (one TLS write).
    this.res.socket?.cork();
    for (const f of frames) this.res.write(f);
    this.res.socket?.uncork();
  }
}

const dirty: FrameQueue[] = [];
let scheduled = false;

function schedule(queue: FrameQueue): void {
  dirty.push(queue);
  if (scheduled) return;
  scheduled = true;
  setImmediate(flushAll);
}

function flushAll(): void {
  scheduled = false;
  for (const queue of dirty.splice(0)) queue.flush();
}
