// ControllerRevision names and data as upstream's history package makes them: the FNV-1 hash of
// encoding/json's bytes of the revision patch, safe-encoded (kubernetes pkg/controller/history
// HashControllerRevision; pkg/controller/statefulset getPatch). The expected hashes were computed with
// Go's hash/fnv and encoding/json over the same document.
import assert from "node:assert/strict";
import { test } from "node:test";
import { hashRevision, revisionData, templateOf } from "../../../src/server/controllers/history.ts";

const owner = {
  metadata: { name: "db" },
  spec: {
    replicas: 3,
    template: {
      metadata: { labels: { app: "db" } },
      spec: {
        containers: [
          {
            name: "main",
            image: "busybox:1",
            command: ["sleep", "600"],
            env: [{ name: "X", value: "<a&b>" }],
          },
        ],
      },
    },
  },
};

test("the revision data is the template as a replace patch, creationTimestamp null as Go encodes it", () => {
  const data = revisionData(owner);
  assert.deepEqual(data, {
    spec: {
      template: {
        ...owner.spec.template,
        metadata: { creationTimestamp: null, labels: { app: "db" } },
        $patch: "replace",
      },
    },
  });
  assert.deepEqual(templateOf({ data } as never), {
    ...owner.spec.template,
    metadata: { creationTimestamp: null, labels: { app: "db" } },
  });
});

test("hashes match Go's FNV-1 over encoding/json output (sorted keys, <>& escaped), with and without the collision probe", () => {
  const data = revisionData(owner);
  assert.equal(hashRevision(data), "64769468f9");
  assert.equal(hashRevision(data, 2), "69454c55bc");
});
