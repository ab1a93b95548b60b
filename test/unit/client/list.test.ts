import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { errorFromStatus, isGone, ResponseError } from "../../../src/client/errors.ts";
import {
  checkList,
  countObjects,
  iterateItems,
  listPages,
  type ObjectList,
  type PageRequest,
  selectorString,
  toMetadataList,
} from "../../../src/client/list.ts";

interface Item {
  metadata: { name: string };
}

/** A fake server: `total` items, pages of the requested size, continue = next index (or an expired token). */
function fakeServer(
  total: number,
  options: { remaining?: boolean; expireAt?: Set<string>; freshToken?: boolean } = {},
) {
  const requests: PageRequest[] = [];
  let snapshot = 1;
  const fetch = async (page: PageRequest): Promise<ObjectList<Item>> => {
    requests.push(page);
    if (page.continue && options.expireAt?.has(page.continue)) {
      options.expireAt.delete(page.continue);
      snapshot++;
      const status = {
        kind: "Status" as const,
        apiVersion: "v1" as const,
        metadata: options.freshToken ? { continue: `${page.continue.split("@")[0]}@${snapshot}` } : {},
        status: "Failure" as const,
        message: "The provided continue parameter is too old to display a consistent list result.",
        reason: "Expired",
        code: 410,
      };
      throw errorFromStatus(status, { method: "GET", path: "/api/v1/pods" });
    }
    const start = page.continue ? Number(page.continue.split("@")[0]) : 0;
    const limit = page.limit ?? total;
    const end = Math.min(total, start + limit);
    const items = Array.from({ length: end - start }, (_, i) => ({ metadata: { name: `pod-${start + i}` } }));
    const more = end < total;
    return {
      kind: "PodList",
      apiVersion: "v1",
      metadata: {
        resourceVersion: String(snapshot),
        ...(more ? { continue: `${end}@${snapshot}` } : {}),
        ...(more && options.remaining !== false ? { remainingItemCount: total - end } : {}),
      },
      items,
    };
  };
  return { fetch, requests };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe("listPages / iterateItems", () => {
  test("pages with limit and continue, 500 by default", async () => {
    const server = fakeServer(1234);
    const items = await collect(iterateItems(server.fetch, {}));
    assert.equal(items.length, 1234);
    assert.deepEqual(
      server.requests.map((r) => [r.limit, r.continue]),
      [
        [500, undefined],
        [500, "500@1"],
        [500, "1000@1"],
      ],
    );
  });

  test("resourceVersion goes only with the first page (the token pins the snapshot)", async () => {
    const server = fakeServer(30);
    await collect(iterateItems(server.fetch, { pageSize: 10, resourceVersion: "0" }));
    assert.equal(server.requests[0].resourceVersion, "0");
    assert.ok(server.requests.slice(1).every((r) => r.resourceVersion === undefined));
  });

  test("expired continue in iterate(): continues inconsistently with the token from the 410, no duplicates", async () => {
    const server = fakeServer(30, { expireAt: new Set(["10@1"]), freshToken: true });
    const names = (await collect(iterateItems(server.fetch, { pageSize: 10 }))).map((i) => i.metadata.name);
    assert.equal(names.length, 30);
    assert.equal(new Set(names).size, 30);
    assert.deepEqual(
      server.requests.map((r) => r.continue),
      [undefined, "10@1", "10@2", "20@2"],
    );
  });

  test("expired continue in iterate() without a fresh token: the 410 is thrown", async () => {
    const server = fakeServer(30, { expireAt: new Set(["10@1"]) });
    await assert.rejects(collect(iterateItems(server.fetch, { pageSize: 10 })), (error) => isGone(error));
  });

  test("onExpired: restart starts over and flags the restarted page", async () => {
    const server = fakeServer(30, { expireAt: new Set(["20@1"]) });
    const pages = await collect(listPages(server.fetch, { pageSize: 10, onExpired: "restart" }));
    assert.deepEqual(
      pages.map((p) => [p.list.items[0].metadata.name, p.restarted]),
      [
        ["pod-0", false],
        ["pod-10", false],
        ["pod-0", true],
        ["pod-10", false],
        ["pod-20", false],
      ],
    );
  });

  test("restart gives up after maxRestarts", async () => {
    const fetch = async (page: PageRequest): Promise<ObjectList<Item>> => {
      if (page.continue)
        throw errorFromStatus(
          { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "Expired", code: 410 },
          { method: "GET", path: "/p" },
        );
      return { metadata: { continue: "next" }, items: [] };
    };
    await assert.rejects(collect(listPages(fetch, { onExpired: "restart", maxRestarts: 2 })), (error) =>
      isGone(error),
    );
  });

  test("a 410 on the first page is not retried", async () => {
    let calls = 0;
    const fetch = async (): Promise<ObjectList<Item>> => {
      calls++;
      throw errorFromStatus(
        { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "Expired", code: 410 },
        { method: "GET", path: "/p" },
      );
    };
    await assert.rejects(
      collect(
        listPages(fetch, { onExpired: "restart", resourceVersion: "5", resourceVersionMatch: "Exact" }),
      ),
    );
    assert.equal(calls, 1);
  });
});

/** The counted form of a fake's pages (what count() gets from count-items.ts). */
const counted =
  <T>(fetch: (page: PageRequest) => Promise<ObjectList<T>>) =>
  async (page: PageRequest) => {
    const list = await fetch(page);
    return { metadata: list.metadata, count: list.items.length };
  };

describe("countObjects", () => {
  test("one request with limit=1 when the server reports remainingItemCount", async () => {
    const server = fakeServer(5000);
    assert.equal(await countObjects(server.fetch, counted(server.fetch)), 5000);
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0].limit, 1);
  });

  test("one request when everything fits", async () => {
    const server = fakeServer(1);
    assert.equal(await countObjects(server.fetch, counted(server.fetch)), 1);
    const empty = fakeServer(0);
    assert.equal(await countObjects(empty.fetch, counted(empty.fetch)), 0);
    assert.equal(empty.requests.length, 1);
  });

  test("falls back to paging (a selector hides remainingItemCount)", async () => {
    const server = fakeServer(1234, { remaining: false });
    assert.equal(await countObjects(server.fetch, counted(server.fetch)), 1234);
    assert.deepEqual(
      server.requests.map((r) => r.limit),
      [1, 500, 500, 500],
    );
  });

  test("restarts on an expired continue without double counting", async () => {
    const server = fakeServer(1200, { remaining: false, expireAt: new Set(["1000@1"]) });
    assert.equal(await countObjects(server.fetch, counted(server.fetch)), 1200);
  });

  test("memory does not grow with the number of objects: at most the current and previous page are alive", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const total = 20_000;
    const pages: WeakRef<object>[] = [];
    let maxAlive = 0;
    const fetch = async (page: PageRequest): Promise<ObjectList<Item>> => {
      // WeakRef targets stay alive until the current job ends: let it end, then collect.
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      maxAlive = Math.max(maxAlive, pages.filter((ref) => ref.deref() !== undefined).length);
      const start = page.continue ? Number(page.continue) : 0;
      const end = Math.min(total, start + (page.limit ?? total));
      const list: ObjectList<Item> = {
        metadata: end < total ? { continue: String(end) } : {},
        items: Array.from({ length: end - start }, (_, i) => ({ metadata: { name: `p${start + i}` } })),
      };
      pages.push(new WeakRef(list));
      return list;
    };
    assert.equal(await countObjects(fetch, counted(fetch)), total);
    assert.ok(pages.length > 40, `${pages.length} pages`);
    assert.ok(maxAlive <= 2, `${maxAlive} pages were alive at once`);
  });
});

