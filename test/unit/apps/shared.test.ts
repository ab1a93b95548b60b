// The shared app plumbing: durations, local timestamps, failure descriptions and their once-only reports,
// metric labels, the metrics registry, the probe server, log formats, coalescing and pauses.
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, test } from "node:test";
import { apiResourceLabel } from "../../../src/apps/shared/api-path-label.ts";
import { coalesce } from "../../../src/apps/shared/coalesce.ts";
import { parseDuration } from "../../../src/apps/shared/duration.ts";
import { EXIT } from "../../../src/apps/shared/exit-codes.ts";
import { FailureReporter } from "../../../src/apps/shared/failure-reporter.ts";
import { describeFailure } from "../../../src/apps/shared/failures.ts";
import { informersReadiness } from "../../../src/apps/shared/informer-readiness.ts";
import { createLogger } from "../../../src/apps/shared/logger.ts";
import { AppMetrics } from "../../../src/apps/shared/metrics.ts";
import { startProbeServer } from "../../../src/apps/shared/probe-server.ts";
import { ResultPrinter } from "../../../src/apps/shared/result-printer.ts";
import { pause } from "../../../src/apps/shared/shutdown.ts";
import { localTimestamp, unknownTimeZoneWarning } from "../../../src/apps/shared/time.ts";
import { errorFromResponse } from "../../../src/client/errors.ts";
import { ConfigError, ConnectionError, loadForbiddenFix } from "../../../src/client/index.ts";

const FORBIDDEN_BODY = JSON.stringify({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message:
    'pods is forbidden: User "system:serviceaccount:test-in-cluster:default" cannot list resource "pods" in API group "" at the cluster scope',
  reason: "Forbidden",
  details: { kind: "pods" },
  code: 403,
});
const forbidden = () => errorFromResponse(403, FORBIDDEN_BODY, { method: "GET", path: "/api/v1/pods" });

/** A stream that keeps what was written, line by line. */
function capture(): { stream: PassThrough; lines: () => string[] } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk) => {
    text += chunk;
  });
  return { stream, lines: () => text.split("\n").filter(Boolean) };
}

function withTimeZone<T>(tz: string, fn: () => T): T {
  const previous = process.env.TZ;
  process.env.TZ = tz;
  try {
    return fn();
  } finally {
    if (previous === undefined) delete process.env.TZ;
    else process.env.TZ = previous;
  }
}

describe("parseDuration", () => {
  test("Go-style durations and bare seconds", () => {
    assert.equal(parseDuration("10s"), 10_000);
    assert.equal(parseDuration("1m30s"), 90_000);
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("1.5h"), 5_400_000);
    assert.equal(parseDuration("2"), 2000);
  });
  test("rejects anything else", () => {
    for (const bad of ["", "ten", "10 s", "5d", "1m-", "s"]) {
      assert.throws(() => parseDuration(bad), /invalid duration/);
    }
  });
});

describe("localTimestamp", () => {
  const date = new Date("2017-02-20T06:19:13Z");
  test("RFC 3339 in the zone TZ names (seed 002: a Pod in Asia/Shanghai)", () => {
    assert.equal(
      withTimeZone("Asia/Shanghai", () => localTimestamp(date)),
      "2017-02-20T14:19:13+08:00",
    );
    assert.equal(
      withTimeZone("America/New_York", () => localTimestamp(date)),
      "2017-02-20T01:19:13-05:00",
    );
    assert.equal(
      withTimeZone("Asia/Kolkata", () => localTimestamp(date)),
      "2017-02-20T11:49:13+05:30",
    );
    assert.equal(
      withTimeZone("UTC", () => localTimestamp(date)),
      "2017-02-20T06:19:13Z",
    );
  });
  test("an unknown TZ is reported, known ones are not", () => {
    assert.match(
      unknownTimeZoneWarning("Mars/Olympus") ?? "",
      /TZ=Mars\/Olympus is not a known IANA time zone/,
    );
    assert.equal(unknownTimeZoneWarning("Europe/Berlin"), undefined);
    assert.equal(unknownTimeZoneWarning(undefined), undefined);
  });
});

