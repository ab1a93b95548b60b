import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CompactSign } from "jose";
import {
  issueBoundToken,
  issueLegacyToken,
  type ServiceAccountTokenConfig,
  type TokenVerdict,
  verifyServiceAccountToken,
} from "../../../src/server/authn/serviceaccount-tokens.ts";
import { signCompactJws } from "../../../src/server/pki/jws.ts";
import { generateServiceAccountKey } from "../../../src/server/pki/signing-keys.ts";
import {
  exampleObjects,
  FakeObjects,
  ISSUER,
  NODE,
  POD,
  SA,
  secondsAfter,
  T0,
  tokenConfig,
} from "./fixtures.ts";

function rejected(verdict: TokenVerdict): string {
  assert.equal(verdict.status, "rejected", JSON.stringify(verdict));
  return (verdict as { error: string }).error;
}

function authenticated(verdict: TokenVerdict) {
  assert.equal(verdict.status, "authenticated", JSON.stringify(verdict));
  return verdict as Extract<TokenVerdict, { status: "authenticated" }>;
}

const iso = (d: Date) => d.toISOString();
const podToken = (cfg: ServiceAccountTokenConfig, now = T0) =>
  issueBoundToken(cfg, { serviceAccount: SA, pod: POD, node: NODE, now });

for (const alg of ["RS256", "ES256"] as const) {
  describe(`round trip (${alg})`, async () => {
    const cfg = await tokenConfig(alg);

    it("authenticates a pod-bound token as the ServiceAccount with pod, node and credential extras", async () => {
      const issued = await podToken(cfg);
      const verdict = authenticated(
        await verifyServiceAccountToken(issued.token, cfg, exampleObjects(), { now: secondsAfter(T0, 10) }),
      );
      assert.deepEqual(verdict.user, {
        username: "system:serviceaccount:kube-system:coredns",
        uid: SA.uid,
        groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system"],
        extra: {
          "authentication.kubernetes.io/pod-name": [POD.name],
          "authentication.kubernetes.io/pod-uid": [POD.uid],
          "authentication.kubernetes.io/credential-id": [`JTI=${issued.jti}`],
          "authentication.kubernetes.io/node-name": [NODE.name],
          "authentication.kubernetes.io/node-uid": [NODE.uid],
        },
      });
      assert.deepEqual(verdict.audiences, [ISSUER]);
      assert.deepEqual(verdict.auditAnnotations, {});
    });
  });
}

describe("not-mine", async () => {
  const cfg = await tokenConfig();
  const objects = exampleObjects();

  it("passes on opaque tokens, JSON, and malformed compact serialisations", async () => {
    const { token } = await podToken(cfg);
    const [h, p, s] = token.split(".");
    for (const candidate of [
      "abc",
      "a.b",
      `{"iss":"${ISSUER}"}`,
      ` {${h}.${p}.${s}`,
      `${h}.${p}`,
      `${h}.${p}.${s}.x`,
      `%%.${p}.${s}`,
      `${h}.!!.${s}`,
    ]) {
      assert.deepEqual(
        await verifyServiceAccountToken(candidate, cfg, objects),
        { status: "not-mine" },
        candidate,
      );
    }
  });

  it("passes on JWTs of other issuers, even when signed with our key", async () => {
    const foreign = await signCompactJws({ iss: "https://accounts.example.com", sub: "x" }, cfg.signingKey);
    assert.deepEqual(await verifyServiceAccountToken(foreign, cfg, objects), { status: "not-mine" });
    const noIssuer = await signCompactJws({ sub: "x" }, cfg.signingKey);
    assert.deepEqual(await verifyServiceAccountToken(noIssuer, cfg, objects), { status: "not-mine" });
  });
});

