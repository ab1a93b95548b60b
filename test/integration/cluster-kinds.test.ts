// The cluster-level built-in kinds on the real server: networking.k8s.io, storage.k8s.io, scheduling.k8s.io
// (and the Priority admission plugin), node.k8s.io, certificates.k8s.io (approval through kubectl) and
// apiregistration.k8s.io, with kubectl's tables, plus discovery order and the bootstrap roles' reach.
import assert from "node:assert/strict";
import { webcrypto, X509Certificate } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { loadX509 } from "../../src/server/pki/x509-lib.ts";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await c.admin("POST", "/api/v1/namespaces", { metadata: { name: "ck" } });
});
after(() => c.stop());

async function kubectl(args: string[], input?: string): Promise<string> {
  const r = await c.kubectl(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** The header line of `kubectl get`, columns split on runs of spaces. */
const headers = (out: string) =>
  out
    .split("\n")[0]!
    .trim()
    .split(/\s{2,}/);

describe("networking.k8s.io", () => {
  test("kubectl create ingress, then get shows upstream's columns and cells", async () => {
    // kubectl's generator, sent as JSON (the typed protobuf path is covered in test/compat/kubectl-cluster-kinds).
    const generated = await kubectl([
      "create",
      "ingress",
      "web",
      "-n",
      "ck",
      "--class=nginx",
      "--rule=foo.com/bar*=svc1:8080,tls=my-cert",
      "--dry-run=client",
      "-o",
      "json",
    ]);
    await kubectl(["create", "-f", "-"], generated);
    const out = await kubectl(["get", "ingress", "-n", "ck"]);
    assert.deepEqual(headers(out), ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]);
    assert.match(out.split("\n")[1]!, /^web\s+nginx\s+foo\.com\s+80, 443\s+\d+s$/);
    const ing = (await c.admin("GET", "/apis/networking.k8s.io/v1/namespaces/ck/ingresses/web")).json;
    assert.equal(ing.spec.rules[0].http.paths[0].pathType, "Prefix");
  });

  test("an Ingress path without pathType is 422 with upstream's message", async () => {
    const r = await c.admin("POST", "/apis/networking.k8s.io/v1/namespaces/ck/ingresses", {
      metadata: { name: "bad" },
      spec: {
        rules: [
          {
            host: "1.2.3.4",
            http: { paths: [{ path: "/", backend: { service: { name: "s", port: { number: 80 } } } }] },
          },
        ],
      },
    });
    assert.equal(r.status, 422, r.text);
    assert.equal(
      r.json.message,
      'Ingress.networking.k8s.io "bad" is invalid: [spec.rules[0].host: Invalid value: "1.2.3.4": must be a DNS name, not an IP address, spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified]',
    );
  });

  test("Ingress status is written only through /status", async () => {
    const r = await c.admin(
      "PATCH",
      "/apis/networking.k8s.io/v1/namespaces/ck/ingresses/web/status",
      { status: { loadBalancer: { ingress: [{ ip: "10.0.0.9" }] } } },
      "application/merge-patch+json",
    );
    assert.equal(r.status, 200, r.text);
    const out = await kubectl(["get", "ing", "web", "-n", "ck"]);
    assert.match(out.split("\n")[1]!, /^web\s+nginx\s+foo\.com\s+10\.0\.0\.9\s+80, 443/);
  });

  test("IngressClass and NetworkPolicy: defaults and tables", async () => {
    await kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "networking.k8s.io/v1",
        kind: "IngressClass",
        metadata: { name: "nginx" },
        spec: {
          controller: "k8s.io/ingress-nginx",
          parameters: { apiGroup: "k8s.example.com", kind: "IngressParameters", name: "p" },
        },
      }),
    );
    const ic = (await c.admin("GET", "/apis/networking.k8s.io/v1/ingressclasses/nginx")).json;
    assert.equal(ic.spec.parameters.scope, "Cluster");
    const icOut = await kubectl(["get", "ingressclass"]);
    assert.deepEqual(headers(icOut), ["NAME", "CONTROLLER", "PARAMETERS", "AGE"]);
    assert.match(
      icOut.split("\n")[1]!,
      /^nginx\s+k8s\.io\/ingress-nginx\s+IngressParameters\.k8s\.example\.com\/p\s+\d+s$/,
    );

    const np = await c.admin("POST", "/apis/networking.k8s.io/v1/namespaces/ck/networkpolicies", {
      metadata: { name: "np" },
      spec: { podSelector: { matchLabels: { app: "db" } }, egress: [{ ports: [{ port: 53 }] }] },
    });
    assert.equal(np.status, 201, np.text);
    assert.deepEqual(np.json.spec.policyTypes, ["Ingress", "Egress"]);
    assert.equal(np.json.spec.egress[0].ports[0].protocol, "TCP");
    const npOut = await kubectl(["get", "netpol", "-n", "ck"]);
    assert.deepEqual(headers(npOut), ["NAME", "POD-SELECTOR", "AGE"]);
    assert.match(npOut.split("\n")[1]!, /^np\s+app=db\s+\d+s$/);
  });
});