describe("describeFailure", () => {
  test("403: exit 3, the server's sentence as summary, the least-privilege fix as explanation", async () => {
    await loadForbiddenFix(); // the client's transport loads it before throwing a 403
    const failure = describeFailure(forbidden());
    assert.equal(failure.kind, "forbidden");
    assert.equal(failure.exitCode, EXIT.forbidden);
    assert.match(failure.summary, /^403 Forbidden: pods is forbidden: User/);
    assert.match(failure.explanation, /kubectl create clusterrolebinding test-in-cluster-default-pods/);
  });
  test("401, configuration, connection and unexpected errors", () => {
    const unauthorized = errorFromResponse(401, "", {
      method: "GET",
      path: "/api/v1/pods",
      credentialsSent: true,
    });
    assert.equal(describeFailure(unauthorized).exitCode, EXIT.unauthorized);
    assert.match(describeFailure(unauthorized).explanation, /^401 Unauthorized on GET \/api\/v1\/pods/);
    const config = describeFailure(new ConfigError("no Kubernetes configuration found", ["~/.kube/config"]));
    assert.equal(config.exitCode, EXIT.config);
    assert.match(config.explanation, /Looked at:\n {2}- ~\/.kube\/config\n.*npm start/s);
    const refused = new ConnectionError("connect ECONNREFUSED", {
      code: "ECONNREFUSED",
      method: "GET",
      path: "/api/v1/pods",
      server: "https://10.96.0.1",
    });
    assert.equal(describeFailure(refused).exitCode, EXIT.unavailable);
    assert.match(describeFailure(refused).explanation, /Nothing is listening/);
    assert.equal(describeFailure(new Error("boom")).exitCode, EXIT.failure);
  });
});

describe("FailureReporter", () => {
  test("explains a problem once, repeats at debug level, announces recovery", () => {
    const out = capture();
    const reporter = new FailureReporter(createLogger({ format: "json", level: "debug", out: out.stream }));
    reporter.failed(forbidden(), 1000);
    reporter.failed(forbidden(), 2000);
    reporter.failed(forbidden(), 4000);
    reporter.succeeded();
    reporter.succeeded();
    const records = out.lines().map((line) => JSON.parse(line));
    assert.deepEqual(
      records.map((r) => [r.level, r.msg.split("\n")[0].slice(0, 40)]),
      [
        ["error", "403 Forbidden on GET /api/v1/pods: pods "],
        ["debug", "still failing: 403 Forbidden: pods is fo"],
        ["debug", "still failing: 403 Forbidden: pods is fo"],
        ["info", "recovered after 3 failed attempts (forbi"],
      ],
    );
    assert.match(records[0].msg, /Least-privilege fix:[\s\S]*not ready until this succeeds\.$/);
    assert.equal(records[0].retryInSeconds, 1);
  });
});

describe("logs", () => {
  test("human: local-time timestamp, level, message with fields on its first line", () => {
    const out = capture();
    withTimeZone("Asia/Shanghai", () => {
      createLogger({ format: "human", out: out.stream }).warn({ port: 9090 }, "first line\nsecond line");
    });
    const [first, second] = out.lines();
    assert.match(first, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00 WARN {2}first line port=9090$/);
    assert.equal(second, "second line");
  });
});

test("ResultPrinter: sentences with optional timestamps, or one JSON object per line", () => {
  const now = new Date("2017-02-20T06:19:13Z");
  const text = capture();
  withTimeZone("Asia/Shanghai", () => {
    new ResultPrinter({ format: "text", timestamps: true, out: text.stream }).print(
      "There are 3 pods",
      {},
      now,
    );
  });
  new ResultPrinter({ format: "text", timestamps: false, out: text.stream }).print(
    "There are 3 pods",
    {},
    now,
  );
  assert.deepEqual(text.lines(), ["2017-02-20T14:19:13+08:00 There are 3 pods", "There are 3 pods"]);
  const json = capture();
  new ResultPrinter({ format: "json", timestamps: true, out: json.stream }).print(
    "ignored",
    { count: 3 },
    now,
  );
  assert.deepEqual(
    json.lines().map((l) => JSON.parse(l)),
    [{ time: "2017-02-20T06:19:13.000Z", count: 3 }],
  );
});

test("apiResourceLabel: no namespaces or names in metric labels", () => {
  assert.equal(apiResourceLabel("/api/v1/pods"), "pods");
  assert.equal(apiResourceLabel("/api/v1/namespaces/shop/pods"), "pods");
  assert.equal(apiResourceLabel("/api/v1/namespaces/shop/pods/web-1/log"), "pods/log");
  assert.equal(apiResourceLabel("/api/v1/namespaces/shop"), "namespaces");
  assert.equal(apiResourceLabel("/api/v1/namespaces"), "namespaces");
  assert.equal(
    apiResourceLabel("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices"),
    "endpointslices.discovery.k8s.io",
  );
  assert.equal(apiResourceLabel("/apis/apps/v1"), "discovery");
  assert.equal(apiResourceLabel("/version?timeout=32s"), "/version");
});

