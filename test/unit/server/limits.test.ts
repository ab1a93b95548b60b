import assert from "node:assert/strict";
import { test } from "node:test";
import { watchTimeoutMs } from "../../../src/server/handlers/watch.ts";
import { defaultLimits, InflightLimiter, isLongRunning } from "../../../src/server/http/limits.ts";
import { parseRequestInfo } from "../../../src/server/http/request-info.ts";

const info = (method: string, path: string, query = "") =>
  parseRequestInfo(method, path, new URLSearchParams(query));
const user = { username: "u", groups: ["system:authenticated"] };
const master = { username: "admin", groups: ["system:masters", "system:authenticated"] };

test("kube-apiserver's long-running requests: watch, proxy, and the attach/exec/log/portforward subresources", () => {
  assert.equal(isLongRunning(info("GET", "/api/v1/pods", "watch=true")), true);
  assert.equal(isLongRunning(info("GET", "/api/v1/namespaces/d/pods/p/log")), true);
  assert.equal(isLongRunning(info("POST", "/api/v1/namespaces/d/pods/p/exec")), true);
  assert.equal(isLongRunning(info("GET", "/api/v1/namespaces/d/pods/p")), false);
  assert.equal(isLongRunning(info("GET", "/api/v1/pods")), false);
  assert.equal(isLongRunning(info("GET", "/healthz")), false);
});

test("read-only and mutating requests have separate limits; release frees the slot once", () => {
  const limiter = new InflightLimiter({
    ...defaultLimits(),
    maxRequestsInflight: 2,
    maxMutatingRequestsInflight: 1,
  });
  const list = info("GET", "/api/v1/pods");
  const create = info("POST", "/api/v1/namespaces/d/configmaps");
  const a = limiter.admit(list, user);
  const b = limiter.admit(list, user);
  assert.ok(a && b);
  assert.equal(limiter.admit(list, user), undefined);
  const m = limiter.admit(create, user);
  assert.ok(m);
  assert.equal(limiter.admit(create, user), undefined);
  assert.ok(limiter.admit(create, master), "system:masters is served when the limit is reached");
  assert.ok(limiter.admit(info("GET", "/api/v1/pods", "watch=1"), user), "watches are exempt");
  a();
  a();
  assert.ok(limiter.admit(list, user));
  assert.equal(limiter.admit(list, user), undefined, "a double release must not free two slots");
});

test("a limit of 0 means unlimited", () => {
  const limiter = new InflightLimiter({ ...defaultLimits(), maxRequestsInflight: 0 });
  for (let i = 0; i < 1000; i++) assert.ok(limiter.admit(info("GET", "/api/v1/pods"), user));
});

test("watch timeoutSeconds: 0 or absent → min-request-timeout ×[1,2); huge values fit Node's timers", () => {
  for (const t of [null, "0", "", "-5"]) {
    const ms = watchTimeoutMs(t, 1800);
    assert.ok(ms >= 1_800_000 && ms < 3_600_000, `${t} → ${ms}`);
  }
  assert.equal(watchTimeoutMs("30", 1800), 30_000);
  assert.equal(watchTimeoutMs("2147484", 1800), 2 ** 31 - 1);
  assert.equal(watchTimeoutMs("99999999999", 1800), 2 ** 31 - 1);
});
