// kubectl 1.27 … 1.33 against the volume controller and the local-path provisioner: `get sc` marks the
// default class, `get pvc,pv` prints upstream's columns for a provisioned, Bound pair, and `describe pvc`
// shows the binding's state and the events in upstream's words. No runtime: the Pod is placed on a node
// by hand (spec.nodeName), which is all the provisioner waits for.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";
import { createNamespace } from "./support.ts";

const GCLOUD_BIN = "/usr/lib/google-cloud-sdk/bin";
const MINORS = [27, 28, 29, 30, 31, 32, 33];
const NS = "pvc";

let c: TestCluster;
let pvName: string;
before(async () => {
  c = await startTestCluster();
  await createNamespace(c, NS);
  const claim = await c.admin("POST", `/api/v1/namespaces/${NS}/persistentvolumeclaims`, {
    metadata: { name: "data" },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } },
  });
  assert.equal(claim.status, 201, claim.text);
  await c.server.settle(); // the claim waits (WaitForFirstConsumer) before its Pod exists
  const pod = await c.admin("POST", `/api/v1/namespaces/${NS}/pods`, {
    metadata: { name: "user" },
    spec: {
      nodeName: "local",
      containers: [{ name: "main", image: "busybox" }],
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
    },
  });
  assert.equal(pod.status, 201, pod.text);
  const bound = await eventually(async () => {
    const r = await c.admin("GET", `/api/v1/namespaces/${NS}/persistentvolumeclaims/data`);
    return r.json.status?.phase === "Bound" && r.json;
  });
  pvName = bound.spec.volumeName;
  await c.server.settle();
});
after(() => c.stop());

for (const minor of MINORS) {
  const binary = `${GCLOUD_BIN}/kubectl.1.${minor}`;
  const ok = async (args: string[]) => {
    const r = await c.kubectl(args, { binary });
    assert.equal(r.code, 0, `kubectl.1.${minor} ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };

  test(`kubectl 1.${minor}: get sc, get pvc,pv`, async () => {
    assert.match(
      await ok(["get", "sc"]),
      /^standard \(default\)\s+incluster\.dev\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+\S+$/m,
    );
    const out = await ok(["get", "pvc,pv", "-n", NS]);
    assert.match(
      out,
      /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE$/m,
    );
    assert.match(
      out,
      new RegExp(
        `^persistentvolumeclaim/data\\s+Bound\\s+${pvName}\\s+2Gi\\s+RWO\\s+standard\\s+<unset>\\s+\\S+$`,
        "m",
      ),
    );
    assert.match(
      out,
      /^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE$/m,
    );
    assert.match(
      out,
      new RegExp(
        `^persistentvolume/${pvName}\\s+2Gi\\s+RWO\\s+Delete\\s+Bound\\s+${NS}/data\\s+standard\\s+<unset>\\s+\\S+$`,
        "m",
      ),
    );
  });

  test(`kubectl 1.${minor}: describe pvc shows the binding and upstream's events`, async () => {
    const out = await ok(["describe", "pvc", "data", "-n", NS]);
    assert.match(out, /^StorageClass:\s+standard$/m);
    assert.match(out, /^Status:\s+Bound$/m);
    assert.match(out, new RegExp(`^Volume:\\s+${pvName}$`, "m"));
    assert.match(out, /pv\.kubernetes\.io\/bind-completed: yes/);
    assert.match(out, /volume\.kubernetes\.io\/selected-node: local/);
    assert.match(out, /^Finalizers:\s+\[kubernetes\.io\/pvc-protection\]$/m);
    assert.match(out, /^Capacity:\s+2Gi$/m);
    assert.match(out, /^Access Modes:\s+RWO$/m);
    assert.match(out, /^Used By:\s+user$/m);
    for (const event of [
      /Normal\s+WaitForFirstConsumer\s+.*persistentvolume-controller\s+waiting for first consumer to be created before binding/,
      /Normal\s+ExternalProvisioning\s+.*persistentvolume-controller\s+Waiting for a volume to be created either by the external provisioner 'incluster\.dev\/local-path'/,
      /Normal\s+Provisioning\s+.*incluster\.dev\/local-path\s+External provisioner is provisioning volume for claim "pvc\/data"/,
      /Normal\s+ProvisioningSucceeded\s+.*incluster\.dev\/local-path\s+Successfully provisioned volume pvc-/,
    ])
      assert.match(out, event);
  });
}