describe("AppMetrics and the probe server", () => {
  test("request metrics, token reloads, watch restarts and readiness in the exposition", async () => {
    const metrics = new AppMetrics();
    metrics.onRequest({
      method: "GET",
      path: "/api/v1/namespaces/a/pods",
      status: 200,
      durationMs: 12,
      retries: 0,
      rateLimitWaitMs: 0,
    });
    metrics.onRequest({
      method: "GET",
      path: "/api/v1/pods",
      status: 403,
      durationMs: 3,
      retries: 0,
      rateLimitWaitMs: 0,
    });
    metrics.onRequest({
      method: "GET",
      path: "/api/v1/pods",
      status: 0,
      error: "ECONNREFUSED",
      durationMs: 1,
      retries: 5,
      rateLimitWaitMs: 0,
    });
    for (const token of ["t1", "t1", "t2", undefined, "t3"]) metrics.observeToken(token);
    const watch = { restarts: 2 };
    metrics.trackWatch("pods", watch);
    metrics.setReadiness(() => ({ ready: watch.restarts > 0 }));
    const text = await metrics.registry.metrics();
    assert.match(
      text,
      /^incluster_api_request_duration_seconds_count\{method="GET",resource="pods",code="200"\} 1$/m,
    );
    assert.match(text, /^incluster_api_request_errors_total\{method="GET",resource="pods",code="403"\} 1$/m);
    assert.match(
      text,
      /^incluster_api_request_errors_total\{method="GET",resource="pods",code="ECONNREFUSED"\} 1$/m,
    );
    assert.doesNotMatch(text, /incluster_api_request_errors_total\{[^}]*code="200"/);
    assert.match(text, /^incluster_token_reloads_total 2$/m);
    assert.match(text, /^incluster_watch_restarts_total\{watch="pods"\} 2$/m);
    assert.match(text, /^incluster_ready 1$/m);
    assert.match(text, /^nodejs_eventloop_lag_seconds /m);
    watch.restarts = 3;
    assert.match(await metrics.registry.metrics(), /^incluster_watch_restarts_total\{watch="pods"\} 3$/m);
  });

  test("/healthz always ok, /readyz follows readiness with its reason, /metrics, 404 otherwise", async () => {
    const metrics = new AppMetrics();
    const server = await startProbeServer({ port: 0, host: "127.0.0.1", metrics });
    const get = async (path: string, method = "GET") => {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
      return {
        status: response.status,
        text: await response.text(),
        type: response.headers.get("content-type"),
      };
    };
    try {
      metrics.setReadiness({ ready: false, reason: "403 Forbidden: pods is forbidden" });
      assert.deepEqual(await get("/readyz"), {
        status: 503,
        text: "not ready: 403 Forbidden: pods is forbidden\n",
        type: "text/plain; charset=utf-8",
      });
      assert.equal((await get("/healthz")).status, 200);
      metrics.setReadiness({ ready: true });
      assert.equal((await get("/readyz")).text, "ok\n");
      assert.equal((await get("/readyz", "HEAD")).status, 200);
      const scrape = await get("/metrics");
      assert.match(scrape.type ?? "", /^text\/plain; version=0\.0\.4/);
      assert.match(scrape.text, /^incluster_ready 1$/m);
      assert.equal((await get("/nope")).status, 404);
      assert.equal((await get("/healthz", "POST")).status, 405);
    } finally {
      await server.close();
    }
  });
});

describe("timing helpers", () => {
  test("coalesce: a burst becomes one call, no later than the window", async () => {
    let calls = 0;
    const changes = coalesce(30, () => calls++);
    for (let i = 0; i < 10; i++) changes.schedule();
    await pause(60, new AbortController().signal);
    assert.equal(calls, 1);
    changes.schedule();
    changes.cancel();
    await pause(60, new AbortController().signal);
    assert.equal(calls, 1);
  });
  test("pause ends early when the signal fires", async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await pause(10_000, controller.signal);
    assert.ok(Date.now() - started < 1000);
  });
});

test("informersReadiness: ready when all are synced, else the failing one's error", () => {
  const synced = { state: "synced", lastError: undefined };
  const starting = { state: "starting", lastError: undefined };
  const failing = { state: "backoff", lastError: new Error("pods is forbidden") };
  assert.deepEqual(informersReadiness([synced, synced], "pods"), { ready: true });
  assert.deepEqual(informersReadiness([synced, starting], "the first list of pods"), {
    ready: false,
    reason: "waiting for the first list of pods",
  });
  assert.deepEqual(informersReadiness([starting, failing], "pods"), {
    ready: false,
    reason: "pods is forbidden",
  });
});
