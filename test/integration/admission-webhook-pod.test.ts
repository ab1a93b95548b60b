// A validating webhook served by a Pod of the local runtime, behind a Service: the API server resolves
// the Service through the EndpointSlice the endpoints controller writes for the ready Pod, dials the
// Pod's IP and verifies the serving certificate for "<service>.<namespace>.svc" against the caBundle.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  createCertificateAuthority,
  generateCertificateKey,
  issueKeyAndCertificate,
  privateKeyPem,
} from "../../src/server/pki/certificates.ts";
import { eventually } from "../helpers/cluster.ts";
import { createNamespace, NODE, type RuntimeCluster, startRuntimeCluster } from "./kubelet-harness.ts";

const NS = "hooks";

// The webhook: refuses ConfigMaps carrying data.forbidden, on the Pod's own IP.
const WEBHOOK = `
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
const [cert, key] = process.argv.slice(2).map((f) => readFileSync(f, "utf8"));
createServer({ cert, key }, (req, res) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    const review = JSON.parse(body);
    const forbidden = review.request.object?.data?.forbidden !== undefined;
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: {
        uid: review.request.uid,
        allowed: !forbidden,
        ...(forbidden ? { status: { code: 403, reason: "Forbidden", message: "served from pod " + process.env.POD_NAME } } : {}),
      },
    }));
  });
}).listen(8443, process.env.POD_IP);
`;

let c: RuntimeCluster;
let caBundle: string;

before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
  await createNamespace(c, NS);
  const caKey = await generateCertificateKey();
  const caCert = await createCertificateAuthority(caKey, "hooks-ca", 1);
  caBundle = Buffer.from(caCert).toString("base64");
  const serving = await issueKeyAndCertificate(
    { certPem: caCert, keyPem: privateKeyPem(caKey) },
    { subject: { commonName: "guard" }, usage: "serverAuth", hosts: [`guard.${NS}.svc`], days: 1 },
  );
  const script = await c.script("webhook.mjs", WEBHOOK);
  const certFile = await c.script("tls.crt", serving.certPem);
  const keyFile = await c.script("tls.key", serving.keyPem);
  const created = await c.admin("POST", `/api/v1/namespaces/${NS}/pods`, {
    metadata: { name: "guard-0", labels: { app: "guard" } },
    spec: {
      containers: [
        {
          name: "webhook",
          image: "node",
          command: [NODE, script, certFile, keyFile],
          env: [
            { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          ],
          ports: [{ name: "https", containerPort: 8443 }],
          readinessProbe: { tcpSocket: { port: 8443 }, periodSeconds: 1 },
        },
      ],
    },
  });
  assert.equal(created.status, 201, created.text);
  const svc = await c.admin("POST", `/api/v1/namespaces/${NS}/services`, {
    metadata: { name: "guard" },
    spec: { selector: { app: "guard" }, ports: [{ name: "https", port: 443, targetPort: "https" }] },
  });
  assert.equal(svc.status, 201, svc.text);
});

after(() => c.stop());

test("a Pod behind a Service answers the AdmissionReview", async () => {
  const ready = await c.waitForPod(
    NS,
    "guard-0",
    (p) => p.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True") ?? false,
    "ready",
    30_000,
  );
  const podIP = ready.status?.podIP ?? "";
  await eventually(
    async () => {
      const r = await c.admin("GET", `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`);
      return r.json.items.some((s: { endpoints?: { addresses: string[] }[] }) =>
        s.endpoints?.some((e) => e.addresses.includes(podIP)),
      );
    },
    10_000,
    "the Pod in the Service's EndpointSlice",
  );
  const configured = await c.admin(
    "POST",
    "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
    {
      metadata: { name: "guard" },
      webhooks: [
        {
          name: "guard.hooks.example.com",
          clientConfig: { service: { namespace: NS, name: "guard" }, caBundle },
          rules: [
            { operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] },
          ],
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "default" } },
          sideEffects: "None",
          admissionReviewVersions: ["v1"],
        },
      ],
    },
  );
  assert.equal(configured.status, 201, configured.text);
  const denied = await c.admin("POST", "/api/v1/namespaces/default/configmaps", {
    metadata: { name: "nope" },
    data: { forbidden: "1" },
  });
  assert.equal(denied.status, 403, denied.text);
  assert.equal(denied.json.reason, "Forbidden");
  assert.equal(
    denied.json.message,
    'admission webhook "guard.hooks.example.com" denied the request: served from pod guard-0',
  );
  const allowed = await c.admin("POST", "/api/v1/namespaces/default/configmaps", {
    metadata: { name: "fine" },
  });
  assert.equal(allowed.status, 201, allowed.text);
});
