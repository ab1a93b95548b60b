// Responses a whole list's worth large are streamed as the client reads them, never assembled whole: a big
// list is sent chunked, and a watch's initial events (resourceVersion 0 or sendInitialEvents=true) wait for
// the client, with the live events that happen meanwhile following them, in order, after the
// initial-events-end bookmark.
import assert from "node:assert/strict";
import https from "node:https";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const NS = "stream";
const COUNT = 40;
// 40 × 800 KB = 32 MB: well past the 1 MB the server queues before waiting, and past what loopback's
// socket buffers absorb.
const FILLER = "x".repeat(800 * 1024);

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: NS } });
  for (let i = 0; i < COUNT; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, j) =>
        c.admin("POST", `/api/v1/namespaces/${NS}/configmaps`, {
          metadata: { name: `cm-${i + j}` },
          data: { filler: FILLER },
        }),
      ),
    );
  }
});
after(() => c.stop());

test("a client that reads slowly gets every initial event, the bookmark, then what changed meanwhile", async () => {
  const events: { type: string; object: any }[] = [];
  let paused = 0;
  await new Promise<void>((resolve, reject) => {
    const req = https.request(
      `${c.server.url}/api/v1/namespaces/${NS}/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=120`,
      { ca: c.server.caPem, cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
      (res) => {
        assert.equal(res.statusCode, 200);
        let buf = "";
        let first = true;
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          buf += d;
          if (first) {
            // Stop reading while the initial events stream, and write meanwhile.
            first = false;
            res.pause();
            paused++;
            c.admin("PUT", `/api/v1/namespaces/${NS}/configmaps/cm-0`, {
              metadata: { name: "cm-0" },
              data: { filler: "changed" },
            })
              .then((r) => {
                assert.equal(r.status, 200, r.text);
                setTimeout(() => res.resume(), 300);
              })
              .catch(reject);
          }
          let nl = buf.indexOf("\n");
          while (nl >= 0) {
            const event = JSON.parse(buf.slice(0, nl));
            events.push(event);
            buf = buf.slice(nl + 1);
            nl = buf.indexOf("\n");
            // Done at the change made meanwhile (a short timeoutSeconds could end the watch first under load).
            if (event.type === "MODIFIED" && event.object.metadata.name === "cm-0") {
              req.destroy();
              resolve();
            }
          }
        });
        res.on("end", resolve);
      },
    );
    req.on("error", reject);
    req.end();
  });
  assert.equal(paused, 1);
  const listed = (await c.admin("GET", `/api/v1/namespaces/${NS}/configmaps`)).json.items.length;
  assert.equal(listed, COUNT + 1, "ours and kube-root-ca.crt");
  const types = events.map((e) => e.type);
  const end = types.indexOf("BOOKMARK");
  assert.equal(end, listed, "the bookmark comes right after every initial ADDED");
  assert.deepEqual(new Set(types.slice(0, listed)), new Set(["ADDED"]));
  assert.equal(events[end].object.metadata.annotations["k8s.io/initial-events-end"], "true");
  const names = new Set(events.slice(0, listed).map((e) => e.object.metadata.name));
  assert.equal(names.size, listed);
  const modified = events.slice(end + 1).filter((e) => e.type === "MODIFIED");
  assert.equal(modified.length, 1, JSON.stringify(types.slice(end + 1)));
  assert.equal(modified[0].object.data.filler, "changed");
  assert.ok(
    Number(modified[0].object.metadata.resourceVersion) > Number(events[end].object.metadata.resourceVersion),
  );
});

test("initial events wait for the client: one that reads nothing until the watch times out gets only part", async () => {
  let text = "";
  await new Promise<void>((resolve, reject) => {
    const req = https.request(
      `${c.server.url}/api/v1/namespaces/${NS}/configmaps?watch=true&resourceVersion=0&timeoutSeconds=1`,
      { ca: c.server.caPem, cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
      (res) => {
        res.pause(); // read nothing until well after the 1 s timeout
        setTimeout(() => {
          res.setEncoding("utf8");
          res.on("data", (d: string) => {
            text += d;
          });
          res.on("end", resolve);
          res.resume();
        }, 2500);
      },
    );
    req.on("error", reject);
    req.end();
  });
  const added = text.split("\n").filter((l) => l.startsWith('{"type":"ADDED"')).length;
  // Had the server queued the whole list at once, all of it would arrive; it stopped once the socket was full.
  assert.ok(added > 0 && added < COUNT, `${added} initial events`);
});

test("a list bigger than 16 MB is streamed chunked and is the same list", async () => {
  const whole = await c.admin("GET", `/api/v1/namespaces/${NS}/configmaps`);
  assert.equal(whole.status, 200);
  assert.equal(whole.headers["transfer-encoding"], "chunked");
  assert.equal(whole.headers["content-length"], undefined);
  assert.equal(whole.json.kind, "ConfigMapList");
  const names = whole.json.items.map((i: any) => i.metadata.name).sort();
  const paged: string[] = [];
  let cont = "";
  do {
    const page = await c.admin(
      "GET",
      `/api/v1/namespaces/${NS}/configmaps?limit=7${cont ? `&continue=${cont}` : ""}`,
    );
    assert.equal(page.headers["content-length"] !== undefined, true, "small pages keep one buffer");
    paged.push(...page.json.items.map((i: any) => i.metadata.name));
    cont = page.json.metadata.continue ?? "";
  } while (cont);
  assert.deepEqual(names, paged.sort());
  assert.equal(whole.json.metadata.resourceVersion.length > 0, true);
});
