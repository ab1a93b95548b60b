// findBestMatchForClaim (pkg/controller/volume/persistentvolume/index.go): which volume a claim binds.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { StoredObject } from "../../../src/meta/types.ts";
import { findBestMatchForClaim } from "../../../src/server/controllers/persistent-volumes.ts";

type Obj = StoredObject & { spec?: any; status?: any };

const pv = (
  name: string,
  spec: Record<string, unknown>,
  phase = "Available",
  labels?: Record<string, string>,
): Obj =>
  ({
    metadata: { name, uid: `uid-${name}`, resourceVersion: "1", labels },
    spec: { accessModes: ["ReadWriteOnce"], capacity: { storage: "1Gi" }, ...spec },
    status: { phase },
  }) as Obj;
const pvc = (spec: Record<string, unknown> = {}): Obj =>
  ({
    metadata: { name: "claim", namespace: "ns", uid: "claim-uid", resourceVersion: "1" },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...spec },
  }) as Obj;
const match = (volumes: Obj[], claim: Obj, delay = false, node?: Record<string, string>) =>
  findBestMatchForClaim(volumes, claim, delay, node)?.metadata.name;

test("the smallest volume that is big enough wins", () => {
  const volumes = [
    pv("big", { capacity: { storage: "10Gi" } }),
    pv("small", { capacity: { storage: "500Mi" } }),
    pv("fits", { capacity: { storage: "2Gi" } }),
  ];
  assert.equal(match(volumes, pvc()), "fits");
  assert.equal(match(volumes, pvc({ resources: { requests: { storage: "20Gi" } } })), undefined);
});

test("access modes: the volume must have every mode the claim asks for", () => {
  const volumes = [
    pv("rwo", {}),
    pv("both", { accessModes: ["ReadWriteOnce", "ReadWriteMany"], capacity: { storage: "5Gi" } }),
  ];
  assert.equal(match(volumes, pvc({ accessModes: ["ReadWriteMany"] })), "both");
  assert.equal(match([pv("rwo", {})], pvc({ accessModes: ["ReadWriteMany"] })), undefined);
});

test("class, volume mode and selector must match", () => {
  assert.equal(match([pv("fast", { storageClassName: "fast" })], pvc()), undefined);
  assert.equal(match([pv("fast", { storageClassName: "fast" })], pvc({ storageClassName: "fast" })), "fast");
  assert.equal(match([pv("block", { volumeMode: "Block" })], pvc()), undefined);
  const labelled = [pv("a", {}, "Available", { tier: "a" }), pv("b", {}, "Available", { tier: "b" })];
  assert.equal(match(labelled, pvc({ selector: { matchLabels: { tier: "b" } } })), "b");
});

test("only Available, unclaimed volumes bind; a volume pre-bound to the claim wins even if delayed", () => {
  assert.equal(match([pv("released", {}, "Released")], pvc()), undefined);
  assert.equal(match([pv("other", { claimRef: { namespace: "ns", name: "other" } })], pvc()), undefined);
  const preBound = pv("mine", { claimRef: { namespace: "ns", name: "claim" }, capacity: { storage: "9Gi" } });
  assert.equal(match([pv("free", {}), preBound], pvc()), "mine");
  assert.equal(match([pv("free", {}), preBound], pvc(), true), "mine");
  const otherUid = pv("old", { claimRef: { namespace: "ns", name: "claim", uid: "gone" } });
  assert.equal(match([otherUid], pvc()), undefined, "a claimRef with another claim's uid is not ours");
});

test("delayed binding waits for a node, then honours the volume's node affinity", () => {
  const pinned = pv("pinned", {
    nodeAffinity: {
      required: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["n1"] }] },
        ],
      },
    },
  });
  assert.equal(match([pinned], pvc(), true), undefined);
  assert.equal(match([pinned], pvc(), true, { "kubernetes.io/hostname": "n2" }), undefined);
  assert.equal(match([pinned], pvc(), true, { "kubernetes.io/hostname": "n1" }), "pinned");
});
