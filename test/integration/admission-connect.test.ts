// Admission of CONNECT requests (pods/exec, pods/attach, pods/portforward) on the real server, as
// apiserver pkg/endpoints/handlers/rest.go ConnectResource runs it: validating webhooks whose rules name
// CONNECT (or "*") see an AdmissionReview whose object is the decoded options (PodExecOptions…), and a
// refusal is answered before anything connects; a ValidatingAdmissionPolicy can refuse it too; kubectl
// exec reports the refusal.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import {
  createCertificateAuthority,
  generateCertificateKey,
  issueKeyAndCertificate,
  privateKeyPem,
} from "../../src/server/pki/certificates.ts";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

interface Review {
  request: Record<string, any>;
}

let c: TestCluster;
let hook: Server;
const reviews: Review[] = [];

const NS = "/api/v1/namespaces/conn";
const VWC = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations";

/** The webhook refuses an exec of `rm` and any port-forward to port 22; everything else is allowed. */
function decide(request: Record<string, any>): { allowed: boolean; message?: string } {
  const o = request.object ?? {};
  if (Array.isArray(o.command) && o.command[0] === "rm") return { allowed: false, message: "no rm here" };
  if (Array.isArray(o.ports) && o.ports.includes(22)) return { allowed: false, message: "no ssh" };
  return { allowed: true };
}

before(async () => {
  c = await startTestCluster();
  const caKey = await generateCertificateKey();
  const caCert = await createCertificateAuthority(caKey, "connect-test-ca", 1);
  const serving = await issueKeyAndCertificate(
    { certPem: caCert, keyPem: privateKeyPem(caKey) },
    { subject: { commonName: "webhook" }, usage: "serverAuth", hosts: ["127.0.0.1"], days: 1 },
  );
  hook = createServer({ key: serving.keyPem, cert: serving.certPem }, (req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      const review = JSON.parse(body) as Review;
      reviews.push(review);
      const { allowed, message } = decide(review.request);
      const mutating = new URL(req.url ?? "/", "https://x").pathname === "/mutate";
      // /mutate turns a port-forward to 2222 into one to 22 (which the validating webhook then refuses).
      const ports = review.request.object?.ports;
      const patch =
        mutating && Array.isArray(ports) && ports[0] === 2222
          ? {
              patchType: "JSONPatch",
              patch: Buffer.from('[{"op":"replace","path":"/ports/0","value":22}]').toString("base64"),
            }
          : {};
      const response = {
        uid: review.request.uid,
        allowed: mutating || allowed,
        ...(message && !mutating ? { status: { code: 403, message } } : {}),
        ...patch,
      };
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response }));
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
  const port = (hook.address() as AddressInfo).port;
  assert.equal((await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "conn" } })).status, 201);
  // A Pod on a node no runtime serves: admission runs before the connection is attempted.
  const pod = await c.admin("POST", `${NS}/pods`, {
    metadata: { name: "web" },
    spec: { nodeName: "elsewhere", containers: [{ name: "c", image: "busybox" }] },
  });
  assert.equal(pod.status, 201, pod.text);
  const config = await c.admin("POST", VWC, {
    metadata: { name: "connect" },
    webhooks: [
      {
        name: "connect.example.com",
        clientConfig: { url: `https://127.0.0.1:${port}/`, caBundle: Buffer.from(caCert).toString("base64") },
        rules: [
          { operations: ["CONNECT"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods/exec"] },
          {
            operations: ["*"],
            apiGroups: [""],
            apiVersions: ["v1"],
            resources: ["pods/portforward", "pods/attach"],
          },
        ],
        sideEffects: "None",
        admissionReviewVersions: ["v1"],
      },
    ],
  });
  assert.equal(config.status, 201, config.text);
});

after(async () => {
  hook.closeAllConnections();
  await new Promise((r) => hook.close(r));
  await c.stop();
});

test("a webhook refusing pods/exec answers with its Status before any upgrade", async () => {
  const denied = await eventually(async () => {
    const r = await c.admin("POST", `${NS}/pods/web/exec?command=rm&command=-rf&stdout=true&container=c`);
    return r.status === 403 ? r : undefined;
  });
  assert.equal(denied.json.kind, "Status");
  assert.equal(denied.json.message, 'admission webhook "connect.example.com" denied the request: no rm here');
  const review = reviews.at(-1)!.request;
  assert.equal(review.operation, "CONNECT");
  assert.deepEqual(review.kind, { group: "", version: "v1", kind: "PodExecOptions" });
  assert.deepEqual(review.resource, { group: "", version: "v1", resource: "pods" });
  assert.equal(review.subResource, "exec");
  assert.equal(review.name, "web");
  assert.equal(review.namespace, "conn");
  assert.deepEqual(review.object, {
    kind: "PodExecOptions",
    apiVersion: "v1",
    stdout: true,
    container: "c",
    command: ["rm", "-rf"],
  });
  assert.equal(review.oldObject, null);
  assert.equal(review.options, null);
});

