// The README's operator example, run for real: a CustomResourceDefinition, a validating admission
// webhook, and a controller that takes a Lease before it reconciles — all against startServer(), with
// the incluster client, no cluster and no downloaded binaries.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { createClient, type KubeClient } from "../../src/client/index.ts";
import { type RunningServer, startServer } from "../../src/server/index.ts";
import {
  createCertificateAuthority,
  generateCertificateKey,
  issueKeyAndCertificate,
  privateKeyPem,
} from "../../src/server/pki/certificates.ts";
import { eventually } from "../helpers/cluster.ts";

interface Widget {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; generation?: number };
  spec?: { size?: number };
  status?: { observedSize?: number; observedGeneration?: number };
}

const WIDGETS = {
  group: "example.com",
  version: "v1",
  resource: "widgets",
  kind: "Widget",
  namespaced: true,
};

const widgetCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", shortNames: ["wd"] },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: "Size", type: "integer", jsonPath: ".spec.size" }],
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["size"],
                properties: { size: { type: "integer", minimum: 1 } },
                "x-kubernetes-validations": [{ rule: "self.size <= 100", message: "size is at most 100" }],
              },
              status: {
                type: "object",
                properties: { observedSize: { type: "integer" }, observedGeneration: { type: "integer" } },
              },
            },
          },
        },
      },
    ],
  },
};

let dir: string;
let server: RunningServer;
let client: KubeClient;
let hook: Server;
const stopOperator = new AbortController();
let leading = false;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "operator-example-"));
  server = await startServer({ port: 0, dataDir: dir, logLevel: "silent" });
  client = await createClient({ kubeconfig: server.kubeconfigPath, onWarning: () => {} });

  // 1. The CRD, served once Established.
  const crds = client.resource<Record<string, any>>("customresourcedefinitions.apiextensions.k8s.io");
  await crds.create(widgetCrd);
  await eventually(async () => {
    const crd = await crds.get("widgets.example.com");
    return crd.status?.conditions?.some((c: any) => c.type === "Established" && c.status === "True");
  });

  // 2. A validating webhook over HTTPS (its own CA, given to the server as caBundle): small widgets only.
  const caKey = await generateCertificateKey();
  const caPem = await createCertificateAuthority(caKey, "widget-webhook-ca", 1);
  const serving = await issueKeyAndCertificate(
    { certPem: caPem, keyPem: privateKeyPem(caKey) },
    { subject: { commonName: "widget-webhook" }, usage: "serverAuth", hosts: ["127.0.0.1"], days: 1 },
  );
  hook = createServer({ key: serving.keyPem, cert: serving.certPem }, (req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const review = JSON.parse(body);
      const size = review.request.object?.spec?.size ?? 0;
      const allowed = size <= 10;
      res.setHeader("Content-Type", "application/json");
      res.end(
        JSON.stringify({
          apiVersion: "admission.k8s.io/v1",
          kind: "AdmissionReview",
          response: {
            uid: review.request.uid,
            allowed,
            ...(allowed ? {} : { status: { code: 403, message: `size ${size} is over 10` } }),
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  await client.resource("validatingwebhookconfigurations.admissionregistration.k8s.io").create({
    metadata: { name: "widgets" },
    webhooks: [
      {
        name: "size.widgets.example.com",
        clientConfig: {
          url: `https://127.0.0.1:${(hook.address() as AddressInfo).port}/validate`,
          caBundle: Buffer.from(caPem).toString("base64"),
        },
        rules: [
          {
            apiGroups: ["example.com"],
            apiVersions: ["v1"],
            operations: ["CREATE", "UPDATE"],
            resources: ["widgets"],
          },
        ],
        sideEffects: "None",
        admissionReviewVersions: ["v1"],
      },
    ],
  });

  // 3. The operator: reconciles only while it holds the Lease, as client-go controllers do.
  const widgets = client.resource<Widget>(WIDGETS);
  const elector = client.leaderElection({
    lease: "default/widget-operator",
    identity: "operator-0",
    leaseDuration: 2000,
    renewDeadline: 1500,
    retryPeriod: 200,
    signal: stopOperator.signal,
    onStartedLeading: (signal) => {
      leading = true;
      const informer = widgets.informer({ allNamespaces: true });
      const reconcile = async (w: Widget) => {
        if (w.status?.observedGeneration === w.metadata?.generation) return;
        await widgets.patch(
          w.metadata?.name ?? "",
          { status: { observedSize: w.spec?.size, observedGeneration: w.metadata?.generation } },
          "merge",
          { namespace: w.metadata?.namespace, subresource: "status" },
        );
      };
      informer.on("add", (w) => void reconcile(w));
      informer.on("update", (w) => void reconcile(w));
      signal.addEventListener("abort", () => informer.stop());
    },
  });
  void elector.run();
  await eventually(async () => leading);
});

after(async () => {
  stopOperator.abort();
  client?.close();
  hook?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const widgets = () => client.resource<Widget>(WIDGETS);

test("the operator holds the Lease and reconciles a widget's status", async () => {
  const lease = (await client.resource("leases.coordination.k8s.io").get("widget-operator", {
    namespace: "default",
  })) as { spec: { holderIdentity: string } };
  assert.equal(lease.spec.holderIdentity, "operator-0");
  await widgets().create({ metadata: { name: "small", namespace: "default" }, spec: { size: 3 } });
  await eventually(
    async () => (await widgets().get("small", { namespace: "default" })).status?.observedSize === 3,
  );
  await widgets().patch("small", { spec: { size: 5 } }, "merge", { namespace: "default" });
  await eventually(
    async () => (await widgets().get("small", { namespace: "default" })).status?.observedSize === 5,
  );
});

test("the webhook denies, the schema and the CEL rule refuse, each with kube-apiserver's message", async () => {
  await assert.rejects(
    widgets().create({ metadata: { name: "big", namespace: "default" }, spec: { size: 50 } }),
    (e: Error) => {
      assert.equal(
        e.message,
        'admission webhook "size.widgets.example.com" denied the request: size 50 is over 10',
      );
      return true;
    },
  );
  await assert.rejects(
    widgets().create({ metadata: { name: "huge", namespace: "default" }, spec: { size: 500 } }),
    (e: Error) => {
      assert.match(
        e.message,
        /Widget.example.com "huge" is invalid: spec: Invalid value: "object": size is at most 100/,
      );
      return true;
    },
  );
  await assert.rejects(
    widgets().create({ metadata: { name: "none", namespace: "default" }, spec: { size: 0 } }),
    (e: Error) => {
      assert.match(
        e.message,
        /spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1/,
      );
      return true;
    },
  );
});
