import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Status } from "../../../src/meta/status.ts";
import {
  EXPIRATION_EXTENSION_SECONDS,
  verifyServiceAccountToken,
} from "../../../src/server/authn/serviceaccount-tokens.ts";
import { createTokenRequest, type TokenRequestOutcome } from "../../../src/server/authn/token-request.ts";
import { decodeSegment, exampleObjects, ISSUER, NODE, POD, SA, tokenConfig } from "./fixtures.ts";

const NOW = new Date("2024-05-06T07:08:09.987Z");

function failed(outcome: TokenRequestOutcome): Status {
  assert.equal(outcome.ok, false, JSON.stringify(outcome));
  return (outcome as { status: Status }).status;
}

function succeeded(outcome: TokenRequestOutcome) {
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  return outcome as Extract<TokenRequestOutcome, { ok: true }>;
}

describe("createTokenRequest", async () => {
  const cfg = await tokenConfig();
  const request = (body: unknown, objects = exampleObjects(), c = cfg) =>
    createTokenRequest(c, objects, { namespace: SA.namespace, name: SA.name, body, now: NOW });
  const podRef = (extra: Record<string, string> = {}) => ({
    spec: { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: POD.name, ...extra } },
  });

  it("fills defaults and returns the TokenRequest with status", async () => {
    const ok = succeeded(
      await request({ apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} }),
    );
    const { token } = ok.tokenRequest.status;
    assert.deepEqual(ok.tokenRequest, {
      kind: "TokenRequest",
      apiVersion: "authentication.k8s.io/v1",
      metadata: { name: SA.name, namespace: SA.namespace, creationTimestamp: "2024-05-06T07:08:09Z" },
      spec: { audiences: [ISSUER], expirationSeconds: 3600 },
      status: { token, expirationTimestamp: "2024-05-06T08:08:09Z" },
    });
    assert.deepEqual(ok.warnings, []);
    const jti = decodeSegment(token, 1).jti;
    assert.deepEqual(ok.auditAnnotations, {
      "authentication.kubernetes.io/issued-credential-id": `JTI=${jti}`,
    });
    const verdict = await verifyServiceAccountToken(token, cfg, exampleObjects(), { now: NOW });
    assert.equal(verdict.status, "authenticated");
  });

  it("keeps requested audiences and an empty body works too", async () => {
    const ok = succeeded(await request({ spec: { audiences: ["vault"], expirationSeconds: 600 } }));
    assert.deepEqual(ok.tokenRequest.spec, { audiences: ["vault"], expirationSeconds: 600 });
    assert.deepEqual(decodeSegment(ok.tokenRequest.status.token, 1).aud, ["vault"]);
    succeeded(await request(undefined));
  });

  it("binds to a pod with its node, extending 3607 s tokens while reporting now + 3607", async () => {
    const body = {
      spec: {
        expirationSeconds: 3607,
        boundObjectRef: { kind: "Pod", apiVersion: "v1", name: POD.name, uid: POD.uid },
      },
    };
    const ok = succeeded(await request(body));
    assert.equal(ok.tokenRequest.status.expirationTimestamp, "2024-05-06T08:08:16Z");
    assert.deepEqual(ok.tokenRequest.spec.boundObjectRef, body.spec.boundObjectRef);
    const claims = decodeSegment(ok.tokenRequest.status.token, 1);
    const iat = Math.floor(NOW.getTime() / 1000);
    assert.equal(claims.exp, iat + EXPIRATION_EXTENSION_SECONDS);
    const k8s = claims["kubernetes.io"] as Record<string, unknown>;
    assert.equal(k8s.warnafter, iat + 3607);
    assert.deepEqual(k8s.pod, { name: POD.name, uid: POD.uid });
    assert.deepEqual(k8s.node, NODE);
  });

  it("embeds only the node name when the pod's Node object does not exist", async () => {
    const objects = exampleObjects();
    objects.nodes.clear();
    const ok = succeeded(await request(podRef(), objects));
    const k8s = decodeSegment(ok.tokenRequest.status.token, 1)["kubernetes.io"] as Record<string, unknown>;
    assert.deepEqual(k8s.node, { name: NODE.name });
  });

  it("binds to a Secret and to a Node", async () => {
    const objects = exampleObjects();
    objects.secrets.set("kube-system/s1", { uid: "secret-uid" });
    const bySecret = succeeded(
      await request({ spec: { boundObjectRef: { kind: "Secret", apiVersion: "v1", name: "s1" } } }, objects),
    );
    const secretClaims = decodeSegment(bySecret.tokenRequest.status.token, 1)["kubernetes.io"] as Record<
      string,
      unknown
    >;
    assert.deepEqual(secretClaims.secret, { name: "s1", uid: "secret-uid" });
    const byNode = succeeded(
      await request({ spec: { boundObjectRef: { kind: "Node", apiVersion: "v1", name: NODE.name } } }),
    );
    const nodeClaims = decodeSegment(byNode.tokenRequest.status.token, 1)["kubernetes.io"] as Record<
      string,
      unknown
    >;
    assert.deepEqual(nodeClaims.node, NODE);
  });

  it("caps the expiry at maxExpirationSeconds with a warning", async () => {
    const ok = succeeded(
      await request({ spec: { expirationSeconds: 7200 } }, exampleObjects(), {
        ...cfg,
        maxExpirationSeconds: 3000,
      }),
    );
    assert.equal(ok.tokenRequest.spec.expirationSeconds, 3000);
    assert.deepEqual(ok.warnings, ["requested expiration of 7200 seconds shortened to 3000 seconds"]);
    assert.equal(ok.tokenRequest.status.expirationTimestamp, "2024-05-06T07:58:09Z");
  });

  it("rejects too short and too long expirations with 422 Invalid", async () => {
    assert.deepEqual(failed(await request({ spec: { expirationSeconds: 60 } })), {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
      reason: "Invalid",
      details: {
        group: "authentication.k8s.io",
        kind: "TokenRequest",
        causes: [
          {
            reason: "FieldValueInvalid",
            message: "Invalid value: 60: may not specify a duration less than 10 minutes",
            field: "spec.expirationSeconds",
          },
        ],
      },
      code: 422,
    });
    const tooLong = failed(await request({ spec: { expirationSeconds: 2 ** 32 + 1 } }));
    assert.equal(tooLong.code, 422);
    assert.equal(
      tooLong.message,
      'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds',
    );
    succeeded(await request({ spec: { expirationSeconds: 2 ** 32 } }));
  });

  it("rejects a body name or namespace that differs from the URL", async () => {
    const byName = failed(await request({ metadata: { name: "default" } }));
    assert.equal(byName.code, 422);
    assert.equal(
      byName.message,
      'TokenRequest.authentication.k8s.io "coredns" is invalid: metadata.name: Invalid value: "default": must match the service account name if specified',
    );
    assert.equal(byName.details?.name, "coredns");
    const byNamespace = failed(await request({ metadata: { name: SA.name, namespace: "default" } }));
    assert.equal(
      byNamespace.message,
      'TokenRequest.authentication.k8s.io "coredns" is invalid: metadata.namespace: Invalid value: "default": must match the service account namespace if specified',
    );
  });

  it("answers 404 for a missing ServiceAccount before validating the spec", async () => {
    const objects = exampleObjects();
    objects.serviceAccounts.clear();
    assert.deepEqual(failed(await request({ spec: { expirationSeconds: 1 } }, objects)), {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'serviceaccounts "coredns" not found',
      reason: "NotFound",
      details: { name: "coredns", kind: "serviceaccounts" },
      code: 404,
    });
  });

  it("answers 404 for a missing bound object", async () => {
    const missing = failed(
      await request({ spec: { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "gone" } } }),
    );
    assert.equal(missing.code, 404);
    assert.equal(missing.message, 'pods "gone" not found');
    const node = failed(
      await request({ spec: { boundObjectRef: { kind: "Node", apiVersion: "v1", name: "n9" } } }),
    );
    assert.equal(node.message, 'nodes "n9" not found');
    const secret = failed(
      await request({ spec: { boundObjectRef: { kind: "Secret", apiVersion: "v1", name: "s9" } } }),
    );
    assert.equal(secret.message, 'secrets "s9" not found');
  });

  it("answers 400 for a pod of another ServiceAccount", async () => {
    const objects = exampleObjects();
    objects.pods.set(`kube-system/${POD.name}`, { uid: POD.uid, serviceAccountName: "default" });
    const status = failed(await request(podRef(), objects));
    assert.deepEqual(status, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        'cannot bind token for serviceaccount "coredns" to pod running with different serviceaccount name.',
      reason: "BadRequest",
      code: 400,
    });
  });

  it("answers 400 for kinds that cannot carry a token", async () => {
    const kinds: [string, string, string][] = [
      ["v1", "ConfigMap", "cannot bind token to object of type /v1, Kind=ConfigMap"],
      ["apps/v1", "Deployment", "cannot bind token to object of type apps/v1, Kind=Deployment"],
      ["example.com/v1", "Pod", "cannot bind token to object of type example.com/v1, Kind=Pod"],
    ];
    for (const [apiVersion, kind, message] of kinds) {
      const status = failed(await request({ spec: { boundObjectRef: { kind, apiVersion, name: "x" } } }));
      assert.equal(status.code, 400);
      assert.equal(status.message, message);
    }
  });

  it("answers 409 when the bound object's UID changed", async () => {
    assert.deepEqual(failed(await request(podRef({ uid: "old-uid" }))), {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `Operation cannot be fulfilled on Pod "${POD.name}": the UID in the bound object reference (old-uid) does not match the UID in record. The object might have been deleted and then recreated`,
      reason: "Conflict",
      details: { name: POD.name, kind: "Pod" },
      code: 409,
    });
  });

  it("answers 400 when the body does not decode", async () => {
    const status = failed(await request({ spec: { expirationSeconds: "600" } }));
    assert.equal(status.code, 400);
    assert.equal(
      status.message,
      'TokenRequest in version "v1" cannot be handled as a TokenRequest: json: cannot unmarshal string into Go struct field TokenRequestSpec.spec.expirationSeconds of type int64',
    );
  });
});