describe("signature", async () => {
  const cfg = await tokenConfig("RS256");
  const other = await generateServiceAccountKey("RS256");
  const otherEc = await generateServiceAccountKey("ES256");
  const objects = exampleObjects();
  const opts = { now: T0 };

  it("rejects a token whose kid matches no key", async () => {
    const { token } = await podToken({ ...cfg, signingKey: other });
    assert.equal(
      rejected(await verifyServiceAccountToken(token, cfg, objects, opts)),
      "invalid signature, no keys found",
    );
  });

  it("rejects a tampered signature with go-jose's crypto error", async () => {
    const { token } = await podToken(cfg);
    const [h, p, s] = token.split(".");
    const flipped = `${s.slice(0, 10)}${s[10] === "A" ? "B" : "A"}${s.slice(11)}`;
    assert.equal(
      rejected(await verifyServiceAccountToken(`${h}.${p}.${flipped}`, cfg, objects, opts)),
      "go-jose/go-jose: error in cryptographic primitive",
    );
  });

  it("tries every key when there is no kid and aggregates distinct errors", async () => {
    // Re-signed without kid, so the verifier has to try every configured key.
    const withoutKid = async (key: typeof other) => {
      const { token } = await podToken({ ...cfg, signingKey: key });
      const payload = Buffer.from(token.split(".")[1], "base64url");
      return new CompactSign(payload).setProtectedHeader({ alg: key.alg }).sign(key.privateKey);
    };
    const twoRsa = {
      ...cfg,
      verifyKeys: [cfg.signingKey.publicKey, (await generateServiceAccountKey("RS256")).publicKey],
    };
    assert.equal(
      rejected(await verifyServiceAccountToken(await withoutKid(other), twoRsa, objects, opts)),
      "go-jose/go-jose: error in cryptographic primitive",
    );
    const mixed = {
      ...cfg,
      verifyKeys: [cfg.signingKey.publicKey, (await generateServiceAccountKey("ES256")).publicKey],
    };
    assert.equal(
      rejected(await verifyServiceAccountToken(await withoutKid(otherEc), mixed, objects, opts)),
      "[go-jose/go-jose: unknown/unsupported algorithm, go-jose/go-jose: error in cryptographic primitive]",
    );
    // A kid-less token signed by a configured key still verifies.
    authenticated(await verifyServiceAccountToken(await withoutKid(cfg.signingKey), mixed, objects, opts));
  });

  it("accepts tokens of a rotated-out key that is still in verifyKeys", async () => {
    const { token } = await podToken({ ...cfg, signingKey: other });
    const rotated = { ...cfg, verifyKeys: [cfg.signingKey.publicKey, other.publicKey] };
    authenticated(await verifyServiceAccountToken(token, rotated, objects, opts));
  });
});

describe("audiences", async () => {
  const cfg = await tokenConfig();
  const objects = exampleObjects();

  it("rejects a token for another audience against the API audiences", async () => {
    const { token } = await issueBoundToken(cfg, { serviceAccount: SA, audiences: ["vault"], now: T0 });
    assert.equal(
      rejected(await verifyServiceAccountToken(token, cfg, objects, { now: T0 })),
      `token audiences ["vault"] is invalid for the target audiences ["${ISSUER}"]`,
    );
  });

  it("accepts it for a matching requested audience and reports the intersection", async () => {
    const { token } = await issueBoundToken(cfg, {
      serviceAccount: SA,
      audiences: ["vault", "other"],
      now: T0,
    });
    const verdict = authenticated(
      await verifyServiceAccountToken(token, cfg, objects, { now: T0, audiences: ["x", "other"] }),
    );
    assert.deepEqual(verdict.audiences, ["other"]);
  });
});

describe("time claims (60 s leeway)", async () => {
  const cfg = await tokenConfig();
  const objects = exampleObjects();
  const { token } = await issueBoundToken(cfg, { serviceAccount: SA, expirationSeconds: 600, now: T0 });
  const verify = (now: Date, t = token) => verifyServiceAccountToken(t, cfg, objects, { now });

  it("accepts a token up to 60 s after exp and rejects it beyond", async () => {
    authenticated(await verify(secondsAfter(T0, 600 + 60)));
    assert.equal(rejected(await verify(secondsAfter(T0, 600 + 61))), "service account token has expired");
  });

  it("rejects a token whose nbf is more than 60 s ahead", async () => {
    authenticated(await verify(secondsAfter(T0, -60)));
    assert.equal(rejected(await verify(secondsAfter(T0, -61))), "service account token is not valid yet");
  });

  it("rejects a token issued in the future (no nbf)", async () => {
    const iat = Math.floor(T0.getTime() / 1000);
    const future = await signCompactJws(
      {
        iss: ISSUER,
        sub: "system:serviceaccount:kube-system:coredns",
        aud: [ISSUER],
        iat: iat + 120,
        exp: iat + 3600,
        "kubernetes.io": { namespace: SA.namespace, serviceaccount: { name: SA.name, uid: SA.uid } },
      },
      cfg.signingKey,
    );
    assert.equal(rejected(await verify(T0, future)), "service account token is issued in the future");
  });
});

