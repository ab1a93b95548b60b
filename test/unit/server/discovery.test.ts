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

test("a version served from another's storage reports the stored version's hash (storageversionhashdata)", () => {
  const registry = new ResourceRegistry();
  const hash = (group: string, version: string, name: string) =>
    ((apiResourceList(registry, group, version)?.resources ?? []) as Record<string, unknown>[]).find(
      (r) => r.name === name,
    )?.storageVersionHash;
  assert.equal(hash("", "v1", "events"), "r2yiGXH7wu8=");
  assert.equal(hash("events.k8s.io", "v1", "events"), "r2yiGXH7wu8=");
  assert.equal(hash("autoscaling", "v2", "horizontalpodautoscalers"), "qwQve8ut294=");
  assert.equal(hash("autoscaling", "v1", "horizontalpodautoscalers"), "qwQve8ut294=");
});
