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
//
// Batches shared too: watchers that get the same frames in a flush (all watchers of a resource in one
// representation, under a steady stream) get the same bytes, so the HTTP/1.1 chunk (`<hex size>\r\n`, the
// frames, `\r\n`) is built once per flush and written to each socket as it is — no per-watcher copy, and no
// http layer (per-write chunk framing, a callback per frame) between the batch and the TLS socket.
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
  /** Frames were handed to the socket; `backlogBytes` were still held for it from earlier writes. */
  flushed(backlogBytes: number): void;
  /** A batch's write completed: the kernel took it. */
  written(): void;
}

/** A run of frames as one HTTP/1.1 chunk; `payload` is the frames alone (a view of the chunk). */
interface Batch {
  frames: readonly Buffer[];
  chunk: Buffer;
  payload: Buffer;
}

const CRLF_LENGTH = 2;

function batchOf(frames: readonly Buffer[]): Batch {
  let size = 0;
  for (const frame of frames) size += frame.length;
  const head = `${size.toString(16)}\r\n`;
  const chunk = Buffer.allocUnsafeSlow(head.length + size + CRLF_LENGTH);
  let at = chunk.write(head, 0, "latin1");
  for (const frame of frames) at += frame.copy(chunk, at);
  chunk.write("\r\n", at, "latin1");
  return { frames, chunk, payload: chunk.subarray(head.length, head.length + size) };
}

/** The batches built during one flush, found by their frames (the same Buffers in the same order). */
class Batches {
  private readonly byFirstFrame = new Map<Buffer, Batch[]>();

  of(frames: readonly Buffer[]): Batch {
    let candidates = this.byFirstFrame.get(frames[0]);
    if (candidates === undefined) {
      candidates = [];
      this.byFirstFrame.set(frames[0], candidates);
    }
    for (const batch of candidates) if (sameFrames(batch.frames, frames)) return batch;
    const batch = batchOf(frames);
    candidates.push(batch);
    return batch;
  }
}

function sameFrames(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One watcher's outgoing frames, written together (see WATCH_FLUSH_INTERVAL_MS). */
export class FrameQueue {
  private readonly res: ServerResponse;
  private readonly events: FrameQueueEvents | undefined;
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  /** Frames handed to the socket whose write has not completed yet. */
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

  /** Frames handed to the socket that the kernel has not taken yet (not counting those queued here). */
  get unwrittenFrames(): number {
    return this.unwritten;
  }

  /** Drops what is queued (the watch is closing). */
  clear(): void {
    this.queued = [];
    this.queuedBytes = 0;
  }

  /** Writes what is queued now; `batches` shares the chunks with other watchers flushed at the same time. */
  flush(batches = new Batches()): void {
    const frames = this.queued;
    if (frames.length === 0) return;
    this.clear();
    const res = this.res;
    if (res.writableEnded || res.destroyed) return;
    const n = frames.length;
    const backlogBytes = res.writableLength;
    this.unwritten += n;
    const written = () => {
      this.unwritten -= n;
      this.events?.written();
    };
    const batch = batches.of(frames);
    const socket = this.directSocket();
    if (socket) socket.write(batch.chunk, written);
    else res.write(batch.payload, written); // http frames it (and holds it until the socket is this response's)
    this.events?.flushed(backlogBytes);
  }

  /** Resolves once the socket has taken what it holds (or the watch closed). */
  drained(): Promise<void> {
    const emitter = this.directSocket() ?? this.res;
    return new Promise((resume) => {
      const done = () => {
        emitter.off("drain", done);
        this.res.off("close", done);
        resume();
      };
      emitter.on("drain", done);
      this.res.on("close", done);
    });
  }

  /**
   * The socket, when chunks may be written to it directly: the response is the socket's current one (Node
   * assigns the socket to a pipelined response only at its turn), its headers went out, and the body is chunked
   * (res.end() then writes just the last chunk, `0\r\n\r\n`).
   */
  private directSocket() {
    const { res } = this;
    const socket = res.socket;
    return socket && res.headersSent && res.chunkedEncoding && !socket.destroyed ? socket : undefined;
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
  const batches = new Batches();
  for (const queue of dirty.splice(0)) queue.flush(batches);
}
