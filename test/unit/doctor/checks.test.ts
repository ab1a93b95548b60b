// Every failure mode the doctor knows, as facts in, verdict and fix out: no files, network or server.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { renderText, runChecks } from "../../../src/doctor/index.ts";
import type { CheckResult, DoctorFacts } from "../../../src/doctor/types.ts";
import { decodeToken } from "../../../src/token/index.ts";

const NOW = new Date("2026-02-01T12:00:00Z");
const s = (d: Date) => Math.floor(d.getTime() / 1000);
const ISSUER = "https://kubernetes.default.svc.cluster.local";

function jwt(claims: Record<string, unknown>, kid = "key-1"): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "RS256", kid })}.${part(claims)}.c2ln`;
}

function boundClaims(o: { iat?: Date; exp?: Date; pod?: boolean; iss?: string; aud?: string[] } = {}) {
  const iat = o.iat ?? new Date(NOW.getTime() - 600_000);
  return {
    iss: o.iss ?? ISSUER,
    sub: "system:serviceaccount:web:app",
    aud: o.aud ?? [ISSUER],
    iat: s(iat),
    nbf: s(iat),
    exp: s(o.exp ?? new Date(iat.getTime() + 3600_000)),
    "kubernetes.io": {
      namespace: "web",
      serviceaccount: { name: "app", uid: "sa-uid" },
      ...(o.pod ? { pod: { name: "web-0", uid: "pod-uid" } } : {}),
    },
  };
}

/** A Pod where everything works; each test breaks one thing. */
function healthy(): DoctorFacts {
  const file = (name: string) => ({
    path: `/sa/${name}`,
    exists: true,
    readable: true,
    isSymlink: true,
    size: 10,
  });
  return {
    mode: "in-cluster",
    now: NOW,
    env: { host: "10.96.0.1", port: "443", hostname: "web-0" },
    serviceAccount: {
      dir: "/sa",
      from: "the standard mount path",
      exists: true,
      dataTarget: "..2026_02_01_11_50_00.1",
      files: { token: file("token"), "ca.crt": file("ca.crt"), namespace: file("namespace") },
      namespace: "web",
    },
    server: "https://10.96.0.1:443",
    token: { source: "token file /sa/token", decoded: decodeToken(jwt(boundClaims({ pod: true }))) },
    ca: {
      source: "/sa/ca.crt",
      certificates: [
        { subject: "CN=kubernetes", notBefore: new Date("2025-01-01"), notAfter: new Date("2035-01-01") },
      ],
    },
    network: {
      host: "10.96.0.1",
      port: 443,
      dns: { literal: true },
      tcp: { ok: true, ms: 1 },
      tls: { ok: true, protocol: "TLSv1.3", authorized: true, peerSubject: "CN=kube-apiserver" },
    },
    auth: {
      outcome: "authenticated",
      user: {
        username: "system:serviceaccount:web:app",
        groups: ["system:serviceaccounts", "system:serviceaccounts:web", "system:authenticated"],
      },
    },
    discovery: { via: "token", issuer: ISSUER, keyIds: ["key-1"], signature: "valid" },
    access: [],
    version: { major: "1", minor: "33", gitVersion: "v1.33.2" },
  };
}

const check = (facts: DoctorFacts, id: string): CheckResult => {
  const found = runChecks(facts).find((r) => r.id === id);
  assert.ok(found, `no ${id} check`);
  return found;
};

const unauthorized = (f: DoctorFacts, discovery: DoctorFacts["discovery"]): DoctorFacts => ({
  ...f,
  auth: { outcome: "unauthorized" },
  discovery: discovery && { ...discovery, via: "anonymous" },
});

describe("a healthy Pod", () => {
  test("every check is ok and the text ends with no problems", () => {
    const results = runChecks(healthy());
    assert.deepEqual(
      results.filter((r) => r.status !== "ok").map((r) => r.id),
      [],
    );
    assert.match(renderText(results), /^✔ environment: KUBERNETES_SERVICE_HOST=10\.96\.0\.1/);
    assert.match(renderText(results), /No problems found\.\n$/);
  });
});

describe("environment and ServiceAccount directory", () => {
  test("no KUBERNETES_SERVICE_HOST: not a Pod", () => {
    const r = check({ ...healthy(), env: { port: "443" } }, "environment");
    assert.equal(r.status, "fail");
    assert.match(r.summary, /KUBERNETES_SERVICE_HOST not set/);
  });

  test("no directory at all means automountServiceAccountToken: false", () => {
    const f = healthy();
    f.serviceAccount!.exists = false;
    const r = check(f, "serviceaccount");
    assert.equal(r.status, "fail");
    assert.match(r.summary, /automountServiceAccountToken: false/);
    assert.ok(r.fix?.some((x) => x.includes("automountServiceAccountToken")));
  });

  test("an unreadable token: the fsGroup fix", () => {
    const f = healthy();
    f.serviceAccount!.files.token = {
      path: "/sa/token",
      exists: true,
      readable: false,
      isSymlink: true,
      error: "permission denied",
    };
    const r = check(f, "serviceaccount");
    assert.equal(r.status, "fail");
    assert.ok(r.fix?.some((x) => x.includes("fsGroup")));
  });

  test("files without the ..data layout are not rotated: a warning", () => {
    const f = healthy();
    delete f.serviceAccount!.dataTarget;
    assert.equal(check(f, "serviceaccount").status, "warn");
  });
});

describe("token", () => {
  test("expired: the refresh fix", () => {
    const f = healthy();
    f.token = {
      source: "t",
      decoded: decodeToken(jwt(boundClaims({ iat: new Date(NOW.getTime() - 7200_000) }))),
    };
    const r = check(f, "token");
    assert.equal(r.status, "fail");
    assert.match(r.details![0], /^expired 1h ago/);
    assert.ok(r.fix?.[0].includes("80%"));
  });

  test("another cluster's issuer", () => {
    const f = healthy();
    f.token = { source: "t", decoded: decodeToken(jwt(boundClaims({ iss: "https://other.example" }))) };
    const r = check(f, "token");
    assert.equal(r.status, "fail");
    assert.match(r.details![0], /issuer "https:\/\/other\.example" is not this API server's/);
  });

  test("a custom audience and a legacy token are warnings", () => {
    const f = healthy();
    f.token = { source: "t", decoded: decodeToken(jwt(boundClaims({ aud: ["vault"] }))) };
    assert.equal(check(f, "token").status, "warn");
    const legacy = decodeToken(
      jwt({
        iss: "kubernetes/serviceaccount",
        sub: "system:serviceaccount:web:app",
        "kubernetes.io/serviceaccount/namespace": "web",
        "kubernetes.io/serviceaccount/service-account.name": "app",
      }),
    );
    f.token = { source: "t", decoded: legacy };
    const r = check(f, "token");
    assert.equal(r.status, "warn");
    assert.match(r.details!.join(), /legacy Secret-based token/);
  });

  test("not a JWT", () => {
    const r = check(
      { ...healthy(), token: { source: "token file /sa/token", error: "token is not a JWT" } },
      "token",
    );
    assert.equal(r.status, "fail");
  });
});

describe("CA and network", () => {
  test("a CA bundle that does not verify the server", () => {
    const f = healthy();
    f.network!.tls = {
      ok: true,
      authorized: false,
      authorizationError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      peerSubject: "CN=kube-apiserver",
    };
    const r = check(f, "ca");
    assert.equal(r.status, "fail");
    assert.match(r.summary, /does NOT verify the API server \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
  });

  test("an expired CA, an unparsable CA", () => {
    const f = healthy();
    f.ca!.certificates![0].notAfter = new Date("2026-01-01");
    assert.equal(check(f, "ca").status, "fail");
    assert.equal(
      check({ ...healthy(), ca: { source: "/sa/ca.crt", error: "holds no PEM certificate" } }, "ca").status,
      "fail",
    );
  });

  test("DNS, TCP and TLS failures name their layer", () => {
    const dns = healthy();
    dns.network = { host: "kubernetes.default.svc", port: 443, dns: { literal: false, error: "ENOTFOUND" } };
    assert.equal(check(dns, "dns").status, "fail");
    assert.equal(check(dns, "tcp").status, "skip");
    const tcp = healthy();
    tcp.network!.tcp = { ok: false, error: "ETIMEDOUT" };
    delete tcp.network!.tls;
    assert.match(check(tcp, "tcp").fix![0], /NetworkPolicy/);
    const name = healthy();
    name.network!.tls!.hostnameError = "Hostname/IP does not match certificate's altnames";
    assert.equal(check(name, "tls").status, "fail");
  });
});

describe("authentication: the causes of a 401", () => {
  test("expired", () => {
    const f = unauthorized(healthy(), undefined);
    f.token = {
      source: "t",
      decoded: decodeToken(jwt(boundClaims({ iat: new Date(NOW.getTime() - 7200_000) }))),
    };
    assert.match(check(f, "authentication").summary, /it expired 1h ago/);
  });

  test("signed by a key the server does not have (seed 002)", () => {
    const r = check(
      unauthorized(healthy(), {
        via: "anonymous",
        issuer: ISSUER,
        keyIds: ["other-key"],
        signature: "unknown-key",
      }),
      "authentication",
    );
    assert.equal(r.status, "fail");
    assert.match(
      r.summary,
      /signed by a key this API server does not trust \(its key id "key-1" is not among/,
    );
    assert.ok(r.details?.some((d) => d.includes("crypto/rsa: verification error")));
  });

  test("a genuine Pod-bound token of a deleted Pod, copied into another Pod", () => {
    const f = unauthorized(healthy(), {
      via: "anonymous",
      issuer: ISSUER,
      keyIds: ["key-1"],
      signature: "valid",
    });
    f.env.hostname = "web-1";
    const r = check(f, "authentication");
    assert.match(r.summary, /bound to Pod web-0 \(uid pod-uid\), which was deleted/);
    assert.ok(r.details?.some((d) => d.includes("copied from Pod web-0")));
  });

  test("a genuine token of a deleted ServiceAccount", () => {
    const f = unauthorized(healthy(), {
      via: "anonymous",
      issuer: ISSUER,
      keyIds: ["key-1"],
      signature: "valid",
    });
    f.token = { source: "t", decoded: decodeToken(jwt(boundClaims())) };
    assert.match(check(f, "authentication").summary, /ServiceAccount web\/app \(uid sa-uid\) was deleted/);
  });

  test("keys unreadable: the remaining causes, ranked, and how to let doctor check", () => {
    const r = check(
      unauthorized(healthy(), { via: "anonymous", error: "403 Forbidden without credentials" }),
      "authentication",
    );
    assert.match(r.summary, /signature was not checked/);
    assert.match(r.details![1], /signed by a key/);
    assert.ok(r.fix?.[0].includes("system:service-account-issuer-discovery"));
  });

  test("no token sent: system:anonymous, never an RBAC grant", () => {
    const f: DoctorFacts = {
      ...healthy(),
      token: undefined,
      auth: {
        outcome: "forbidden",
        message:
          'selfsubjectreviews.authentication.k8s.io is forbidden: User "system:anonymous" cannot create resource "selfsubjectreviews" in API group "authentication.k8s.io" at the cluster scope',
      },
    };
    const r = check(f, "authentication");
    assert.match(r.summary, /system:anonymous/);
    assert.ok(r.fix?.some((x) => x.includes("Do not grant RBAC to system:anonymous")));
  });
});

describe("servers older than SelfSubjectReview", () => {
  test("the user an old server's 403 named: authenticated, the server called old, denials still get fixes", () => {
    const f: DoctorFacts = {
      ...healthy(),
      auth: { outcome: "unsupported", username: "system:serviceaccount:web:app" },
      version: { major: "1", minor: "20", gitVersion: "v1.20.15" },
      access: [
        {
          need: { text: "list pods -A", verb: "list", resource: "pods", allNamespaces: true },
          namespace: "",
          result: { allowed: false },
        },
      ],
    };
    const auth = check(f, "authentication");
    assert.equal(auth.status, "ok");
    assert.match(
      auth.summary,
      /^system:serviceaccount:web:app \(groups from the token: \[system:serviceaccounts /,
    );
    assert.match(
      auth.details![0],
      /API server \(v1\.20\.15\) is older than 1\.27 and has no SelfSubjectReview API/,
    );
    assert.doesNotMatch(JSON.stringify(runChecks(f)), /basic-user|not authenticated/);
    const access = check(f, "access");
    assert.equal(access.status, "fail");
    assert.match(access.fix![0], /kubectl create clusterrole web-app-pods --verb=list,watch --resource=pods/);
  });

  test("no SelfSubjectReview and no user named by the server: the token's claims, flagged as unconfirmed", () => {
    const r = check({ ...healthy(), auth: { outcome: "unsupported" } }, "authentication");
    assert.equal(r.status, "warn");
    assert.match(r.summary, /system:serviceaccount:web:app .*from the token: not confirmed by the server/);
  });
});

describe("access and version", () => {
  test("a denied need carries the least-privilege commands", () => {
    const f = healthy();
    f.access = [
      {
        need: { text: "list pods -A", verb: "list", resource: "pods", allNamespaces: true },
        namespace: "",
        result: { allowed: false },
      },
      {
        need: { text: "get configmaps cfg", verb: "get", resource: "configmaps", name: "cfg" },
        namespace: "web",
        result: { allowed: true },
      },
    ];
    const [denied, allowed] = runChecks(f).filter((r) => r.id === "access");
    assert.equal(denied.status, "fail");
    assert.match(
      denied.fix![0],
      /^kubectl create clusterrole web-app-pods --verb=list,watch --resource=pods$/,
    );
    assert.equal(allowed.status, "ok");
    assert.match(allowed.summary, /get configmaps cfg \(in web\): allowed/);
  });

  test("needs are skipped, not failed, when authentication failed", () => {
    const f = unauthorized(healthy(), undefined);
    f.access = [{ need: { text: "list pods", verb: "list", resource: "pods" }, namespace: "" }];
    assert.equal(check(f, "access").status, "skip");
  });

  test("version skew", () => {
    const old = check(
      { ...healthy(), version: { major: "1", minor: "24", gitVersion: "v1.24.17" } },
      "version",
    );
    assert.equal(old.status, "warn");
    assert.match(old.summary, /v1\.24\.17 is older than the tested range 1\.27–1\.35/);
    assert.equal(check({ ...healthy(), version: { major: "1", minor: "40+" } }, "version").status, "warn");
  });
});
