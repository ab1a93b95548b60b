import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openapiHash, openapiV3GroupVersion, openapiV3Root } from "../../../src/server/http/openapi.ts";
import { fixtureDefs } from "./fixtures.ts";

type Root = { paths: Record<string, { serverRelativeURL: string }> };

describe("OpenAPI v3 root and hashes", () => {
  it("lists every served group version under its API path with a hashed URL", () => {
    const defs = fixtureDefs();
    const root = openapiV3Root(defs) as Root;
    assert.deepEqual(Object.keys(root.paths), [
      "api/v1",
      "apis/authentication.k8s.io/v1",
      "apis/authorization.k8s.io/v1",
      "apis/discovery.k8s.io/v1",
      "apis/example.incluster.dev/v1alpha1",
      "apis/rbac.authorization.k8s.io/v1",
    ]);
    const hash = openapiHash(openapiV3GroupVersion(defs, "rbac.authorization.k8s.io/v1")!);
    assert.equal(
      root.paths["apis/rbac.authorization.k8s.io/v1"].serverRelativeURL,
      `/openapi/v3/apis/rbac.authorization.k8s.io/v1?hash=${hash}`,
    );
    assert.match(root.paths["api/v1"].serverRelativeURL, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
  });

  it("publishes the group version of a subresource kind only where a resource lives", () => {
    const root = openapiV3Root(fixtureDefs()) as Root;
    // TokenRequest (authentication.k8s.io) is served under serviceaccounts/token in api/v1;
    // authentication.k8s.io/v1 appears because TokenReview lives there.
    const authn = openapiV3GroupVersion(fixtureDefs(), "authentication.k8s.io/v1") as { paths: object };
    assert.deepEqual(Object.keys(authn.paths), ["/apis/authentication.k8s.io/v1/tokenreviews"]);
    assert.ok(root.paths["apis/authentication.k8s.io/v1"]);
  });

  it("is stable: equal tables give byte-identical documents and hashes", () => {
    const a = fixtureDefs();
    const b = fixtureDefs();
    assert.notEqual(a, b);
    assert.deepEqual(openapiV3Root(a), openapiV3Root(b));
    assert.equal(
      JSON.stringify(openapiV3GroupVersion(a, "v1")),
      JSON.stringify(openapiV3GroupVersion(b, "v1")),
    );
    assert.equal(openapiHash(openapiV3Root(a)), openapiHash(openapiV3Root(b)));
  });

  it("changes the hash of exactly the group version whose content changed", () => {
    const before = openapiV3Root(fixtureDefs()) as Root;
    const changed = fixtureDefs().map((d) =>
      d.resource === "clusterroles" ? { ...d, verbs: ["get", "list"] } : d,
    );
    const after = openapiV3Root(changed) as Root;
    for (const key of Object.keys(before.paths)) {
      const same = before.paths[key].serverRelativeURL === after.paths[key].serverRelativeURL;
      assert.equal(same, key !== "apis/rbac.authorization.k8s.io/v1", key);
    }
  });

  it("hands out read-only documents, so a caller cannot desynchronise bytes and hash", () => {
    const doc = openapiV3GroupVersion(fixtureDefs(), "v1") as { paths: Record<string, unknown> };
    assert.throws(() => {
      doc.paths["/injected"] = {};
    }, TypeError);
  });

  it("hashes like kube-openapi: upper-case hex SHA-512 of the JSON", () => {
    assert.equal(
      openapiHash({}),
      "27C74670ADB75075FAD058D5CEAF7B20C4E7786C83BAE8A32F626F9782AF34C9A33C2046EF60FD2A7878D378E29FEC851806BBD9A67878F3A9F1CDA4830763FD",
    );
  });
});