test("an allowed pods/exec goes on to connect (here: no upgrade requested)", async () => {
  const before = reviews.length;
  const r = await c.admin("POST", `${NS}/pods/web/exec?command=ls&stdout=true`);
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.message, "Upgrade request required");
  assert.equal(reviews.length, before + 1);
});

test("pods/portforward and pods/attach match a rule with operations: [*]", async () => {
  const pf = await c.admin("POST", `${NS}/pods/web/portforward?ports=8080,22`);
  assert.equal(pf.status, 403, pf.text);
  assert.equal(pf.json.message, 'admission webhook "connect.example.com" denied the request: no ssh');
  const review = reviews.at(-1)!.request;
  assert.deepEqual(review.kind, { group: "", version: "v1", kind: "PodPortForwardOptions" });
  assert.deepEqual(review.object, { kind: "PodPortForwardOptions", apiVersion: "v1", ports: [8080, 22] });

  const attach = await c.admin("POST", `${NS}/pods/web/attach?stdin=true&stdout=1`);
  assert.equal(attach.status, 400, attach.text); // allowed; then no upgrade
  const attachReview = reviews.at(-1)!.request;
  assert.equal(attachReview.subResource, "attach");
  assert.deepEqual(attachReview.object, {
    kind: "PodAttachOptions",
    apiVersion: "v1",
    stdin: true,
    stdout: true,
  });
});

test("a mutating webhook's patch of the options is what validation and the connection see", async () => {
  const caBundle = (await c.admin("GET", `${VWC}/connect`)).json.webhooks[0].clientConfig.caBundle;
  const url = (await c.admin("GET", `${VWC}/connect`)).json.webhooks[0].clientConfig.url;
  const created = await c.admin(
    "POST",
    "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
    {
      metadata: { name: "connect-mutate" },
      webhooks: [
        {
          name: "mutate.example.com",
          clientConfig: { url: `${url}mutate`, caBundle },
          rules: [
            {
              operations: ["CONNECT"],
              apiGroups: [""],
              apiVersions: ["v1"],
              resources: ["pods/portforward"],
            },
          ],
          sideEffects: "None",
          admissionReviewVersions: ["v1"],
        },
      ],
    },
  );
  assert.equal(created.status, 201, created.text);
  const denied = await eventually(async () => {
    const r = await c.admin("POST", `${NS}/pods/web/portforward?ports=2222`);
    return r.status === 403 ? r : undefined;
  });
  assert.equal(denied.json.message, 'admission webhook "connect.example.com" denied the request: no ssh');
  assert.deepEqual(reviews.at(-1)!.request.object, {
    kind: "PodPortForwardOptions",
    apiVersion: "v1",
    ports: [22],
  });
  const del = await c.admin(
    "DELETE",
    "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/connect-mutate",
  );
  assert.equal(del.status, 200, del.text);
});

test("a dry-run connect is refused before admission", async () => {
  const before = reviews.length;
  const r = await c.admin("POST", `${NS}/pods/web/exec?command=ls&stdout=true&dryRun=All`);
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.message, "dryRun is not supported");
  assert.equal(reviews.length, before);
});

test("kubectl exec reports the webhook's refusal", async () => {
  const out = await c.kubectl(["exec", "-n", "conn", "web", "--", "rm", "-rf", "/"]);
  assert.notEqual(out.code, 0);
  assert.match(out.stderr, /admission webhook "connect\.example\.com" denied the request: no rm here/);
});

test("a ValidatingAdmissionPolicy refuses a CONNECT on the options object", async () => {
  const policy = await c.admin("POST", "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies", {
    metadata: { name: "no-tty" },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [
          { operations: ["CONNECT"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods/exec"] },
        ],
      },
      validations: [{ expression: "!has(object.tty) || !object.tty", message: "no terminals" }],
    },
  });
  assert.equal(policy.status, 201, policy.text);
  const binding = await c.admin(
    "POST",
    "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings",
    { metadata: { name: "no-tty" }, spec: { policyName: "no-tty", validationActions: ["Deny"] } },
  );
  assert.equal(binding.status, 201, binding.text);
  const denied = await eventually(async () => {
    const r = await c.admin("POST", `${NS}/pods/web/exec?command=sh&stdin=true&tty=true`);
    return r.status === 422 ? r : undefined; // a validation without a reason is Invalid
  });
  assert.equal(denied.json.reason, "Invalid");
  assert.equal(
    denied.json.message,
    "pods \"web\" is forbidden: ValidatingAdmissionPolicy 'no-tty' with binding 'no-tty' denied request: no terminals",
  );
});
