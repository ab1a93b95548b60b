// managedFields through each strategy's reset fields (GetResetFields / GetResetFieldsFilter): upstream's
// field manager compares the request's whole object with the stored one and lets the writer own only what
// the strategy does not reset. A /status write owns the metadata its strategy takes from the request;
// pods/ephemeralcontainers owns spec.ephemeralContainers only; a CSR's writer never owns spec or status.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "rf" } });
});
after(async () => {
  await c.stop();
});

type Entry = { manager: string; subresource?: string; fieldsV1: Record<string, any> };
const entryOf = (obj: any, manager: string): Entry | undefined =>
  obj.metadata.managedFields?.find((e: Entry) => e.manager === manager);

const DEPLOYMENTS = "/apis/apps/v1/namespaces/rf/deployments";
const PODS = "/api/v1/namespaces/rf/pods";

test("Deployment /status: the writer owns status and the annotations it set, not the labels or spec the strategy reset", async () => {
  const created = await c.admin("POST", DEPLOYMENTS, {
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "c", image: "nginx" }] },
      },
    },
  });
  assert.equal(created.status, 201, created.text);
  const body = structuredClone(created.json);
  body.metadata.labels = { app: "web", tier: "front" }; // reset by deploymentStatusStrategy
  body.metadata.annotations = { "example.com/note": "hi" }; // kept
  body.spec.replicas = 5; // reset
  body.status = { ...body.status, collisionCount: 3 };
  delete body.metadata.resourceVersion; // the deployment controller may write status meanwhile
  const put = await c.admin("PUT", `${DEPLOYMENTS}/web/status?fieldManager=status-writer`, body);
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(put.json.metadata.labels, { app: "web" });
  assert.equal(put.json.metadata.annotations["example.com/note"], "hi");
  assert.equal(put.json.spec.replicas, 1);
  const entry = entryOf(put.json, "status-writer");
  assert.equal(entry?.subresource, "status", JSON.stringify(put.json.metadata.managedFields));
  assert.deepEqual(Object.keys(entry?.fieldsV1 ?? {}), ["f:metadata", "f:status"]);
  assert.deepEqual(Object.keys(entry?.fieldsV1["f:metadata"]), ["f:annotations"]);
  assert.deepEqual(entry?.fieldsV1["f:metadata"]["f:annotations"]["f:example.com/note"], {});
  assert.deepEqual(entry?.fieldsV1["f:status"]["f:collisionCount"], {});
});

test("Pod /status: labels the writer adds are owned; ownerReferences (reset) are not", async () => {
  const created = await c.admin("POST", PODS, {
    metadata: { name: "p" },
    spec: { containers: [{ name: "c", image: "busybox" }] },
  });
  assert.equal(created.status, 201, created.text);
  const patch = {
    metadata: {
      labels: { ready: "yes" },
      ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "x", uid: "1" }],
    },
    spec: { activeDeadlineSeconds: 5 },
    status: { message: "hello" },
  };
  const r = await c.admin(
    "PATCH",
    `${PODS}/p/status?fieldManager=kubelet-like`,
    patch,
    "application/merge-patch+json",
  );
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.metadata.labels, { ready: "yes" });
  assert.equal(r.json.metadata.ownerReferences, undefined);
  assert.deepEqual(entryOf(r.json, "kubelet-like")?.fieldsV1, {
    "f:metadata": { "f:labels": { ".": {}, "f:ready": {} } },
    "f:status": { "f:message": {} },
  });
});

test("Service /status: its strategy takes the request's metadata, so the writer owns the annotation", async () => {
  const svc = await c.admin("POST", "/api/v1/namespaces/rf/services", {
    metadata: { name: "s" },
    spec: { type: "LoadBalancer", ports: [{ port: 80 }] },
  });
  assert.equal(svc.status, 201, svc.text);
  const r = await c.admin(
    "PATCH",
    "/api/v1/namespaces/rf/services/s/status?fieldManager=lb",
    {
      metadata: { annotations: { a: "b" } },
      spec: { ports: [{ port: 81 }] },
      status: { loadBalancer: { ingress: [{ ip: "10.0.0.9" }] } },
    },
    "application/merge-patch+json",
  );
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.spec.ports[0].port, 80);
  const fields = entryOf(r.json, "lb")?.fieldsV1;
  assert.deepEqual(fields?.["f:metadata"], { "f:annotations": { ".": {}, "f:a": {} } });
  assert.equal(fields?.["f:spec"], undefined);
  assert.ok(fields?.["f:status"]?.["f:loadBalancer"], JSON.stringify(fields));
});

test("pods/ephemeralcontainers: the entry names spec.ephemeralContainers only, not the spec or metadata the strategy dropped", async () => {
  const created = await c.admin("POST", PODS, {
    metadata: { name: "e" },
    spec: { containers: [{ name: "c", image: "busybox" }] },
  });
  assert.equal(created.status, 201, created.text);
  const body = structuredClone(created.json);
  body.metadata.labels = { dropped: "yes" };
  body.spec.activeDeadlineSeconds = 30;
  body.spec.ephemeralContainers = [{ name: "dbg", image: "busybox" }];
  const r = await c.admin("PUT", `${PODS}/e/ephemeralcontainers?fieldManager=debugger`, body);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.spec.activeDeadlineSeconds, undefined);
  assert.equal(r.json.metadata.labels, undefined);
  const entry = entryOf(r.json, "debugger");
  assert.equal(entry?.subresource, "ephemeralcontainers");
  assert.deepEqual(Object.keys(entry?.fieldsV1 ?? {}), ["f:spec"]);
  assert.deepEqual(Object.keys(entry?.fieldsV1["f:spec"]), ["f:ephemeralContainers"]);
  assert.ok(entry?.fieldsV1["f:spec"]["f:ephemeralContainers"]['k:{"name":"dbg"}']["f:image"]);
});

test("CertificateSigningRequest: the creator owns only metadata (csrStrategy resets spec and status); /approval owns its conditions", async () => {
  const CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
  // A minimal DER SEQUENCE in a CERTIFICATE REQUEST block: enough for the structure check.
  const request = Buffer.from(
    "-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n",
  ).toString("base64");
  const created = await c.admin("POST", `${CSRS}?fieldManager=requester`, {
    metadata: { name: "rf-csr", labels: { team: "a" } },
    spec: { request, signerName: "example.com/signer", usages: ["client auth"] },
  });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(entryOf(created.json, "requester")?.fieldsV1, {
    "f:metadata": { "f:labels": { ".": {}, "f:team": {} } },
  });
  const body = structuredClone(created.json);
  body.status = { conditions: [{ type: "Approved", status: "True", reason: "Test" }] };
  const approved = await c.admin("PUT", `${CSRS}/rf-csr/approval?fieldManager=approver`, body);
  assert.equal(approved.status, 200, approved.text);
  const entry = entryOf(approved.json, "approver");
  assert.equal(entry?.subresource, "approval");
  assert.deepEqual(Object.keys(entry?.fieldsV1 ?? {}), ["f:status"]);
  assert.ok(entry?.fieldsV1["f:status"]["f:conditions"], JSON.stringify(entry));
});
