// Admission webhooks and ValidatingAdmissionPolicy on the real server: a webhook HTTPS server in this
// process (its own CA, handed to the server as caBundle) denies and mutates Pods; failure policies,
// timeouts, dry runs and TLS trust are exercised against it; a policy limits Deployment replicas.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import {
  createCertificateAuthority,
  generateCertificateKey,
  issueKeyAndCertificate,
  privateKeyPem,
} from "../../src/server/pki/certificates.ts";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

interface Review {
  apiVersion: string;
  kind: string;
  request: Record<string, any>;
}

let c: TestCluster;
let hook: Server;
let hookPort: number;
let caBundle: string;
let otherCaBundle: string;
const reviews: { path: string; review: Review }[] = [];

function respond(review: Review, response: Record<string, unknown>) {
  return JSON.stringify({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: { uid: review.request.uid, ...response },
  });
}

/** The webhook server: /deny refuses Pods labelled deny=true, /mutate labels them, /slow never answers in time. */
function handle(path: string, review: Review): string | undefined {
  const labels = review.request.object?.metadata?.labels ?? {};
  switch (path) {
    case "/deny":
      if (labels.deny === "true")
        return respond(review, {
          allowed: false,
          status: { code: 403, message: "pods labelled deny=true are not allowed" },
        });
      return respond(review, { allowed: true, warnings: ["looked at it"] });
    case "/mutate": {
      const patch = review.request.object?.metadata?.labels
        ? [{ op: "add", path: "/metadata/labels/mutated", value: "yes" }]
        : [{ op: "add", path: "/metadata/labels", value: { mutated: "yes" } }];
      return respond(review, {
        allowed: true,
        patchType: "JSONPatch",
        patch: Buffer.from(JSON.stringify(patch)).toString("base64"),
      });
    }
    case "/mutate-weird": {
      const op =
        labels.weird === "type"
          ? { op: "add", path: "/spec/restartPolicy", value: 5 }
          : { op: "add", path: "/spec/bogus", value: 1 };
      return respond(review, {
        allowed: true,
        patchType: "JSONPatch",
        patch: Buffer.from(JSON.stringify([op])).toString("base64"),
      });
    }
    case "/slow":
      return undefined;
    default:
      return respond(review, { allowed: true });
  }
}

before(async () => {
  c = await startTestCluster();
  const caKey = await generateCertificateKey();
  const caCert = await createCertificateAuthority(caKey, "webhook-test-ca", 1);
  const ca = { certPem: caCert, keyPem: privateKeyPem(caKey) };
  caBundle = Buffer.from(caCert).toString("base64");
  const otherKey = await generateCertificateKey();
  otherCaBundle = Buffer.from(await createCertificateAuthority(otherKey, "unrelated-ca", 1)).toString(
    "base64",
  );
  const serving = await issueKeyAndCertificate(ca, {
    subject: { commonName: "webhook" },
    usage: "serverAuth",
    hosts: ["127.0.0.1", "hooks.webhook-system.svc"],
    days: 1,
  });
  hook = createServer({ key: serving.keyPem, cert: serving.certPem }, (req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "https://x");
      const review = JSON.parse(body) as Review;
      reviews.push({ path: url.pathname, review });
      if (url.pathname === "/endless") {
        // A response that never ends: 1 MiB chunks for as long as the client reads.
        res.writeHead(200, { "Content-Type": "application/json" });
        const chunk = Buffer.alloc(1024 * 1024, " ");
        const more = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once("drain", more);
        };
        return more();
      }
      const answer = handle(url.pathname, review);
      if (answer === undefined) return; // /slow: hold the connection open
      res.writeHead(200, { "Content-Type": "application/json" }).end(answer);
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
  hookPort = (hook.address() as AddressInfo).port;
});

after(async () => {
  hook.closeAllConnections();
  await new Promise((r) => hook.close(r));
  await c.stop();
});

const VWC = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations";
const MWC = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations";

