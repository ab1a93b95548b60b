// pods/log options through the real server: validation as ValidatePodLogOptions answers it, and tailLines,
// limitBytes, sinceSeconds and timestamps served by the runtime's log store, via kubectl too.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { PodLogStore } from "../../src/kubelet/logs.ts";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
let dir: string;
let store: PodLogStore;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "pod-logs-api-"));
  store = new PodLogStore(dir);
  c = await startTestCluster({ podLogs: store });
  const created = await c.admin("POST", "/api/v1/namespaces/default/pods", {
    metadata: { name: "logger" },
    spec: { nodeName: "elsewhere", containers: [{ name: "c", image: "x" }] },
  });
  assert.equal(created.status, 201, created.text);
  const uid = created.json.metadata.uid;
  const writer = store.openInstance({
    namespace: "default",
    pod: "logger",
    uid,
    container: "c",
    containerID: "id-1",
    restartCount: 0,
  });
  store.setStatuses("default", "logger", uid, [
    {
      name: "c",
      image: "x",
      imageID: "",
      restartCount: 0,
      ready: true,
      containerID: "id-1",
      state: { running: {} },
    },
  ]);
  writer.write("stdout", Buffer.from("one\ntwo\nthree\n"));
  await writer.close();
});

after(async () => {
  await c?.stop();
  await rm(dir, { recursive: true, force: true });
});

const log = (query: string) => c.admin("GET", `/api/v1/namespaces/default/pods/logger/log?${query}`);

test("invalid log options are 422 PodLogOptions with upstream's causes", async () => {
  const cases: [string, string][] = [
    [
      "tailLines=-1",
      'PodLogOptions "logger" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      "limitBytes=0",
      'PodLogOptions "logger" is invalid: limitBytes: Invalid value: 0: must be greater than 0',
    ],
    [
      "sinceSeconds=0",
      'PodLogOptions "logger" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0',
    ],
    [
      "sinceSeconds=5&sinceTime=2025-01-01T00:00:00Z",
      'PodLogOptions "logger" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified',
    ],
  ];
  for (const [query, message] of cases) {
    const r = await log(query);
    assert.equal(r.status, 422, query);
    assert.equal(r.json.reason, "Invalid");
    assert.equal(r.json.message, message);
  }
  // The parameter codec's errors as they are (no field name), in PodLogOptions' field order.
  const bad = await log("tailLines=two");
  assert.equal(bad.status, 400);
  assert.equal(bad.json.message, 'strconv.ParseInt: parsing "two": invalid syntax');
  const time = await log("tailLines=two&sinceTime=yesterday");
  assert.equal(time.status, 400);
  assert.equal(
    time.json.message,
    'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
  );
});

test("tailLines, limitBytes, sinceSeconds and timestamps", async () => {
  assert.equal((await log("tailLines=2")).text, "two\nthree\n");
  assert.equal((await log("limitBytes=5")).text, "one\nt");
  assert.equal((await log("sinceSeconds=3600")).text, "one\ntwo\nthree\n");
  assert.match((await log("tailLines=1&timestamps=true")).text, /^\d{4}-\d\d-\d\dT[\d:]+\.\d{9}Z three\n$/);
  const kubectl = await c.kubectl(["logs", "logger", "--tail=2", "--limit-bytes=6"]);
  assert.equal(kubectl.code, 0, kubectl.stderr);
  assert.equal(kubectl.stdout, "two\nth");
});

test("log options are decoded and validated before the Pod is looked up (getRequestOptions, LogREST.Get)", async () => {
  const created = await c.admin("POST", "/api/v1/namespaces/default/pods", {
    metadata: { name: "unscheduled" },
    spec: { containers: [{ name: "c", image: "x" }] },
  });
  assert.equal(created.status, 201, created.text);
  const get = (pod: string, query: string) =>
    c.admin("GET", `/api/v1/namespaces/default/pods/${pod}/log?${query}`);
  assert.equal((await get("unscheduled", "")).status, 204, "no log location yet");
  const bad = await get("unscheduled", "sinceTime=yesterday");
  assert.equal(bad.status, 400, bad.text);
  const invalid = await get("unscheduled", "tailLines=-1");
  assert.equal(invalid.status, 422, invalid.text);
  assert.equal((await get("missing", "limitBytes=x")).status, 400);
});