describe("storage.k8s.io", () => {
  test("StorageClass defaults and the (default) marker", async () => {
    const r = await c.admin("POST", "/apis/storage.k8s.io/v1/storageclasses", {
      metadata: {
        name: "local-path",
        annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
      },
      provisioner: "rancher.io/local-path",
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.reclaimPolicy, "Delete");
    assert.equal(r.json.volumeBindingMode, "Immediate");
    const out = await kubectl(["get", "sc"]);
    assert.deepEqual(headers(out), [
      "NAME",
      "PROVISIONER",
      "RECLAIMPOLICY",
      "VOLUMEBINDINGMODE",
      "ALLOWVOLUMEEXPANSION",
      "AGE",
    ]);
    assert.match(
      out.split("\n")[1]!,
      /^local-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+Immediate\s+false\s+\d+s$/,
    );
    const upd = await c.admin(
      "PATCH",
      "/apis/storage.k8s.io/v1/storageclasses/local-path",
      { provisioner: "other.io/x" },
      "application/merge-patch+json",
    );
    assert.equal(upd.status, 422);
    assert.equal(
      upd.json.message,
      'StorageClass.storage.k8s.io "local-path" is invalid: provisioner: Forbidden: updates to provisioner are forbidden.',
    );
  });

  test("CSIDriver, CSINode and VolumeAttachment are served with upstream's columns", async () => {
    const d = await c.admin("POST", "/apis/storage.k8s.io/v1/csidrivers", {
      metadata: { name: "hostpath.csi.k8s.io" },
      spec: {},
    });
    assert.equal(d.status, 201, d.text);
    assert.deepEqual(d.json.spec.volumeLifecycleModes, ["Persistent"]);
    assert.equal(d.json.spec.attachRequired, true);
    const out = await kubectl(["get", "csidrivers"]);
    assert.deepEqual(headers(out), [
      "NAME",
      "ATTACHREQUIRED",
      "PODINFOONMOUNT",
      "STORAGECAPACITY",
      "TOKENREQUESTS",
      "REQUIRESREPUBLISH",
      "MODES",
      "AGE",
    ]);
    assert.match(
      out.split("\n")[1]!,
      /^hostpath\.csi\.k8s\.io\s+true\s+false\s+false\s+<unset>\s+false\s+Persistent\s+\d+s$/,
    );
    const va = await c.admin("POST", "/apis/storage.k8s.io/v1/volumeattachments", {
      metadata: { name: "va1" },
      spec: { attacher: "hostpath.csi.k8s.io", nodeName: "node1", source: { persistentVolumeName: "pv1" } },
    });
    assert.equal(va.status, 201, va.text);
    const vaOut = await kubectl(["get", "volumeattachments"]);
    assert.deepEqual(headers(vaOut), ["NAME", "ATTACHER", "PV", "NODE", "ATTACHED", "AGE"]);
    assert.match(vaOut.split("\n")[1]!, /^va1\s+hostpath\.csi\.k8s\.io\s+pv1\s+node1\s+false\s+\d+s$/);
  });
});

describe("scheduling.k8s.io and the Priority admission plugin", () => {
  test("the system classes exist from the start and kubectl create priorityclass works", async () => {
    const pcs = (await c.admin("GET", "/apis/scheduling.k8s.io/v1/priorityclasses")).json.items;
    assert.deepEqual(
      pcs.map((p: { metadata: { name: string }; value: number }) => [p.metadata.name, p.value]),
      [
        ["system-cluster-critical", 2000000000],
        ["system-node-critical", 2000001000],
      ],
    );
    const generated = await kubectl([
      "create",
      "priorityclass",
      "high",
      "--value=1000",
      "--description=high priority",
      "--dry-run=client",
      "-o",
      "json",
    ]);
    await kubectl(["create", "-f", "-"], generated);
    const out = await kubectl(["get", "pc", "high"]);
    assert.deepEqual(headers(out), ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]);
    assert.match(out.split("\n")[1]!, /^high\s+1000\s+false\s+\d+s\s+PreemptLowerPriority$/);
  });

  test("a Pod's priorityClassName resolves to spec.priority; an unknown one is 403 as upstream", async () => {
    const pod = (name: string, priorityClassName?: string) => ({
      metadata: { name },
      spec: {
        containers: [{ name: "c", image: "busybox" }],
        ...(priorityClassName ? { priorityClassName } : {}),
      },
    });
    const ok = await c.admin("POST", "/api/v1/namespaces/ck/pods", pod("p1", "high"));
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.spec.priority, 1000);
    assert.equal(ok.json.spec.preemptionPolicy, "PreemptLowerPriority");
    const none = await c.admin("POST", "/api/v1/namespaces/ck/pods", pod("p0"));
    assert.equal(none.json.spec.priority, 0);
    const bad = await c.admin("POST", "/api/v1/namespaces/ck/pods", pod("p2", "nope"));
    assert.equal(bad.status, 403, bad.text);
    assert.equal(bad.json.message, 'pods "p2" is forbidden: no PriorityClass with name nope was found');
  });

  test("user classes may not take system values or names", async () => {
    const r = await c.admin("POST", "/apis/scheduling.k8s.io/v1/priorityclasses", {
      metadata: { name: "system-x" },
      value: 5,
    });
    assert.equal(r.status, 422);
    assert.equal(
      r.json.message,
      "PriorityClass.scheduling.k8s.io \"system-x\" is invalid: metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-x is not a known system priority class",
    );
  });
});

