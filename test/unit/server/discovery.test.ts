// Legacy discovery documents derived from the resource table.
import assert from "node:assert/strict";
import { test } from "node:test";
import { apiResourceList, storageVersionHash } from "../../../src/server/http/discovery.ts";
import { ResourceRegistry } from "../../../src/server/registry/resource-registry.ts";

test("storageVersionHash is upstream's (values as a kube-apiserver serves them)", () => {
  // Read off a real cluster's /api/v1 and /apis/apps/v1.
  assert.equal(storageVersionHash("", "v1", "Pod"), "xPOwRZ+Yhw8=");
  assert.equal(storageVersionHash("", "v1", "ConfigMap"), "qFsyl6wFWjQ=");
  assert.equal(storageVersionHash("", "v1", "Namespace"), "Q3oi5N2YM8M=");
  assert.equal(storageVersionHash("", "v1", "Secret"), "S6u1pOWzb84=");
  assert.equal(storageVersionHash("apps", "v1", "Deployment"), "8aSe+NMegvE=");
});

test("resources with storage carry storageVersionHash; subresources and virtual reviews do not", () => {
  const registry = new ResourceRegistry();
  const core = apiResourceList(registry, "", "v1")?.resources as Record<string, unknown>[];
  const pods = core.find((r) => r.name === "pods");
  assert.equal(pods?.storageVersionHash, "xPOwRZ+Yhw8=");
  assert.equal(Object.keys(pods ?? {}).at(-1), "storageVersionHash", "last, in APIResource's field order");
  assert.equal(core.find((r) => r.name === "pods/status")?.storageVersionHash, undefined);
  const authz = apiResourceList(registry, "authorization.k8s.io", "v1")?.resources as Record<
    string,
    unknown
  >[];
  assert.ok(authz.length > 0);
  for (const r of authz) assert.equal(r.storageVersionHash, undefined, String(r.name));
});