/** A webhook for Pods carrying the label test=<selector>, so tests do not see each other's webhooks. */
function webhook(name: string, selector: string, clientConfig: Record<string, unknown>, extra = {}) {
  return {
    name,
    clientConfig,
    rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
    objectSelector: { matchLabels: { test: selector } },
    sideEffects: "None",
    admissionReviewVersions: ["v1"],
    ...extra,
  };
}

const url = (path: string, port = hookPort) => `https://127.0.0.1:${port}${path}`;

async function configure(path: string, name: string, webhooks: unknown[]) {
  const r = await c.admin("POST", path, {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: path === VWC ? "ValidatingWebhookConfiguration" : "MutatingWebhookConfiguration",
    metadata: { name },
    webhooks,
  });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

const pod = (name: string, labels: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels },
  spec: { containers: [{ name: "c", image: "busybox" }] },
});

describe("webhook configurations", () => {
  test("are defaulted as upstream's SetDefaults_ValidatingWebhook and printed with a webhook count", async () => {
    const created = await configure(VWC, "defaults", [
      webhook(
        "defaults.example.com",
        "defaults",
        { url: url("/allow") },
        {
          rules: [
            { operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] },
          ],
        },
      ),
    ]);
    const h = created.webhooks[0];
    assert.equal(h.failurePolicy, "Fail");
    assert.equal(h.matchPolicy, "Equivalent");
    assert.equal(h.timeoutSeconds, 10);
    assert.deepEqual(h.namespaceSelector, {});
    assert.equal(h.rules[0].scope, "*");
    const table = await c.request("GET", `${VWC}/defaults`, {
      cert: { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
      headers: { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io" },
    });
    assert.deepEqual(
      table.json.columnDefinitions.map((d: { name: string }) => d.name),
      ["Name", "Webhooks", "Age"],
    );
    assert.equal(table.json.rows[0].cells[1], 1);
  });

  test("are validated with upstream's messages", async () => {
    const r = await c.admin("POST", MWC, {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata: { name: "bad" },
      webhooks: [
        {
          name: "short",
          clientConfig: { url: "http://example.com/x" },
          admissionReviewVersions: ["v2"],
          rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
          matchConditions: [{ name: "c", expression: "object.metadata.name ==" }],
        },
      ],
    });
    assert.equal(r.status, 422, r.text);
    const msg: string = r.json.message;
    assert.match(msg, /^MutatingWebhookConfiguration\.admissionregistration\.k8s\.io "bad" is invalid: \[/);
    assert.ok(
      msg.includes(
        `webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by dots`,
      ),
      msg,
    );
    assert.ok(
      msg.includes("webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun"),
      msg,
    );
    assert.ok(
      msg.includes(
        `webhooks[0].clientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path]`,
      ),
      msg,
    );
    assert.ok(
      msg.includes(
        `webhooks[0].admissionReviewVersions: Invalid value: []string{"v2"}: must include at least one of v1, v1beta1`,
      ),
      msg,
    );
    assert.ok(
      msg.includes(
        `webhooks[0].matchConditions[0].expression: Invalid value: "object.metadata.name ==": compilation failed: ERROR: <input>:1:`,
      ),
      msg,
    );

    const both = await c.admin("POST", VWC, {
      metadata: { name: "both" },
      webhooks: [
        webhook("both.example.com", "x", { url: url("/x"), service: { namespace: "a", name: "b" } }),
      ],
    });
    assert.equal(both.status, 422);
    assert.ok(
      both.json.message.includes(
        "webhooks[0].clientConfig: Required value: exactly one of url or service is required",
      ),
    );
  });
});

describe("validating webhooks", () => {
  test("deny a Pod with the webhook's message and code; others pass with its warnings", async () => {
    await configure(VWC, "deny", [webhook("deny.example.com", "deny", { url: url("/deny"), caBundle })]);
    const denied = await c.admin(
      "POST",
      "/api/v1/namespaces/default/pods",
      pod("denied", { test: "deny", deny: "true" }),
    );
    assert.equal(denied.status, 403, denied.text);
    assert.equal(
      denied.json.message,
      'admission webhook "deny.example.com" denied the request: pods labelled deny=true are not allowed',
    );
    assert.equal(denied.json.status, "Failure");

    const before = reviews.length;
    const ok = await c.admin("POST", "/api/v1/namespaces/default/pods", pod("allowed", { test: "deny" }));
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.headers.warning, '299 - "looked at it"');
    const sent = reviews.slice(before).find((r) => r.path === "/deny")?.review;
    assert.ok(sent);
    assert.equal(sent.apiVersion, "admission.k8s.io/v1");
    assert.equal(sent.kind, "AdmissionReview");
    const rq = sent.request;
    assert.match(rq.uid, /^[0-9a-f-]{36}$/);
    assert.deepEqual(rq.kind, { group: "", version: "v1", kind: "Pod" });
    assert.deepEqual(rq.resource, { group: "", version: "v1", resource: "pods" });
    assert.deepEqual(rq.requestKind, rq.kind);
    assert.equal(rq.name, "allowed");
    assert.equal(rq.namespace, "default");
    assert.equal(rq.operation, "CREATE");
    assert.equal(rq.userInfo.username, "kubernetes-admin");
    assert.equal(rq.object.metadata.name, "allowed");
    assert.equal(rq.oldObject, null);
    assert.equal(rq.dryRun, false);
    assert.deepEqual(rq.options, { kind: "CreateOptions", apiVersion: "meta.k8s.io/v1" });
    // Pods without the selected label never reach the webhook.
    const n = reviews.length;
    assert.equal(
      (await c.admin("POST", "/api/v1/namespaces/default/pods", pod("other", { deny: "true" }))).status,
      201,
    );
    assert.equal(reviews.length, n);
  });

  test("failurePolicy Fail answers upstream's 500 when the webhook is down; Ignore lets the request through", async () => {
    const down = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    await configure(VWC, "down", [
      webhook("fail.example.com", "down-fail", { url: url("/deny", down), caBundle }),
      webhook(
        "ignore.example.com",
        "down-ignore",
        { url: url("/deny", down), caBundle },
        { failurePolicy: "Ignore" },
      ),
    ]);
    const failed = await c.admin(
      "POST",
      "/api/v1/namespaces/default/pods",
      pod("down-fail", { test: "down-fail" }),
    );
    assert.equal(failed.status, 500, failed.text);
    assert.equal(failed.json.reason, "InternalError");
    assert.equal(
      failed.json.message,
      `Internal error occurred: failed calling webhook "fail.example.com": failed to call webhook: Post "https://127.0.0.1:${down}/deny?timeout=10s": dial tcp 127.0.0.1:${down}: connect: connection refused`,
    );
    const ignored = await c.admin(
      "POST",
      "/api/v1/namespaces/default/pods",
      pod("down-ignore", { test: "down-ignore" }),
    );
    assert.equal(ignored.status, 201, ignored.text);
  });

  test("timeoutSeconds bounds the call", async () => {
    await configure(VWC, "slow", [
      webhook("slow.example.com", "slow", { url: url("/slow"), caBundle }, { timeoutSeconds: 1 }),
    ]);
    const started = Date.now();
    const r = await c.admin("POST", "/api/v1/namespaces/default/pods", pod("slow", { test: "slow" }));
    assert.equal(r.status, 500, r.text);
    assert.equal(
      r.json.message,
      `Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "https://127.0.0.1:${hookPort}/slow?timeout=1s": context deadline exceeded`,
    );
    assert.ok(Date.now() - started < 5000);
  });

  test("a response body without end is cut off at its size limit, not read until the deadline", async () => {
    await configure(VWC, "endless", [
      webhook("endless.example.com", "endless", { url: url("/endless"), caBundle }, { timeoutSeconds: 30 }),
    ]);
    const started = Date.now();
    const r = await c.admin("POST", "/api/v1/namespaces/default/pods", pod("endless", { test: "endless" }));
    assert.equal(r.status, 500, r.text);
    assert.equal(
      r.json.message,
      `Internal error occurred: failed calling webhook "endless.example.com": failed to call webhook: Post "https://127.0.0.1:${hookPort}/endless?timeout=30s": response body exceeds 16777216 bytes`,
    );
    assert.ok(Date.now() - started < 20_000);
  });

  test("only the caBundle is trusted", async () => {
    await configure(VWC, "untrusted", [
      webhook("untrusted.example.com", "untrusted", { url: url("/allow"), caBundle: otherCaBundle }),
    ]);
    const r = await c.admin(
      "POST",
      "/api/v1/namespaces/default/pods",
      pod("untrusted", { test: "untrusted" }),
    );
    assert.equal(r.status, 500, r.text);
    assert.ok(
      r.json.message.endsWith(
        ": tls: failed to verify certificate: x509: certificate signed by unknown authority",
      ),
      r.json.message,
    );
  });

  test("a dry run reaches only side-effect-free webhooks", async () => {
    await configure(VWC, "dryrun", [
      webhook(
        "some.example.com",
        "dryrun",
        { url: url("/allow"), caBundle },
        { sideEffects: "NoneOnDryRun" },
      ),
    ]);
    const n = reviews.length;
    const r = await c.admin(
      "POST",
      "/api/v1/namespaces/default/pods?dryRun=All",
      pod("dry", { test: "dryrun" }),
    );
    assert.equal(r.status, 201, r.text);
    const sent = reviews.slice(n).find((x) => x.path === "/allow")?.review;
    assert.equal(sent?.request.dryRun, true);
    assert.deepEqual(sent?.request.options, {
      kind: "CreateOptions",
      apiVersion: "meta.k8s.io/v1",
      dryRun: ["All"],
    });
  });

  test("matchConditions (CEL) narrow the requests a webhook sees", async () => {
    await configure(VWC, "conditions", [
      webhook(
        "cond.example.com",
        "cond",
        { url: url("/deny"), caBundle },
        {
          matchConditions: [
            {
              name: "not-exempt",
              expression: "!has(object.metadata.annotations) || !('exempt' in object.metadata.annotations)",
            },
          ],
        },
      ),
    ]);
    const exempt = { ...pod("exempt", { test: "cond", deny: "true" }) };
    exempt.metadata = { ...exempt.metadata, annotations: { exempt: "yes" } } as typeof exempt.metadata;
    assert.equal((await c.admin("POST", "/api/v1/namespaces/default/pods", exempt)).status, 201);
    assert.equal(
      (
        await c.admin(
          "POST",
          "/api/v1/namespaces/default/pods",
          pod("not-exempt", { test: "cond", deny: "true" }),
        )
      ).status,
      403,
    );
  });
});

describe("mutating webhook patches", () => {
  test("are decoded into the kind: unknown fields are dropped, a wrong type is a 500", async () => {
    await configure(MWC, "weird", [
      webhook("weird.example.com", "weird", { url: url("/mutate-weird"), caBundle }),
    ]);
    const unknown = await c.admin(
      "POST",
      "/api/v1/namespaces/default/pods",
      pod("weird-unknown", { test: "weird", weird: "unknown" }),
    );
    assert.equal(unknown.status, 201, unknown.text);
    assert.equal(unknown.json.spec.bogus, undefined);
    const typed = await c.admin(
      "POST",
      "/api/v1/namespaces/default/pods",
      pod("weird-type", { test: "weird", weird: "type" }),
    );
    assert.equal(typed.status, 500, typed.text);
    assert.equal(typed.json.reason, "InternalError");
    assert.match(typed.json.message, /^Internal error occurred: .*restartPolicy/);
  });
});

describe("webhooks behind a Service", () => {
  test("are reached through the Service's EndpointSlice (an address this host does not route to: loopback, same port)", async () => {
    const ns = await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "webhook-system" } });
    assert.equal(ns.status, 201, ns.text);
    const svc = await c.admin("POST", "/api/v1/namespaces/webhook-system/services", {
      metadata: { name: "hooks" },
      spec: { ports: [{ name: "https", port: 443, targetPort: hookPort }] },
    });
    assert.equal(svc.status, 201, svc.text);
    const slice = await c.admin(
      "POST",
      "/apis/discovery.k8s.io/v1/namespaces/webhook-system/endpointslices",
      {
        metadata: { name: "hooks-1", labels: { "kubernetes.io/service-name": "hooks" } },
        addressType: "IPv4",
        endpoints: [{ addresses: ["198.51.100.7"], conditions: { ready: true } }],
        ports: [{ name: "https", port: hookPort, protocol: "TCP" }],
      },
    );
    assert.equal(slice.status, 201, slice.text);
    await configure(VWC, "by-service", [
      webhook("svc.example.com", "svc", {
        service: { namespace: "webhook-system", name: "hooks", path: "/deny" },
        caBundle,
      }),
      webhook("missing.example.com", "svc-missing", {
        service: { namespace: "webhook-system", name: "missing", path: "/deny" },
        caBundle,
      }),
    ]);
    const denied = await c.admin(
      "POST",
      "/api/v1/namespaces/default/pods",
      pod("svc", { test: "svc", deny: "true" }),
    );
    assert.equal(denied.status, 403, denied.text);
    assert.equal(
      denied.json.message,
      'admission webhook "svc.example.com" denied the request: pods labelled deny=true are not allowed',
    );
    const missing = await c.admin(
      "POST",
      "/api/v1/namespaces/default/pods",
      pod("svc-missing", { test: "svc-missing" }),
    );
    assert.equal(missing.status, 500);
    assert.equal(
      missing.json.message,
      'Internal error occurred: failed calling webhook "missing.example.com": failed to call webhook: Post "https://missing.webhook-system.svc:443/deny?timeout=10s": service "missing" not found',
    );
  });
});