describe("helpers", () => {
  test("selectorString", () => {
    assert.equal(selectorString({ app: "web", tier: "front" }), "app=web,tier=front");
    assert.equal(selectorString("app in (a,b)"), "app in (a,b)");
    assert.equal(selectorString({}), undefined);
    assert.equal(selectorString(undefined), undefined);
  });

  test("toMetadataList trims full objects when the server ignored as=PartialObjectMetadataList", () => {
    const list = toMetadataList({
      kind: "PodList",
      apiVersion: "v1",
      metadata: { resourceVersion: "7" },
      items: [{ metadata: { name: "a", labels: { x: "y" } }, spec: { containers: [] } }],
    });
    assert.equal(list.kind, "PartialObjectMetadataList");
    assert.deepEqual(list.items[0], {
      apiVersion: "meta.k8s.io/v1",
      kind: "PartialObjectMetadata",
      metadata: { name: "a", labels: { x: "y" } },
    });
    assert.equal(list.metadata.resourceVersion, "7");
  });
});

describe("checkList", () => {
  const context = { method: "GET", path: "/api/v1/pods" };

  test("items: null (Go's empty slice in a PartialObjectMetadataList) becomes []", () => {
    const list = checkList({ kind: "PartialObjectMetadataList", metadata: {}, items: null }, context);
    assert.deepEqual(list.items, []);
  });

  test("remainingItemCount must be a non-negative integer", () => {
    for (const bad of [-6, 1.5, "7", Number.MAX_SAFE_INTEGER + 2]) {
      assert.throws(
        () => checkList({ metadata: { continue: "x", remainingItemCount: bad }, items: [] }, context),
        (error: unknown) =>
          error instanceof ResponseError &&
          error.code === "INVALID_RESPONSE" &&
          error.message.includes("GET /api/v1/pods") &&
          error.message.includes(`remainingItemCount is ${JSON.stringify(bad)}`),
      );
    }
    const ok = checkList({ metadata: { continue: "x", remainingItemCount: 0 }, items: [] }, context);
    assert.equal(ok.metadata.remainingItemCount, 0);
  });

  test("a body that is not a list object, or items that are not an array, is a clear error", () => {
    for (const bad of [null, 7, [], { items: {} }]) {
      assert.throws(() => checkList(bad, context), /is not a usable list/);
    }
  });
});
