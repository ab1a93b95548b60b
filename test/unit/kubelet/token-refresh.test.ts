import assert from "node:assert/strict";
import { test } from "node:test";
import type { IssuedToken } from "../../../src/client/index.ts";
import { TokenManager, type TokenSpec } from "../../../src/kubelet/token-manager.ts";
import { refreshDueAt, refreshJitterMs, requiresRefresh } from "../../../src/kubelet/token-refresh.ts";

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const T0 = Date.parse("2025-01-01T00:00:00Z");

/** A token issued at T0 for `seconds`, as the TokenRequest status reports it. */
const issuedAt = (seconds: number) => ({
  expirationTimestamp: new Date(T0 + seconds * S),
  expirationSeconds: seconds,
});

test("a 3607 s pod token is refreshed once older than 80 % of its TTL", () => {
  const token = issuedAt(3607);
  // 20 % of 3607 s is 721 s (Go integer division): refresh after 2886 s.
  assert.equal(requiresRefresh(token, T0 + 2886 * S, 0), false);
  assert.equal(requiresRefresh(token, T0 + 2886 * S + 1, 0), true);
  assert.equal(refreshDueAt(token).getTime(), T0 + 2886 * S);
});

test("jitter brings the refresh forward by up to 10 s", () => {
  const token = issuedAt(600);
  assert.equal(requiresRefresh(token, T0 + 475 * S, 0), false);
  assert.equal(requiresRefresh(token, T0 + 475 * S, 9 * S), true);
});

test("long-lived tokens are refreshed after 24 h at the latest", () => {
  const token = issuedAt(7 * 24 * 3600);
  assert.equal(requiresRefresh(token, T0 + 24 * H, 0), false);
  assert.equal(requiresRefresh(token, T0 + 24 * H + 1, 0), true);
  assert.equal(refreshDueAt(token).getTime(), T0 + 24 * H);
});

test("a clock that went backwards before the issue time forces a refresh", () => {
  assert.equal(requiresRefresh(issuedAt(3600), T0 - 1, 0), true);
});

test("jitter is whole seconds in [0, 10)", () => {
  assert.equal(
    refreshJitterMs(() => 0),
    0,
  );
  assert.equal(
    refreshJitterMs(() => 0.999),
    9000,
  );
  assert.equal(
    refreshJitterMs(() => 0.55),
    5000,
  );
});

function fakeRequester(now: () => number) {
  const calls: TokenSpec[] = [];
  let fail = false;
  const request = async (spec: TokenSpec): Promise<IssuedToken> => {
    calls.push(spec);
    if (fail) throw new Error("connection refused");
    const issued = {
      expirationTimestamp: new Date(now() + spec.expirationSeconds * S),
      audiences: [],
    } as unknown as IssuedToken;
    Object.defineProperty(issued, "token", { value: `token-${calls.length}` });
    return issued;
  };
  return { request, calls, setFailing: (f: boolean) => (fail = f) };
}

test("TokenManager caches per spec and refreshes by the rule on its clock", async () => {
  let now = T0;
  const fake = fakeRequester(() => now);
  const tokens = new TokenManager(fake.request, { clock: { now: () => now }, random: () => 0 });
  const spec: TokenSpec = {
    namespace: "ns",
    serviceAccount: "sa",
    audiences: [],
    expirationSeconds: 3607,
    pod: { name: "p", uid: "u1" },
  };
  assert.equal(await tokens.get(spec), "token-1");
  now += 40 * MIN;
  assert.equal(await tokens.get(spec), "token-1");
  assert.equal(
    await tokens.get({ ...spec, audiences: ["vault"] }),
    "token-2",
    "another audience is another token",
  );
  now += 9 * MIN; // 49 min: past 80 % of 3607 s
  assert.equal(await tokens.get(spec), "token-3");
  assert.equal(fake.calls.length, 3);
  tokens.forgetPod("u1");
  assert.equal(await tokens.get(spec), "token-4");
});

test("a failed refresh keeps serving the old token while it is valid, then fails", async () => {
  let now = T0;
  const fake = fakeRequester(() => now);
  const tokens = new TokenManager(fake.request, { clock: { now: () => now }, random: () => 0 });
  const spec: TokenSpec = { namespace: "ns", serviceAccount: "sa", audiences: [], expirationSeconds: 600 };
  assert.equal(await tokens.get(spec), "token-1");
  fake.setFailing(true);
  now += 9 * MIN;
  assert.equal(await tokens.get(spec), "token-1");
  now += 2 * MIN;
  await assert.rejects(
    tokens.get(spec),
    /^Error: token for ns\/sa expired and refresh failed: connection refused$/,
  );
});
