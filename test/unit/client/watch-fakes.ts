// Test doubles for the watch machinery: a WatchSource whose lists and streams the test scripts.
import { ConnectionError, errorFromStatus } from "../../../src/client/errors.ts";
import type { ObjectList, PageRequest } from "../../../src/client/list.ts";
import type { WatchQuery, WatchSource } from "../../../src/client/watch.ts";
import type { RawWatchEvent } from "../../../src/client/watch-decoder.ts";
import type { WatchStream } from "../../../src/client/watch-stream.ts";

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    annotations?: Record<string, string>;
  };
}

export const pod = (name: string, rv: string, uid = `uid-${name}`): Pod => ({
  metadata: { name, namespace: "default", resourceVersion: rv, uid },
});

/** A stream the test drives: push events, end it, or break it. */
export class FakeStream implements WatchStream {
  readonly #queue: (RawWatchEvent | Error | "end")[] = [];
  #wake: (() => void) | undefined;
  closed = false;

  push(event: RawWatchEvent | Error | "end"): this {
    this.#queue.push(event);
    this.#wake?.();
    return this;
  }

  close(): void {
    this.closed = true;
    this.#wake?.();
  }

  get events(): AsyncIterable<RawWatchEvent> {
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          if (self.closed) return;
          const next = self.#queue.shift();
          if (next === undefined) {
            await new Promise<void>((resolve) => {
              self.#wake = resolve;
            });
            continue;
          }
          if (next === "end") return;
          if (next instanceof Error) throw next;
          yield next;
        }
      },
    };
  }
}

export type ListReply = ObjectList<Pod> | Error;
export type WatchReply = FakeStream | Error;

export class FakeSource implements WatchSource<Pod> {
  readonly path = "/api/v1/namespaces/default/pods";
  readonly lists: PageRequest[] = [];
  readonly watches: WatchQuery[] = [];
  readonly listReplies: ListReply[] = [];
  readonly watchReplies: WatchReply[] = [];

  async list(page: PageRequest): Promise<ObjectList<Pod>> {
    this.lists.push(page);
    const reply = this.listReplies.shift();
    if (!reply) throw new Error("unexpected list");
    if (reply instanceof Error) throw reply;
    return reply;
  }

  async watch(query: WatchQuery): Promise<WatchStream> {
    this.watches.push(query);
    const reply = this.watchReplies.shift() ?? new FakeStream(); // later watches just hang
    if (reply instanceof Error) throw reply;
    return reply;
  }
}

export const podList = (rv: string, ...items: Pod[]): ObjectList<Pod> => ({
  kind: "PodList",
  apiVersion: "v1",
  metadata: { resourceVersion: rv },
  items,
});

export const status = (code: number, reason: string, message = reason) => ({
  kind: "Status" as const,
  apiVersion: "v1" as const,
  metadata: {},
  status: "Failure" as const,
  message,
  reason,
  code,
});

export const apiError = (code: number, reason: string, message?: string) =>
  errorFromStatus(status(code, reason, message), { method: "GET", path: "/api/v1/namespaces/default/pods" });

export const connectionError = (code = "ECONNRESET") =>
  new ConnectionError("socket hang up", { code, method: "GET", path: "/p", server: "https://x" });