describe("mutating webhooks", () => {
  test("add a label through a JSONPatch response, seen by the stored object", async () => {
    await configure(MWC, "mutate", [
      webhook("mutate.example.com", "mutate", { url: url("/mutate"), caBundle }),
    ]);
    const n = reviews.length;
    const r = await c.admin("POST", "/api/v1/namespaces/default/pods", pod("mutated", { test: "mutate" }));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.metadata.labels.mutated, "yes");
    const stored = await c.admin("GET", "/api/v1/namespaces/default/pods/mutated");
    assert.equal(stored.json.metadata.labels.mutated, "yes");
    // Mutating webhooks of a create run before the object has its uid and creation time.
    const seen = reviews.slice(n).find((x) => x.path === "/mutate")?.review.request.object;
    assert.equal(seen.metadata.name, "mutated");
    assert.equal(seen.metadata.uid, undefined);
    assert.equal(seen.metadata.creationTimestamp, undefined);
    assert.ok(r.json.metadata.uid);
  });
});

describe("reinvocation", () => {
  test("an IfNeeded webhook sees a later webhook's change once more; a Never one does not", async () => {
    await configure(MWC, "reinvoke", [
      webhook(
        "observe.example.com",
        "reinvoke",
        { url: url("/observe"), caBundle },
        { reinvocationPolicy: "IfNeeded" },
      ),
      webhook("once.example.com", "reinvoke", { url: url("/once"), caBundle }),
      webhook("label.example.com", "reinvoke", { url: url("/mutate"), caBundle }),
    ]);
    const n = reviews.length;
    const r = await c.admin(
      "POST",
      "/api/v1/namespaces/default/pods",
      pod("reinvoked", { test: "reinvoke" }),
    );
    assert.equal(r.status, 201, r.text);
    const seen = (path: string) =>
      reviews
        .slice(n)
        .filter((x) => x.path === path)
        .map((x) => x.review.request.object.metadata.labels.mutated ?? "");
    assert.deepEqual(seen("/observe"), ["", "yes"]);
    assert.deepEqual(seen("/once"), [""]);
  });
});

