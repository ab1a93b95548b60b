import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pickType } from "../../../src/server/http/openapi/respond.ts";
import {
  openapiHash,
  openapiV2Protobuf,
  openapiV3Root,
  respondOpenAPI,
} from "../../../src/server/http/openapi.ts";
import { fixtureDefs } from "./fixtures.ts";

const defs = fixtureDefs();
const root = openapiV3Root(defs) as { paths: Record<string, { serverRelativeURL: string }> };
const rbacURL = new URL(root.paths["apis/rbac.authorization.k8s.io/v1"].serverRelativeURL, "http://x");
const rbacHash = rbacURL.searchParams.get("hash")!;
const KUBECTL_V2_ACCEPT = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
const KUBECTL_DEFAULT_ACCEPT = "application/json, */*";

describe("OpenAPI HTTP responses", () => {
  it("ignores paths that are not OpenAPI endpoints", () => {
    assert.equal(respondOpenAPI(defs, { path: "/api/v1" }), undefined);
    assert.equal(respondOpenAPI(defs, { path: "/openapi/v4" }), undefined);
  });

  it("serves the v3 root as JSON with an ETag and no shared caching", () => {
    const res = respondOpenAPI(defs, { path: "/openapi/v3", accept: KUBECTL_DEFAULT_ACCEPT })!;
    assert.equal(res.status, 200);
    assert.equal(res.headers["Content-Type"], "application/json");
    assert.equal(res.headers["Cache-Control"], "no-cache, private");
    assert.equal(res.headers.ETag, `"${openapiHash(root)}"`);
    assert.deepEqual(JSON.parse(String(res.body)), root);
  });

  it("answers a matching If-None-Match with 304 and no body", () => {
    const first = respondOpenAPI(defs, { path: "/openapi/v3" })!;
    const again = respondOpenAPI(defs, { path: "/openapi/v3", ifNoneMatch: first.headers.ETag })!;
    assert.equal(again.status, 304);
    assert.equal(again.body, "");
    assert.equal(respondOpenAPI(defs, { path: "/openapi/v3", ifNoneMatch: '"other"' })!.status, 200);
  });

  it("marks a group version requested with its current hash as immutable", () => {
    const res = respondOpenAPI(defs, { path: rbacURL.pathname, hash: rbacHash, accept: "application/json" })!;
    assert.equal(res.status, 200);
    assert.equal(res.headers["Cache-Control"], "public, immutable");
    assert.ok(Date.parse(res.headers.Expires) > Date.now() + 300 * 24 * 3600 * 1000);
    assert.equal(res.headers.ETag, `"${rbacHash}"`);
    assert.equal(res.headers.Vary, "Accept");
    assert.equal(openapiHash(JSON.parse(String(res.body))), rbacHash);
  });

  it("serves an unhashed group version without caching and redirects a stale hash", () => {
    const plain = respondOpenAPI(defs, { path: rbacURL.pathname })!;
    assert.equal(plain.status, 200);
    assert.equal(plain.headers["Cache-Control"], "no-cache, private");
    const stale = respondOpenAPI(defs, { path: rbacURL.pathname, hash: "0123" })!;
    assert.equal(stale.status, 301);
    assert.equal(stale.headers.Location, `${rbacURL.pathname}?hash=${rbacHash}`);
  });

  it("returns 404 for an unknown group version and 406 for a representation it cannot produce", () => {
    assert.equal(respondOpenAPI(defs, { path: "/openapi/v3/apis/apps/v1" })!.status, 404);
    const pb = "application/com.github.proto-openapi.spec.v3.v1.0+protobuf";
    assert.equal(respondOpenAPI(defs, { path: rbacURL.pathname, accept: pb })!.status, 406);
    assert.equal(respondOpenAPI(defs, { path: "/openapi/v2", accept: "text/html" })!.status, 406);
  });

  it("answers kubectl's v2 request with protobuf, and JSON when asked", () => {
    const pb = respondOpenAPI(defs, { path: "/openapi/v2", accept: KUBECTL_V2_ACCEPT })!;
    assert.equal(pb.status, 200);
    assert.equal(pb.headers["Content-Type"], "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
    assert.deepEqual(pb.body, openapiV2Protobuf(defs));
    const json = respondOpenAPI(defs, { path: "/openapi/v2", accept: "application/json" })!;
    assert.equal(json.headers["Content-Type"], "application/json");
    assert.equal(JSON.parse(String(json.body)).swagger, "2.0");
    assert.equal(pb.headers.ETag, json.headers.ETag);
    assert.equal(respondOpenAPI(defs, { path: "/openapi/v2", ifNoneMatch: pb.headers.ETag })!.status, 304);
  });

  it("negotiates by q-value and specificity, defaulting to the first offer", () => {
    const offered = ["application/json", "application/x-protobuf"];
    assert.equal(pickType(undefined, offered), "application/json");
    assert.equal(
      pickType("application/x-protobuf;q=0.9, application/json;q=0.5", offered),
      "application/x-protobuf",
    );
    assert.equal(pickType("*/*;q=0.1, application/x-protobuf", offered), "application/x-protobuf");
    assert.equal(pickType("application/*", offered), "application/json");
    assert.equal(pickType("application/json;q=0", offered), undefined);
  });
});