describe("bound object checks", async () => {
  const cfg = await tokenConfig();
  const { token } = await podToken(cfg);
  const now = secondsAfter(T0, 5);
  const verify = (objects: FakeObjects, t = token) => verifyServiceAccountToken(t, cfg, objects, { now });

  it("rejects when the ServiceAccount is gone, recreated or deleted more than 60 s ago", async () => {
    const objects = exampleObjects();
    objects.serviceAccounts.clear();
    assert.equal(rejected(await verify(objects)), 'serviceaccounts "coredns" not found');

    objects.serviceAccounts.set("kube-system/coredns", { uid: "new-uid" });
    assert.equal(
      rejected(await verify(objects)),
      `service account UID (new-uid) does not match claim (${SA.uid})`,
    );

    objects.serviceAccounts.set("kube-system/coredns", {
      uid: SA.uid,
      deletionTimestamp: iso(secondsAfter(now, -61)),
    });
    assert.equal(rejected(await verify(objects)), "service account kube-system/coredns has been deleted");

    objects.serviceAccounts.set("kube-system/coredns", {
      uid: SA.uid,
      deletionTimestamp: iso(secondsAfter(now, -30)),
    });
    authenticated(await verify(objects));
  });

  it("invalidates the token once its pod is deleted, after the 60 s grace", async () => {
    const objects = exampleObjects();
    const pod = objects.pods.get(`kube-system/${POD.name}`)!;
    objects.pods.set(`kube-system/${POD.name}`, { ...pod, deletionTimestamp: iso(secondsAfter(now, -30)) });
    authenticated(await verify(objects));
    objects.pods.set(`kube-system/${POD.name}`, { ...pod, deletionTimestamp: iso(secondsAfter(now, -61)) });
    assert.equal(rejected(await verify(objects)), "service account token has been invalidated");
    objects.pods.clear();
    assert.equal(rejected(await verify(objects)), "service account token has been invalidated");
    objects.pods.set(`kube-system/${POD.name}`, { ...pod, uid: "other-pod" });
    assert.equal(
      rejected(await verify(objects)),
      `pod UID (other-pod) does not match service account pod ref claim (${POD.uid})`,
    );
  });

  it("does not look up the node of a pod-bound token", async () => {
    const objects = exampleObjects();
    objects.nodes.clear();
    const verdict = authenticated(await verify(objects));
    assert.deepEqual(verdict.user.extra?.["authentication.kubernetes.io/node-uid"], [NODE.uid]);
  });

  it("checks a bound Secret", async () => {
    const secret = { name: "s1", uid: "secret-uid" };
    const bySecret = (await issueBoundToken(cfg, { serviceAccount: SA, secret, now: T0 })).token;
    const objects = exampleObjects();
    assert.equal(rejected(await verify(objects, bySecret)), "service account token has been invalidated");
    objects.secrets.set("kube-system/s1", { uid: "other" });
    assert.equal(
      rejected(await verify(objects, bySecret)),
      "secret UID (other) does not match service account secret ref claim (secret-uid)",
    );
    objects.secrets.set("kube-system/s1", { uid: "secret-uid" });
    const verdict = authenticated(await verify(objects, bySecret));
    assert.equal(verdict.user.extra?.["authentication.kubernetes.io/pod-name"], undefined);
  });

  it("checks a bound Node", async () => {
    const byNode = (await issueBoundToken(cfg, { serviceAccount: SA, node: NODE, now: T0 })).token;
    const objects = exampleObjects();
    objects.nodes.set(NODE.name, { uid: "other" });
    assert.equal(
      rejected(await verify(objects, byNode)),
      `node UID (other) does not match service account node ref claim (${NODE.uid})`,
    );
    objects.nodes.set(NODE.name, { uid: NODE.uid, deletionTimestamp: iso(secondsAfter(now, -61)) });
    assert.equal(rejected(await verify(objects, byNode)), "service account token has been invalidated");
    objects.nodes.clear();
    assert.equal(rejected(await verify(objects, byNode)), "service account token has been invalidated");
    objects.nodes.set(NODE.name, { uid: NODE.uid });
    const verdict = authenticated(await verify(objects, byNode));
    assert.deepEqual(verdict.user.extra?.["authentication.kubernetes.io/node-name"], [NODE.name]);
  });

  it("annotates stale kubelet tokens used past warnafter but keeps them valid", async () => {
    const stale = (
      await issueBoundToken(cfg, { serviceAccount: SA, pod: POD, expirationSeconds: 3607, now: T0 })
    ).token;
    const objects = exampleObjects();
    const fresh = authenticated(
      await verifyServiceAccountToken(stale, cfg, objects, { now: secondsAfter(T0, 3607) }),
    );
    assert.deepEqual(fresh.auditAnnotations, {});
    const late = authenticated(
      await verifyServiceAccountToken(stale, cfg, objects, { now: secondsAfter(T0, 3707) }),
    );
    assert.deepEqual(late.auditAnnotations, {
      "authentication.k8s.io/stale-token":
        "subject: system:serviceaccount:kube-system:coredns, seconds after warning threshold: 100",
    });
  });
});