describe("ValidatingAdmissionPolicy", () => {
  test("denies a Deployment with more than 5 replicas with upstream's message", async () => {
    const policy = await c.admin(
      "POST",
      "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies",
      {
        metadata: { name: "max-replicas" },
        spec: {
          matchConstraints: {
            resourceRules: [
              {
                apiGroups: ["apps"],
                apiVersions: ["v1"],
                operations: ["CREATE", "UPDATE"],
                resources: ["deployments"],
              },
            ],
          },
          validations: [{ expression: "object.spec.replicas <= 5" }],
        },
      },
    );
    assert.equal(policy.status, 201, policy.text);
    assert.equal(policy.json.spec.failurePolicy, "Fail");
    assert.equal(policy.json.spec.matchConstraints.matchPolicy, "Equivalent");
    const binding = await c.admin(
      "POST",
      "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings",
      {
        metadata: { name: "max-replicas-binding" },
        spec: { policyName: "max-replicas", validationActions: ["Deny"] },
      },
    );
    assert.equal(binding.status, 201, binding.text);
    const deployment = (name: string, replicas: number) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: "c", image: "busybox" }] },
        },
      },
    });
    const denied = await c.admin(
      "POST",
      "/apis/apps/v1/namespaces/default/deployments",
      deployment("big", 6),
    );
    assert.equal(denied.status, 422, denied.text);
    assert.equal(denied.json.reason, "Invalid");
    assert.equal(
      denied.json.message,
      `deployments.apps "big" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: failed expression: object.spec.replicas <= 5`,
    );
    assert.equal(
      (await c.admin("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("small", 3))).status,
      201,
    );
  });

  test("params, messageExpression, variables and Warn", async () => {
    const cm = await c.admin("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "limits" },
      data: { prefix: "ok-" },
    });
    assert.equal(cm.status, 201);
    const policy = await c.admin(
      "POST",
      "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies",
      {
        metadata: { name: "prefix" },
        spec: {
          paramKind: { apiVersion: "v1", kind: "ConfigMap" },
          matchConstraints: {
            resourceRules: [
              { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["secrets"] },
            ],
          },
          variables: [{ name: "name", expression: "object.metadata.name" }],
          validations: [
            {
              expression: "variables.name.startsWith(params.data.prefix)",
              messageExpression: "'name ' + variables.name + ' must start with ' + params.data.prefix",
              reason: "Forbidden",
            },
          ],
        },
      },
    );
    assert.equal(policy.status, 201, policy.text);
    const bind = (name: string, actions: string[]) =>
      c.admin("POST", "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings", {
        metadata: { name },
        spec: {
          policyName: "prefix",
          paramRef: { name: "limits", namespace: "default", parameterNotFoundAction: "Deny" },
          validationActions: actions,
          matchResources: {
            namespaceSelector: {
              matchLabels: {
                "kubernetes.io/metadata.name": name === "prefix-deny" ? "default" : "kube-public",
              },
            },
          },
        },
      });
    assert.equal((await bind("prefix-deny", ["Deny"])).status, 201);
    assert.equal((await bind("prefix-warn", ["Warn"])).status, 201);
    const denied = await c.admin("POST", "/api/v1/namespaces/default/secrets", { metadata: { name: "bad" } });
    assert.equal(denied.status, 403, denied.text);
    assert.equal(
      denied.json.message,
      `secrets "bad" is forbidden: ValidatingAdmissionPolicy 'prefix' with binding 'prefix-deny' denied request: name bad must start with ok-`,
    );
    const warned = await c.admin("POST", "/api/v1/namespaces/kube-public/secrets", {
      metadata: { name: "bad" },
    });
    assert.equal(warned.status, 201, warned.text);
    assert.equal(
      warned.headers.warning,
      `299 - "Validation failed for ValidatingAdmissionPolicy 'prefix' with binding 'prefix-warn': name bad must start with ok-"`,
    );
  });

  test("an audit annotation of the wrong type denies whatever the binding's actions", async () => {
    const policy = await c.admin(
      "POST",
      "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies",
      {
        metadata: { name: "annotate" },
        spec: {
          matchConstraints: {
            resourceRules: [
              {
                apiGroups: [""],
                apiVersions: ["v1"],
                operations: ["CREATE"],
                resources: ["serviceaccounts"],
              },
            ],
          },
          auditAnnotations: [{ key: "size", valueExpression: "size(object.metadata.name)" }],
        },
      },
    );
    assert.equal(policy.status, 201, policy.text);
    const binding = await c.admin(
      "POST",
      "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings",
      {
        metadata: { name: "annotate-audit" },
        spec: { policyName: "annotate", validationActions: ["Audit"] },
      },
    );
    assert.equal(binding.status, 201, binding.text);
    const r = await c.admin("POST", "/api/v1/namespaces/default/serviceaccounts", {
      metadata: { name: "robot" },
    });
    assert.equal(r.status, 422, r.text);
    assert.equal(
      r.json.message,
      `serviceaccounts "robot" is forbidden: ValidatingAdmissionPolicy 'annotate' with binding 'annotate-audit' denied request: valueExpression 'size(object.metadata.name)' resulted in unsupported return type: int. Return type must be either string or null.`,
    );
    // ServiceAccounts are the controllers' business too: stop refusing them.
    const removed = await c.admin(
      "DELETE",
      "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/annotate-audit",
    );
    assert.equal(removed.status, 200, removed.text);
    assert.equal(
      (await c.admin("POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "robot" } }))
        .status,
      201,
    );
  });

  test("a validation that does not compile is refused with the compiler's message", async () => {
    const r = await c.admin("POST", "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies", {
      metadata: { name: "broken" },
      spec: {
        matchConstraints: {
          resourceRules: [
            { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] },
          ],
        },
        validations: [{ expression: "params.x == 1" }],
      },
    });
    assert.equal(r.status, 422, r.text);
    assert.equal(
      r.json.message,
      `ValidatingAdmissionPolicy.admissionregistration.k8s.io "broken" is invalid: spec.validations[0].expression: Invalid value: "params.x == 1": compilation failed: ERROR: <input>:1:1: undeclared reference to 'params' (in container '')`,
    );
  });
});