describe("node.k8s.io", () => {
  test("RuntimeClass: handler validated, table as upstream", async () => {
    const bad = await c.admin("POST", "/apis/node.k8s.io/v1/runtimeclasses", {
      metadata: { name: "x" },
      handler: "Bad_Handler",
    });
    assert.equal(bad.status, 422);
    assert.match(
      bad.json.message,
      /handler: Invalid value: "Bad_Handler": a lowercase RFC 1123 label must consist of/,
    );
    const ok = await c.admin("POST", "/apis/node.k8s.io/v1/runtimeclasses", {
      metadata: { name: "gvisor" },
      handler: "runsc",
    });
    assert.equal(ok.status, 201, ok.text);
    const out = await kubectl(["get", "runtimeclass"]);
    assert.deepEqual(headers(out), ["NAME", "HANDLER", "AGE"]);
    assert.match(out.split("\n")[1]!, /^gvisor\s+runsc\s+\d+s$/);
  });
});

/** A fresh PKCS#10 request (base64, as spec.request carries it) and its private key (PEM). */
async function keyAndRequest(subject: string): Promise<{ request: string; keyPem: string }> {
  const x509 = await loadX509();
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subject,
    keys,
    signingAlgorithm: alg,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString("base64")}\n-----END PRIVATE KEY-----\n`;
  return { request: Buffer.from(csr.toString("pem")).toString("base64"), keyPem };
}

const pkcs10 = async (cn: string) => (await keyAndRequest(`CN=${cn}`)).request;

async function approve(name: string): Promise<void> {
  const current = (await c.admin("GET", `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}`))
    .json;
  current.status.conditions = [
    { type: "Approved", status: "True", reason: "KubectlApprove", message: "approved" },
  ];
  const r = await c.admin(
    "PUT",
    `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}/approval`,
    current,
  );
  assert.equal(r.status, 200, r.text);
}

describe("certificates.k8s.io", () => {
  test("a CSR records its requester; /approval (as kubectl certificate approve sends it) approves it", async () => {
    const created = await c.admin("POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", {
      metadata: { name: "alice" },
      spec: {
        request: await pkcs10("alice"),
        signerName: "kubernetes.io/kube-apiserver-client",
        usages: ["client auth"],
        expirationSeconds: 86400,
        username: "forged",
      },
      status: { conditions: [{ type: "Approved", status: "True" }] },
    });
    assert.equal(created.status, 201, created.text);
    assert.notEqual(created.json.spec.username, "forged");
    assert.deepEqual(created.json.status, {});
    let out = await kubectl(["get", "csr"]);
    assert.deepEqual(headers(out), [
      "NAME",
      "AGE",
      "SIGNERNAME",
      "REQUESTOR",
      "REQUESTEDDURATION",
      "CONDITION",
    ]);
    assert.match(
      out.split("\n")[1]!,
      /^alice\s+\d+s\s+kubernetes\.io\/kube-apiserver-client\s+\S+\s+24h\s+Pending$/,
    );
    // kubectl certificate approve: GET, append the Approved condition, PUT …/approval.
    const current = (await c.admin("GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests/alice"))
      .json;
    current.status.conditions = [
      {
        type: "Approved",
        status: "True",
        reason: "KubectlApprove",
        message: "This CSR was approved by kubectl certificate approve.",
      },
    ];
    current.spec.usages = ["server auth"]; // ignored: /approval changes only the conditions
    const approved = await c.admin(
      "PUT",
      "/apis/certificates.k8s.io/v1/certificatesigningrequests/alice/approval",
      current,
    );
    assert.equal(approved.status, 200, approved.text);
    assert.deepEqual(approved.json.spec.usages, ["client auth"]);
    const viaStatus = await c.admin(
      "PATCH",
      "/apis/certificates.k8s.io/v1/certificatesigningrequests/alice/status",
      { status: { conditions: [{ type: "Denied", status: "True" }] } },
      "application/merge-patch+json",
    );
    assert.equal(viaStatus.status, 200, viaStatus.text);
    assert.deepEqual(
      viaStatus.json.status.conditions.map((x: { type: string }) => x.type),
      ["Approved"],
      "/status keeps approvals",
    );
    out = await kubectl(["get", "csr", "alice"]);
    assert.match(out.split("\n")[1]!, /\sApproved(,Issued)?$/); // the signer may already have issued it
    const csr = (await c.admin("GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests/alice")).json;
    assert.equal(csr.status.conditions[0].reason, "KubectlApprove");
    assert.ok(csr.status.conditions[0].lastTransitionTime);
  });

  test("signerName and usages are validated with upstream's messages", async () => {
    const r = await c.admin("POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", {
      metadata: { name: "bad" },
      spec: { request: await pkcs10("bad"), signerName: "example", usages: ["client auth", "flying"] },
    });
    assert.equal(r.status, 422, r.text);
    assert.equal(
      r.json.message,
      'CertificateSigningRequest.certificates.k8s.io "bad" is invalid: [spec.usages[1]: Unsupported value: "flying": supported values: "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", "decipher only", "digital signature", "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping", spec.signerName: Invalid value: "example": must be a fully qualified domain and path of the form \'example.com/signer-name\']',
    );
  });
});

describe("the kube-apiserver-client signer", () => {
  test("an approved request is signed by the cluster CA and the certificate authenticates", async () => {
    const { request, keyPem } = await keyAndRequest("O=dev,CN=carol");
    const r = await c.admin("POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", {
      metadata: { name: "carol" },
      spec: {
        request,
        signerName: "kubernetes.io/kube-apiserver-client",
        usages: ["client auth"],
        expirationSeconds: 3600,
      },
    });
    assert.equal(r.status, 201, r.text);
    await approve("carol");
    const issued = await eventually(
      async () => {
        const csr = (await c.admin("GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests/carol"))
          .json;
        return csr.status.certificate as string | undefined;
      },
      10000,
      "certificate issued",
    );
    const certPem = Buffer.from(issued, "base64").toString();
    const cert = new X509Certificate(certPem);
    assert.ok(cert.checkIssued(new X509Certificate(c.server.caPem)));
    assert.ok(Date.parse(cert.validTo) - Date.now() <= 3600 * 1000 + 60_000, cert.validTo);
    const who = await c.request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
      cert: { cert: certPem, key: keyPem },
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    assert.equal(who.status, 201, who.text);
    assert.equal(who.json.status.userInfo.username, "carol");
    assert.ok(who.json.status.userInfo.groups.includes("dev"));
    assert.match((await kubectl(["get", "csr", "carol"])).split("\n")[1]!, /\s60m\s+Approved,Issued$/);
  });

  test("a request the signer cannot honour is marked Failed", async () => {
    const r = await c.admin("POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", {
      metadata: { name: "server" },
      spec: {
        request: await pkcs10("server"),
        signerName: "kubernetes.io/kube-apiserver-client",
        usages: ["server auth"],
      },
    });
    assert.equal(r.status, 201, r.text);
    await approve("server");
    const failed = await eventually(
      async () => {
        const csr = (await c.admin("GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests/server"))
          .json;
        return csr.status.conditions?.find((x: { type: string }) => x.type === "Failed");
      },
      10000,
      "Failed condition",
    );
    assert.equal(failed.reason, "SignerValidationFailure");
    assert.equal(failed.message, "invalid usage for client certificate: server auth");
  });
});

describe("certificates admission", () => {
  test("approving needs `approve` on the signer; the bootstrap approver role grants it", async () => {
    const r = await c.admin("POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", {
      metadata: { name: "dave" },
      spec: {
        request: await pkcs10("dave"),
        signerName: "kubernetes.io/kube-apiserver-client",
        usages: ["client auth"],
      },
    });
    assert.equal(r.status, 201, r.text);
    await kubectl([
      "create",
      "clusterrole",
      "csr-updater",
      "--verb=get,update",
      "--resource=certificatesigningrequests.certificates.k8s.io/approval",
    ]);
    await kubectl(["create", "clusterrolebinding", "erin-csr", "--clusterrole=csr-updater", "--user=erin"]);
    const adminCert = { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem };
    const asErin = async () => {
      const current = (await c.admin("GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests/dave"))
        .json;
      current.status.conditions = [{ type: "Approved", status: "True", reason: "R", message: "m" }];
      return c.request("PUT", "/apis/certificates.k8s.io/v1/certificatesigningrequests/dave/approval", {
        cert: adminCert,
        headers: { "Impersonate-User": "erin" },
        body: current,
      });
    };
    const denied = await asErin();
    assert.equal(denied.status, 403, denied.text);
    assert.equal(
      denied.json.message,
      'certificatesigningrequests.certificates.k8s.io "dave" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"',
    );
    await kubectl([
      "create",
      "clusterrolebinding",
      "erin-approver",
      "--clusterrole=system:certificates.k8s.io:kube-apiserver-client-approver",
      "--user=erin",
    ]);
    const allowed = await asErin();
    assert.equal(allowed.status, 200, allowed.text);
  });

  test("the kube-apiserver-client signer refuses system:masters requests at create", async () => {
    const { request } = await keyAndRequest("O=system:masters,CN=mallory");
    const r = await c.admin("POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", {
      metadata: { name: "mallory" },
      spec: { request, signerName: "kubernetes.io/kube-apiserver-client", usages: ["client auth"] },
    });
    assert.equal(r.status, 403, r.text);
    assert.equal(
      r.json.message,
      'certificatesigningrequests.certificates.k8s.io "mallory" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed',
    );
  });
});

describe("apiregistration.k8s.io and discovery", () => {
  test("one Local, Available APIService per served group version", async () => {
    const out = await kubectl(["get", "apiservices"]);
    assert.deepEqual(headers(out), ["NAME", "SERVICE", "AVAILABLE", "AGE"]);
    assert.match(out, /\nv1\.networking\.k8s\.io\s+Local\s+True\s+\d+s\n/);
    assert.match(out, /\nv1\.\s+Local\s+True\s+\d+s\n/);
  });

  test("/apis lists groups in kube-apiserver's order", async () => {
    const groups = (await c.admin("GET", "/apis")).json.groups.map((g: { name: string }) => g.name);
    const expected = [
      "apiregistration.k8s.io",
      "apps",
      "events.k8s.io",
      "authentication.k8s.io",
      "authorization.k8s.io",
      "autoscaling",
      "batch",
      "certificates.k8s.io",
      "networking.k8s.io",
      "policy",
      "rbac.authorization.k8s.io",
      "storage.k8s.io",
      "admissionregistration.k8s.io",
      "apiextensions.k8s.io",
      "scheduling.k8s.io",
      "coordination.k8s.io",
      "node.k8s.io",
      "discovery.k8s.io",
      "flowcontrol.apiserver.k8s.io",
      "metrics.k8s.io", // metrics-server's APIService: groupPriorityMinimum 100
    ];
    assert.deepEqual(
      groups,
      expected.filter((g) => groups.includes(g)),
    );
    const aggregated = await c.request("GET", "/apis", {
      cert: { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem },
      headers: { Accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" },
    });
    assert.deepEqual(
      aggregated.json.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      groups,
      "aggregated discovery lists the groups in the same order",
    );
  });
});

describe("bootstrap roles", () => {
  test("edit may create CronJobs and view may not read Secrets (SelfSubjectAccessReview)", async () => {
    for (const [user, role] of [
      ["ed", "edit"],
      ["vi", "view"],
    ] as const)
      await kubectl([
        "create",
        "rolebinding",
        `${user}-${role}`,
        `--clusterrole=${role}`,
        `--user=${user}`,
        "-n",
        "ck",
      ]);
    const adminCert = { cert: c.server.pki.adminCertPem, key: c.server.pki.adminKeyPem };
    const can = async (user: string, verb: string, group: string, resource: string) => {
      const r = await c.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
        cert: adminCert,
        headers: { "Impersonate-User": user },
        body: { spec: { resourceAttributes: { namespace: "ck", verb, group, resource } } },
      });
      assert.equal(r.status, 201, r.text);
      return r.json.status.allowed === true;
    };
    assert.equal(await can("ed", "create", "batch", "cronjobs"), true);
    assert.equal(await can("ed", "create", "networking.k8s.io", "ingresses"), true);
    assert.equal(await can("ed", "create", "rbac.authorization.k8s.io", "rolebindings"), false);
    assert.equal(await can("vi", "get", "", "secrets"), false);
    assert.equal(await can("vi", "list", "networking.k8s.io", "networkpolicies"), true);
    assert.equal(await can("vi", "create", "batch", "cronjobs"), false);
  });
});

describe("events.k8s.io", () => {
  test("an Event written in either version reads back in the other", async () => {
    const now = new Date().toISOString().replace(/\.\d+Z$/, ".000000Z");
    const v1 = await c.admin("POST", "/apis/events.k8s.io/v1/namespaces/ck/events", {
      metadata: { name: "e1" },
      eventTime: now,
      reportingController: "example.com/ctl",
      reportingInstance: "ctl-1",
      action: "Sync",
      reason: "Synced",
      type: "Normal",
      note: "all good",
      regarding: { kind: "Pod", namespace: "ck", name: "p1" },
    });
    assert.equal(v1.status, 201, v1.text);
    assert.equal(v1.json.apiVersion, "events.k8s.io/v1");
    assert.equal(v1.json.note, "all good");
    const core = (await c.admin("GET", "/api/v1/namespaces/ck/events/e1")).json;
    assert.equal(core.apiVersion, "v1");
    assert.equal(core.message, "all good");
    assert.equal(core.involvedObject.name, "p1");
    assert.equal(core.reportingComponent, "example.com/ctl");
    assert.equal(core.metadata.resourceVersion, v1.json.metadata.resourceVersion);

    const old = await c.admin("POST", "/api/v1/namespaces/ck/events", {
      metadata: { name: "e2" },
      involvedObject: { kind: "Pod", namespace: "ck", name: "p2" },
      reason: "Started",
      message: "started",
      type: "Normal",
      count: 3,
      source: { component: "kubelet" },
    });
    assert.equal(old.status, 201, old.text);
    const asV1 = (await c.admin("GET", "/apis/events.k8s.io/v1/namespaces/ck/events/e2")).json;
    assert.equal(asV1.kind, "Event");
    assert.equal(asV1.note, "started");
    assert.equal(asV1.deprecatedCount, 3);
    assert.deepEqual(asV1.deprecatedSource, { component: "kubelet" });
    assert.equal(asV1.regarding.name, "p2");
    assert.equal(asV1.message, undefined);

    const selected = (
      await c.admin("GET", "/apis/events.k8s.io/v1/namespaces/ck/events?fieldSelector=regarding.name%3Dp2")
    ).json;
    assert.deepEqual(
      selected.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ["e2"],
    );
    const out = await kubectl(["get", "events.v1.events.k8s.io", "-n", "ck"]);
    assert.deepEqual(headers(out), ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
    assert.match(out, /pod\/p1\s+all good/);
  });

  test("a watch on events.k8s.io/v1 sees core/v1 writes in events/v1 form", async () => {
    const list = (await c.admin("GET", "/apis/events.k8s.io/v1/namespaces/ck/events")).json;
    const watching = c.admin(
      "GET",
      `/apis/events.k8s.io/v1/namespaces/ck/events?watch=1&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=2`,
    );
    await new Promise((r) => setTimeout(r, 200));
    const created = await c.admin("POST", "/api/v1/namespaces/ck/events", {
      metadata: { name: "watched" },
      involvedObject: { kind: "Pod", namespace: "ck", name: "p3" },
      reason: "Pulled",
      message: "pulled",
      type: "Normal",
    });
    assert.equal(created.status, 201, created.text);
    const lines = (await watching).text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const added = lines.find((l) => l.object.metadata?.name === "watched");
    assert.equal(added?.type, "ADDED", (await watching).text);
    assert.equal(added.object.apiVersion, "events.k8s.io/v1");
    assert.equal(added.object.note, "pulled");
    assert.equal(added.object.regarding.name, "p3");
  });

  test("events.k8s.io/v1 creates are validated strictly", async () => {
    const r = await c.admin("POST", "/apis/events.k8s.io/v1/namespaces/ck/events", {
      metadata: { name: "e3" },
      reason: "X",
      type: "Odd",
      deprecatedCount: 2,
      regarding: { kind: "Pod", namespace: "ck", name: "p" },
    });
    assert.equal(r.status, 422, r.text);
    assert.equal(
      r.json.message,
      'Event.events.k8s.io "e3" is invalid: [eventTime: Required value, type: Invalid value: "": has invalid value: Odd, deprecatedCount: Invalid value: "": needs to be unset]',
    );
  });
});