describe("legacy tokens", async () => {
  const cfg = await tokenConfig();
  const legacy = {
    namespace: "default",
    serviceAccountName: "build-robot",
    serviceAccountUID: "u-1",
    secretName: "s1",
  };
  const token = await issueLegacyToken(cfg, legacy);
  const objects = () => {
    const o = new FakeObjects();
    o.serviceAccounts.set("default/build-robot", { uid: "u-1" });
    o.secrets.set("default/s1", { uid: "secret-uid", token });
    return o;
  };

  it("authenticates with the implicit API audiences and legacy audit annotations", async () => {
    const verdict = authenticated(await verifyServiceAccountToken(token, cfg, objects()));
    assert.deepEqual(verdict.user, {
      username: "system:serviceaccount:default:build-robot",
      uid: "u-1",
      groups: ["system:serviceaccounts", "system:serviceaccounts:default"],
    });
    assert.deepEqual(verdict.audiences, [ISSUER]);
    assert.deepEqual(verdict.auditAnnotations, {
      "authentication.k8s.io/legacy-token": "system:serviceaccount:default:build-robot",
      "authentication.k8s.io/legacy-token-manual-secret": "s1",
    });
  });

  it("rejects a token that is not the Secret's copy", async () => {
    const o = objects();
    o.secrets.set("default/s1", { uid: "secret-uid", token: `${token}x` });
    assert.equal(
      rejected(await verifyServiceAccountToken(token, cfg, o)),
      "Token does not match server's copy",
    );
  });

  it("is revoked as soon as its Secret or ServiceAccount is deleted", async () => {
    const o = objects();
    o.secrets.set("default/s1", { uid: "secret-uid", token, deletionTimestamp: new Date().toISOString() });
    assert.equal(rejected(await verifyServiceAccountToken(token, cfg, o)), "Token has been invalidated");
    o.secrets.clear();
    assert.equal(rejected(await verifyServiceAccountToken(token, cfg, o)), "Token has been invalidated");

    const o2 = objects();
    o2.serviceAccounts.set("default/build-robot", {
      uid: "u-1",
      deletionTimestamp: new Date().toISOString(),
    });
    assert.equal(
      rejected(await verifyServiceAccountToken(token, cfg, o2)),
      "ServiceAccount default/build-robot has been deleted",
    );
    o2.serviceAccounts.set("default/build-robot", { uid: "u-2" });
    assert.equal(
      rejected(await verifyServiceAccountToken(token, cfg, o2)),
      "ServiceAccount UID (u-2) does not match claim (u-1)",
    );
    o2.serviceAccounts.clear();
    assert.equal(
      rejected(await verifyServiceAccountToken(token, cfg, o2)),
      'serviceaccounts "build-robot" not found',
    );
  });

  it("checks the required claims and the subject", async () => {
    const forge = (claims: Record<string, string>) =>
      signCompactJws({ iss: "kubernetes/serviceaccount", ...claims }, cfg.signingKey);
    const full = {
      sub: "system:serviceaccount:default:build-robot",
      "kubernetes.io/serviceaccount/namespace": "default",
      "kubernetes.io/serviceaccount/secret.name": "s1",
      "kubernetes.io/serviceaccount/service-account.name": "build-robot",
      "kubernetes.io/serviceaccount/service-account.uid": "u-1",
    };
    const cases: [Record<string, string>, string][] = [
      [{ ...full, sub: "" }, "sub claim is missing"],
      [{ ...full, "kubernetes.io/serviceaccount/namespace": "" }, "namespace claim is missing"],
      [{ ...full, "kubernetes.io/serviceaccount/secret.name": "" }, "secretName claim is missing"],
      [
        { ...full, "kubernetes.io/serviceaccount/service-account.name": "" },
        "serviceAccountName claim is missing",
      ],
      [
        { ...full, "kubernetes.io/serviceaccount/service-account.uid": "" },
        "serviceAccountUID claim is missing",
      ],
      [{ ...full, sub: "system:serviceaccount:other:build-robot" }, "sub claim is invalid"],
      [{ ...full, sub: "system:serviceaccount:default:Build_Robot" }, "sub claim is invalid"],
    ];
    for (const [claims, error] of cases) {
      assert.equal(rejected(await verifyServiceAccountToken(await forge(claims), cfg, objects())), error);
    }
  });
});
