import assert from "node:assert/strict";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { ClusterConfig } from "../../../src/client/config.ts";
import { ApiError, ConnectionError, isForbidden } from "../../../src/client/errors.ts";
import { Transport } from "../../../src/client/transport.ts";
import {
  INITIAL_EVENTS_END,
  objectKey,
  type WatchEvent,
  Watcher,
  type WatcherOptions,
  type WatchStatus,
} from "../../../src/client/watch.ts";
import {
  type RawWatchEvent,
  WatchDecodeError,
  WatchDecoder,
  WatchEventTooLargeError,
} from "../../../src/client/watch-decoder.ts";
import { openWatchStream } from "../../../src/client/watch-stream.ts";
import {
  apiError,
  connectionError,
  FakeSource,
  FakeStream,
  type Pod,
  pod,
  podList,
  status,
} from "./watch-fakes.ts";

describe("WatchDecoder", () => {
  test("events split across chunks, including inside a UTF-8 character", () => {
    const decoder = new WatchDecoder();
    const line = Buffer.from(
      '{"type":"ADDED","object":{"metadata":{"name":"café"}}}\n{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}\n',
    );
    const cut = line.indexOf(0xc3) + 1; // between the two bytes of "é"
    assert.deepEqual(decoder.push(line.subarray(0, 10)), []);
    assert.deepEqual(decoder.push(line.subarray(10, cut)), []);
    const events = decoder.push(line.subarray(cut));
    assert.equal(events.length, 2);
    assert.deepEqual(events[0], { type: "ADDED", object: { metadata: { name: "café" } } });
    assert.equal(events[1].type, "BOOKMARK");
    assert.deepEqual(decoder.end(), []);
  });

  test("several events in one chunk, blank lines, CRLF, a last event without newline", () => {
    const decoder = new WatchDecoder();
    const events = decoder.push(
      '{"type":"ADDED","object":{}}\r\n\n{"type":"MODIFIED","object":{}}\n{"type":"ERROR","object":{"kind":"Status","code":410}}',
    );
    assert.deepEqual(
      events.map((e) => e.type),
      ["ADDED", "MODIFIED"],
    );
    assert.deepEqual(decoder.end(), [{ type: "ERROR", object: { kind: "Status", code: 410 } }]);
  });

  test("a malformed line is an error, not silently dropped", () => {
    assert.throws(() => new WatchDecoder().push("not json\n"), WatchDecodeError);
    assert.throws(() => new WatchDecoder().push('{"object":{}}\n'), WatchDecodeError);
  });

  test("lines are bounded in bytes (not characters), whether or not their newline has arrived", () => {
    const event = Buffer.from('{"type":"ADDED","object":{"metadata":{"name":"ééé"}}}\n');
    const fits = new WatchDecoder(event.length - 1); // the limit excludes the newline
    assert.equal(fits.push(event).length, 1);
    assert.throws(() => new WatchDecoder(event.length - 2).push(event), WatchEventTooLargeError);
    // An endless line fails as soon as it passes the limit, while the newline is still missing.
    const endless = new WatchDecoder(1000);
    assert.throws(() => {
      for (let i = 0; i < 100; i++) endless.push(Buffer.alloc(100, "x"));
    }, WatchEventTooLargeError);
  });
});

const fastBackoff = { initialMs: 1, maxMs: 5, jitter: 0 };

function describeEvent(event: WatchEvent<Pod>): string {
  if (event.type === "SYNCED") return `SYNCED@${event.resourceVersion}${event.relist ? " relist" : ""}`;
  if (event.type === "BOOKMARK") return `BOOKMARK@${event.object.metadata?.resourceVersion}`;
  assert.equal(event.key, objectKey(event.object), "an event's key is its object's namespace/name");
  return `${event.type} ${event.object.metadata.name}@${event.object.metadata.resourceVersion ?? ""}${event.synthetic ? " (synthetic)" : ""}`;
}

/** Collects n events from a watcher, then stops it. */
async function take(watcher: AsyncIterable<WatchEvent<Pod>>, n: number): Promise<string[]> {
  const out: string[] = [];
  if (n === 0) return out;
  for await (const event of watcher) {
    out.push(describeEvent(event));
    if (out.length >= n) break;
  }
  return out;
}

