// Every body real kubectl sent decodes to the JSON object kubectl would have sent. Only kubectl 1.32+
// sends protobuf (1.27–1.31 send the same requests as JSON), so the fixtures are 1.32's and 1.33's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeKubernetesProtobuf } from "../../../src/server/http/protobuf/index.ts";
import { fixtures, withoutNulls } from "./fixtures.ts";

const all = fixtures();

test("the captured fixtures cover every kubectl version and the typed commands", () => {
  const versions = new Set(all.map((f) => f.id.split("/")[0]));
  assert.deepEqual([...versions].sort(), ["kubectl-1.32", "kubectl-1.33"]);
  const kinds = new Set(all.map((f) => f.expected.kind));
  for (const kind of [
    "Namespace",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "Service",
    "Pod",
    "Role",
    "ClusterRole",
  ]
    .concat([
      "RoleBinding",
      "ClusterRoleBinding",
      "TokenRequest",
      "SelfSubjectAccessReview",
      "SelfSubjectRulesReview",
    ])
    .concat(["SelfSubjectReview", "DeleteOptions", "Deployment"])) {
    assert.ok(kinds.has(kind), `no fixture of kind ${kind}`);
  }
});

for (const f of all) {
  test(`decodes ${f.id}`, () => {
    assert.deepEqual(decodeKubernetesProtobuf(f.body), withoutNulls(f.expected));
  });
}