describe("kubectl", () => {
  test("applies configurations and prints a webhook's denial as kubectl does", async () => {
    const manifest = {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: "kubectl-deny" },
      webhooks: [webhook("kubectl.example.com", "kubectl", { url: url("/deny"), caBundle })],
    };
    const applied = await c.kubectl(["apply", "-f", "-"], { input: JSON.stringify(manifest) });
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(
      applied.stdout.trim(),
      "validatingwebhookconfiguration.admissionregistration.k8s.io/kubectl-deny created",
    );
    const got = await c.kubectl(["get", "validatingwebhookconfiguration", "kubectl-deny"]);
    assert.match(got.stdout, /^NAME\s+WEBHOOKS\s+AGE\nkubectl-deny\s+1\s+\S+\n$/);
    const created = await c.kubectl(["create", "-f", "-"], {
      input: JSON.stringify(pod("by-kubectl", { test: "kubectl", deny: "true" })),
    });
    assert.notEqual(created.code, 0);
    const policies = await c.kubectl(["get", "validatingadmissionpolicy", "max-replicas"]);
    assert.match(
      policies.stdout,
      /^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE\nmax-replicas\s+1\s+<unset>\s+\S+\n$/,
    );
    const bindings = await c.kubectl(["get", "validatingadmissionpolicybinding", "prefix-deny"]);
    assert.match(
      bindings.stdout,
      /^NAME\s+POLICYNAME\s+PARAMREF\s+AGE\nprefix-deny\s+prefix\s+default\/limits\s+\S+\n$/,
    );
    const big = await c.kubectl(["create", "deployment", "huge", "--image=busybox", "--replicas=9"]);
    assert.notEqual(big.code, 0);
    assert.equal(
      big.stderr.trim(),
      `error: failed to create deployment: deployments.apps "huge" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: failed expression: object.spec.replicas <= 5`,
    );
    // The webhook's result has no reason, so kubectl prints no "(Reason)", as against kube-apiserver.
    assert.equal(
      created.stderr.trim(),
      'Error from server: error when creating "STDIN": admission webhook "kubectl.example.com" denied the request: pods labelled deny=true are not allowed',
    );
  });
});
