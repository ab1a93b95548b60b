// Impersonation headers → identity and `impersonate` checks (filters/impersonation/impersonation.go).
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, it } from "node:test";
import { requestedImpersonation } from "../../../src/server/authn/impersonation.ts";

/** Only what the filter reads: the header lines as sent (rawHeaders) and by lowercased name. */
const request = (headers: Record<string, string | string[]>) =>
  ({
    rawHeaders: Object.entries(headers).flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v]).flatMap((x) => [k, x]),
    ),
    headersDistinct: Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]]),
    ),
  }) as unknown as IncomingMessage;

const identity = (headers: Record<string, string | string[]>) => {
  const r = requestedImpersonation(request(headers));
  assert.ok(r.impersonating && "user" in r, JSON.stringify(r));
  return r;
};

describe("requestedImpersonation", () => {
  it("is nothing without headers, or with an empty user alone", () => {
    assert.deepEqual(requestedImpersonation(request({})), { impersonating: false });
    assert.deepEqual(requestedImpersonation(request({ "Impersonate-User": "" })), { impersonating: false });
  });

  it("gives a ServiceAccount its groups unless groups are given", () => {
    const sa = identity({ "Impersonate-User": "system:serviceaccount:ns:robot" });
    assert.deepEqual(sa.user, {
      username: "system:serviceaccount:ns:robot",
      groups: ["system:serviceaccounts", "system:serviceaccounts:ns", "system:authenticated"],
    });
    assert.deepEqual(sa.checks[0].attributes, {
      resourceRequest: true,
      verb: "impersonate",
      apiGroup: "",
      apiVersion: "v1",
      namespace: "ns",
      name: "robot",
      subresource: "",
      resource: "serviceaccounts",
    });
    const grouped = identity({
      "Impersonate-User": "system:serviceaccount:ns:robot",
      "Impersonate-Group": "g",
    });
    assert.deepEqual(grouped.user.groups, ["g", "system:authenticated"]);
  });

  it("treats an invalid ServiceAccount username as a user name", () => {
    for (const username of [
      "system:serviceaccount:NS:robot",
      "system:serviceaccount:ns:",
      "system:serviceaccount:a:b:c",
    ]) {
      const r = identity({ "Impersonate-User": username });
      assert.equal(r.checks[0].attributes.resource, "users", username);
      assert.equal(r.checks[0].attributes.name, username);
    }
  });

  it("adds system:authenticated, or system:unauthenticated for anonymous, unless given", () => {
    assert.deepEqual(
      identity({ "Impersonate-User": "u", "Impersonate-Group": "system:unauthenticated" }).user.groups,
      ["system:unauthenticated"],
    );
    assert.deepEqual(identity({ "Impersonate-User": "system:anonymous" }).user.groups, [
      "system:unauthenticated",
    ]);
  });

  it("checks user, groups, extras, then uid, one check per header value", () => {
    const r = identity({
      "Impersonate-Uid": "42",
      "Impersonate-Extra-Scopes": ["a", "b"],
      "Impersonate-Group": ["g1", "g2"],
      "Impersonate-User": "u",
    });
    assert.deepEqual(
      r.checks.map((c) => `${c.attributes.resource}/${c.attributes.subresource}:${c.attributes.name}`),
      ["users/:u", "groups/:g1", "groups/:g2", "userextras/scopes:a", "userextras/scopes:b", "uids/:42"],
    );
    assert.deepEqual(r.user, {
      username: "u",
      groups: ["g1", "g2", "system:authenticated"],
      uid: "42",
      extra: { scopes: ["a", "b"] },
    });
  });

  it("percent-decodes extra keys, keeping a malformed one as sent", () => {
    assert.deepEqual(
      identity({ "Impersonate-User": "u", "Impersonate-Extra-Example.org%2FTeam": "x" }).user.extra,
      {
        "example.org/team": ["x"],
      },
    );
    assert.deepEqual(identity({ "Impersonate-User": "u", "Impersonate-Extra-50%": "x" }).user.extra, {
      "50%": ["x"],
    });
  });

  it("refuses groups, extras or a uid without a user, listing the references as Go prints them", () => {
    assert.deepEqual(requestedImpersonation(request({ "Impersonate-Group": ["a", "b"] })), {
      impersonating: true,
      error: "requested [{Group  a    } {Group  b    }] without impersonating a user",
    });
    assert.deepEqual(requestedImpersonation(request({ "Impersonate-Extra-K": "v" })), {
      impersonating: true,
      error: "requested [{UserExtra  v  authentication.k8s.io/v1  k}] without impersonating a user",
    });
  });
});