function watcher(source: FakeSource, options: WatcherOptions = {}): Watcher<Pod> {
  return new Watcher<Pod>(source, { backoff: fastBackoff, random: () => 0.5, ...options });
}

describe("Watcher", () => {
  test("lists, emits the state, SYNCED, then watches from the list's resourceVersion with bookmarks and a random timeout", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("10", pod("a", "5"), pod("b", "7")));
    source.watchReplies.push(
      new FakeStream().push({ type: "MODIFIED", object: { ...pod("a", "11"), kind: "Pod" } }),
    );
    const events = await take(watcher(source), 4);
    assert.deepEqual(events, [
      "ADDED a@5 (synthetic)",
      "ADDED b@7 (synthetic)",
      "SYNCED@10",
      "MODIFIED a@11",
    ]);
    assert.deepEqual(source.lists[0], {
      limit: 500,
      resourceVersion: undefined,
      resourceVersionMatch: undefined,
    });
    assert.equal(source.watches[0].resourceVersion, "10");
    assert.equal(source.watches[0].allowWatchBookmarks, true);
    assert.equal(source.watches[0].timeoutSeconds, 450);
  });

  test("list items get kind and apiVersion from the list", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("1", pod("a", "1")));
    for await (const event of watcher(source)) {
      assert.equal(event.type, "ADDED");
      if (event.type === "ADDED") {
        assert.equal(event.object.kind, "Pod");
        assert.equal(event.object.apiVersion, "v1");
      }
      break;
    }
  });

  test("resumes after the stream ends from the last resourceVersion, bookmarks included", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("10"));
    source.watchReplies.push(
      new FakeStream()
        .push({ type: "ADDED", object: pod("a", "12") })
        .push({
          type: "BOOKMARK",
          object: { kind: "Pod", apiVersion: "v1", metadata: { resourceVersion: "20" } },
        })
        .push("end"),
      new FakeStream().push({ type: "ADDED", object: pod("b", "21") }),
    );
    const w = watcher(source);
    const events = await take(w, 3);
    assert.deepEqual(events, ["SYNCED@10", "ADDED a@12", "ADDED b@21"]);
    assert.deepEqual(
      source.watches.map((q) => q.resourceVersion),
      ["10", "20"],
    );
    assert.equal(w.resourceVersion, "21");
    assert.equal(source.lists.length, 1, "no relist on a normal stream end");
  });

  test("emitBookmarks yields them", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("1"));
    source.watchReplies.push(
      new FakeStream().push({ type: "BOOKMARK", object: { metadata: { resourceVersion: "5" } } }),
    );
    assert.deepEqual(await take(watcher(source, { emitBookmarks: true }), 2), ["SYNCED@1", "BOOKMARK@5"]);
  });

  test("batches(): one batch per list page, applied as it is iterated", async () => {
    const source = new FakeSource();
    source.listReplies.push(
      { ...podList("10", pod("a", "5"), pod("b", "6")), metadata: { resourceVersion: "10", continue: "c1" } },
      podList("10", pod("c", "7")),
    );
    const batches: string[][] = [];
    for await (const batch of watcher(source).batches()) {
      batches.push([...batch].map(describeEvent));
      if (batches.length === 3) break;
    }
    assert.deepEqual(batches, [
      ["ADDED a@5 (synthetic)", "ADDED b@6 (synthetic)"],
      ["ADDED c@7 (synthetic)"],
      ["SYNCED@10"],
    ]);
  });

  test("breaking out of events() in the middle of a page loses nothing: iterating again relists the rest", async () => {
    const source = new FakeSource();
    source.listReplies.push(
      podList("10", pod("a", "5"), pod("b", "6")),
      podList("11", pod("a", "5"), pod("b", "6")),
    );
    const w = watcher(source);
    assert.deepEqual(await take(w, 1), ["ADDED a@5 (synthetic)"]);
    // b was never delivered, so it is not known: the relist delivers it, and a only once.
    assert.deepEqual(await take(w, 2), ["ADDED b@6 (synthetic)", "SYNCED@11"]);
  });

  test("a first sync restarted by an expired continue token deletes what the new snapshot lacks", async () => {
    const source = new FakeSource();
    source.listReplies.push(
      { ...podList("10", pod("a", "5"), pod("b", "6")), metadata: { resourceVersion: "10", continue: "c1" } },
      apiError(410, "Expired", "the continue token expired"),
      podList("20", pod("a", "5"), pod("c", "8")),
    );
    assert.deepEqual(await take(watcher(source), 5), [
      "ADDED a@5 (synthetic)",
      "ADDED b@6 (synthetic)",
      "ADDED c@8 (synthetic)",
      "DELETED b@6 (synthetic)",
      "SYNCED@20",
    ]);
  });

  test("410 ERROR event → relist, reconciled against what was emitted", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("10", pod("a", "5"), pod("b", "6"), pod("c", "7")));
    source.watchReplies.push(
      new FakeStream().push({
        type: "ERROR",
        object: status(410, "Expired", "too old resource version: 10 (50)"),
      }),
    );
    // During the gap: a changed, b deleted, c unchanged, d created, and e re-created... (not known before)
    source.listReplies.push(podList("60", pod("a", "55"), pod("c", "7"), pod("d", "58")));
    const w = watcher(source);
    const events = await take(w, 8);
    assert.deepEqual(events, [
      "ADDED a@5 (synthetic)",
      "ADDED b@6 (synthetic)",
      "ADDED c@7 (synthetic)",
      "SYNCED@10",
      "MODIFIED a@55 (synthetic)",
      "ADDED d@58 (synthetic)",
      "DELETED b@6 (synthetic)",
      "SYNCED@60 relist",
    ]);
    assert.equal(source.lists[1].resourceVersion, undefined, "the relist is a consistent read");
    assert.equal(w.resourceVersion, "60");
  });

  test("HTTP 410 when opening the watch → relist", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("10", pod("a", "5")), podList("70", pod("a", "5")));
    source.watchReplies.push(apiError(410, "Expired"));
    const events = await take(watcher(source), 3);
    assert.deepEqual(events, ["ADDED a@5 (synthetic)", "SYNCED@10", "SYNCED@70 relist"]);
  });

  test("duplicates are dropped; a re-created object (new uid) is DELETED then ADDED", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("10", pod("a", "5", "uid-1")));
    source.watchReplies.push(
      new FakeStream()
        .push({ type: "ADDED", object: pod("a", "5", "uid-1") })
        .push({ type: "ADDED", object: pod("a", "12", "uid-2") }),
    );
    const events = await take(watcher(source), 4);
    assert.deepEqual(events, ["ADDED a@5 (synthetic)", "SYNCED@10", "DELETED a@5 (synthetic)", "ADDED a@12"]);
  });

  test("connection loss → backoff, reported through onStatus, then resume from the last resourceVersion", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("10"));
    source.watchReplies.push(
      new FakeStream().push({ type: "ADDED", object: pod("a", "11") }).push(connectionError()),
      connectionError("ECONNREFUSED"),
      new FakeStream().push({ type: "ADDED", object: pod("b", "15") }),
    );
    const statuses: WatchStatus[] = [];
    const events = await take(watcher(source, { onStatus: (s) => statuses.push(s) }), 3);
    assert.deepEqual(events, ["SYNCED@10", "ADDED a@11", "ADDED b@15"]);
    assert.deepEqual(
      source.watches.map((q) => q.resourceVersion),
      ["10", "11", "11"],
    );
    const retries = statuses.filter((s) => s.phase === "retrying");
    assert.deepEqual(
      retries.map((s) => (s.error as ConnectionError).code),
      ["ECONNRESET", "ECONNREFUSED"],
    );
    assert.ok(retries.every((s) => typeof s.delayMs === "number"));
  });

  test("a malformed stream is re-established, not trusted", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("10"));
    source.watchReplies.push(
      new FakeStream().push(new WatchDecodeError("bad line")),
      new FakeStream().push({ type: "ADDED", object: pod("a", "11") }),
    );
    assert.deepEqual(await take(watcher(source), 2), ["SYNCED@10", "ADDED a@11"]);
  });

  test("a watch that closes at once without events backs off instead of spinning", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("10"));
    source.watchReplies.push(
      new FakeStream().push("end"),
      new FakeStream().push({ type: "ADDED", object: pod("a", "11") }),
    );
    const statuses: WatchStatus[] = [];
    assert.deepEqual(await take(watcher(source, { onStatus: (s) => statuses.push(s) }), 2), [
      "SYNCED@10",
      "ADDED a@11",
    ]);
    assert.equal(
      (statuses.find((s) => s.phase === "retrying")?.error as ConnectionError | undefined)?.code,
      "WATCH_CLOSED",
    );
  });

  test("non-410 ERROR events are thrown as typed errors; iterating again resumes without a relist", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("10"));
    source.watchReplies.push(
      new FakeStream()
        .push({ type: "ADDED", object: pod("a", "11") })
        .push({ type: "ERROR", object: status(500, "InternalError", "etcd leader changed") }),
      new FakeStream().push({ type: "ADDED", object: pod("b", "12") }),
    );
    const w = watcher(source);
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const event of w) seen.push(describeEvent(event));
      })(),
      (error: ApiError) =>
        error instanceof ApiError && error.code === 500 && error.message === "etcd leader changed",
    );
    assert.deepEqual(seen, ["SYNCED@10", "ADDED a@11"]);
    assert.deepEqual(await take(w, 1), ["ADDED b@12"]);
    assert.equal(source.watches[1].resourceVersion, "11");
    assert.equal(source.lists.length, 1);
  });

  test("403 on the list is thrown as a ForbiddenError", async () => {
    const source = new FakeSource();
    source.listReplies.push(
      apiError(
        403,
        "Forbidden",
        'pods is forbidden: User "system:serviceaccount:default:web" cannot list resource "pods" in API group "" in the namespace "default"',
      ),
    );
    await assert.rejects(
      take(watcher(source), 1),
      (error) => isForbidden(error) && error.forbidden?.verb === "list",
    );
  });

  test("starting from a resourceVersion skips the list", async () => {
    const source = new FakeSource();
    source.watchReplies.push(new FakeStream().push({ type: "MODIFIED", object: pod("a", "101") }));
    assert.deepEqual(await take(watcher(source, { resourceVersion: "100" }), 1), ["ADDED a@101"]);
    assert.equal(source.lists.length, 0);
    assert.equal(source.watches[0].resourceVersion, "100");
  });

  test("started from a resourceVersion, a 410 relist is marked relist (the caller's state is replaced)", async () => {
    const source = new FakeSource();
    source.watchReplies.push(apiError(410, "Expired"));
    source.listReplies.push(podList("70", pod("a", "60")));
    assert.deepEqual(await take(watcher(source, { resourceVersion: "3" }), 2), [
      "ADDED a@60 (synthetic)",
      "SYNCED@70 relist",
    ]);
  });

  test("aborting the signal ends the iteration quietly", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("10"));
    const controller = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const event of watcher(source, { signal: controller.signal }))
        seen.push(describeEvent(event));
    })();
    setTimeout(() => controller.abort(), 20);
    await done;
    assert.deepEqual(seen, ["SYNCED@10"]);
  });

  test("breaking out of the loop closes the stream", async () => {
    const source = new FakeSource();
    source.listReplies.push(podList("10"));
    const stream = new FakeStream().push({ type: "ADDED", object: pod("a", "11") });
    source.watchReplies.push(stream);
    await take(watcher(source), 2);
    assert.equal(stream.closed, true);
  });
});

describe("Watcher with useWatchList", () => {
  const endBookmark = (rv: string): RawWatchEvent => ({
    type: "BOOKMARK",
    object: {
      kind: "Pod",
      apiVersion: "v1",
      metadata: { resourceVersion: rv, annotations: { [INITIAL_EVENTS_END]: "true" } },
    },
  });

  test("streams the initial state, SYNCED at the initial-events-end bookmark, then live events on the same stream", async () => {
    const source = new FakeSource();
    source.watchReplies.push(
      new FakeStream()
        .push({ type: "ADDED", object: pod("a", "5") })
        .push({ type: "ADDED", object: pod("b", "3") })
        .push(endBookmark("10"))
        .push({ type: "MODIFIED", object: pod("a", "11") }),
    );
    const w = watcher(source, { useWatchList: true });
    assert.deepEqual(await take(w, 4), ["ADDED a@5", "ADDED b@3", "SYNCED@10", "MODIFIED a@11"]);
    assert.equal(source.lists.length, 0);
    assert.equal(source.watches[0].sendInitialEvents, true);
    assert.equal(source.watches[0].resourceVersionMatch, "NotOlderThan");
    assert.equal(source.watches[0].allowWatchBookmarks, true);
    assert.equal(w.usingWatchList, true);
  });

  test("a 4xx rejection of the parameters falls back to LIST+WATCH for good", async () => {
    const source = new FakeSource();
    source.watchReplies.push(
      apiError(
        422,
        "Invalid",
        "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
      ),
    );
    source.listReplies.push(podList("10", pod("a", "5")));
    const w = watcher(source, { useWatchList: true });
    assert.deepEqual(await take(w, 2), ["ADDED a@5 (synthetic)", "SYNCED@10"]);
    assert.equal(w.usingWatchList, false);
    assert.equal(source.watches.length, 1);
  });

  test("no initial-events-end bookmark in time: fall back to a list that reconciles what was streamed", async () => {
    const source = new FakeSource();
    // An old server ignores sendInitialEvents: ADDED for everything, then silence.
    source.watchReplies.push(
      new FakeStream()
        .push({ type: "ADDED", object: pod("a", "5") })
        .push({ type: "ADDED", object: pod("gone", "4") }),
    );
    source.listReplies.push(podList("10", pod("a", "5")));
    const w = watcher(source, { useWatchList: true, watchListTimeoutMs: 30 });
    assert.deepEqual(await take(w, 4), [
      "ADDED a@5",
      "ADDED gone@4",
      "DELETED gone@4 (synthetic)",
      "SYNCED@10",
    ]);
    assert.equal(w.usingWatchList, false);
  });
});

describe("openWatchStream over HTTP", () => {
  let server: Server;
  let respond: (res: ServerResponse, url: string) => void;
  let transport: Transport;

  before(async () => {
    server = createServer((req, res) => respond(res, req.url ?? ""));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const config: ClusterConfig = {
      server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      namespace: "default",
      source: "explicit",
      insecureSkipTLSVerify: false,
      warnings: [],
      close() {},
    };
    transport = new Transport(config, { qps: 0 });
  });

  after(() => {
    transport.close();
    server.closeAllConnections();
    server.close();
  });

  test("decodes chunked events and sends watch=true", async () => {
    let url = "";
    respond = (res, requestUrl) => {
      url = requestUrl;
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"MOD');
      setTimeout(() => res.end('IFIED","object":{"metadata":{"name":"a"}}}\n'), 10);
    };
    const stream = await openWatchStream(transport, {
      path: "/api/v1/pods",
      query: { resourceVersion: "5" },
    });
    const types: string[] = [];
    for await (const event of stream.events) types.push(event.type);
    assert.deepEqual(types, ["ADDED", "MODIFIED"]);
    assert.match(url, /watch=true/);
    assert.match(url, /resourceVersion=5/);
  });

  test("silence longer than the inactivity timeout is a dead connection", async () => {
    respond = (res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"type":"ADDED","object":{}}\n'); // then nothing, ever
    };
    const stream = await openWatchStream(transport, {
      path: "/api/v1/pods",
      query: {},
      inactivityTimeoutMs: 100,
    });
    const started = Date.now();
    await assert.rejects(
      (async () => {
        for await (const _ of stream.events) {
          // keep reading
        }
      })(),
      (error: ConnectionError) => error instanceof ConnectionError && error.code === "WATCH_IDLE_TIMEOUT",
    );
    assert.ok(Date.now() - started < 2000);
  });

  test("a connection cut mid-stream is a ConnectionError", async () => {
    respond = (res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"type":"ADDED","object":{}}\n');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const stream = await openWatchStream(transport, { path: "/api/v1/pods", query: {} });
    await assert.rejects(
      (async () => {
        for await (const _ of stream.events) {
          // keep reading
        }
      })(),
      (error: ConnectionError) => error instanceof ConnectionError,
    );
  });

  test("close() ends the iteration without an error", async () => {
    respond = (res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"type":"ADDED","object":{}}\n');
    };
    const stream = await openWatchStream(transport, { path: "/api/v1/pods", query: {} });
    let count = 0;
    for await (const _ of stream.events) {
      count++;
      stream.close();
    }
    assert.equal(count, 1);
  });
});
