// `kubectl rollout` (status, history, undo, restart) and the apps/v1 workload tables with every kubectl
// the machine has (1.27 … 1.33), against the local server with the pod runtime so Pods become Ready.
// kubectl ≥ 1.2x rolls a Deployment back client-side (it patches the Deployment with the old
// ReplicaSet's template) and StatefulSets/DaemonSets from their ControllerRevisions.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { eventually } from "../helpers/cluster.ts";
import { createNamespace, type RuntimeCluster, startRuntimeCluster } from "../integration/kubelet-harness.ts";

const GCLOUD_BIN = "/usr/lib/google-cloud-sdk/bin";
const MINORS = [27, 28, 29, 30, 31, 32, 33].filter((minor) => existsSync(`${GCLOUD_BIN}/kubectl.1.${minor}`));

let c: RuntimeCluster;
before(async () => {
  c = await startRuntimeCluster({ allowHostCommands: true });
});
after(() => c.stop());

const manifest = (ns: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${ns}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  strategy: {rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: main, image: "busybox:1", command: [sleep, "600"]}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: ${ns}}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: main, image: "busybox:1", command: [sleep, "600"]}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: main, image: "busybox:1", command: [sleep, "600"]}]
`;

describe("kubectl rollout with every kubectl version", { concurrency: 1 }, () => {
  test("the machine has kubectl 1.27 and 1.33", () => {
    assert.ok(MINORS.includes(27) && MINORS.includes(33), `found kubectl 1.${MINORS.join(", 1.")}`);
  });

  for (const minor of MINORS) {
    test(`kubectl 1.${minor}`, async () => {
      const NS = `rollout-1-${minor}`;
      const binary = `${GCLOUD_BIN}/kubectl.1.${minor}`;
      await createNamespace(c, NS);
      const ok = async (...args: string[]) => {
        const r = await c.kubectl([...args, "-n", NS], { binary });
        assert.equal(r.code, 0, `kubectl 1.${minor} ${args.join(" ")}: ${r.stderr}`);
        return r.stdout;
      };
      const images = async (app: string) => {
        const pods = (await c.admin("GET", `/api/v1/namespaces/${NS}/pods?labelSelector=app%3D${app}`)).json
          .items;
        return (pods as any[])
          .filter((p) => !p.metadata.deletionTimestamp)
          .map((p) => p.spec.containers[0].image);
      };

      const applied = await c.kubectl(["apply", "-f", "-"], { binary, input: manifest(NS) });
      assert.equal(applied.code, 0, applied.stderr);
      for (const target of ["deployment/web", "statefulset/db", "daemonset/agent"])
        await ok("rollout", "status", target, "--timeout=60s");

      // Deployment: a new image, its history, undo back to the first, restart.
      await ok("set", "image", "deployment/web", "main=busybox:2");
      assert.match(
        await ok("rollout", "status", "deployment/web", "--timeout=60s"),
        /successfully rolled out/,
      );
      assert.deepEqual(await images("web"), ["busybox:2", "busybox:2"]);
      assert.match(
        await ok("rollout", "history", "deployment/web"),
        /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/,
      );
      const revision1 = await ok("rollout", "history", "deployment/web", "--revision=1");
      assert.match(revision1, /Image:\s+busybox:1/);
      assert.match(await ok("rollout", "undo", "deployment/web"), /deployment.apps\/web rolled back/);
      await ok("rollout", "status", "deployment/web", "--timeout=60s");
      await eventually(
        async () => (await images("web")).join() === "busybox:1,busybox:1",
        30_000,
        "undo rolled out",
      );
      assert.match(await ok("rollout", "restart", "deployment/web"), /deployment.apps\/web restarted/);
      await ok("rollout", "status", "deployment/web", "--timeout=60s");
      assert.match(
        await ok("rollout", "history", "deployment/web"),
        /\n2\s+<none>\n3\s+<none>\n4\s+<none>\n/,
      );

      // StatefulSet and DaemonSet: history and undo from ControllerRevisions.
      for (const [target, kind] of [
        ["statefulset/db", "statefulset.apps/db"],
        ["daemonset/agent", "daemonset.apps/agent"],
      ]) {
        await ok("set", "image", target, "main=busybox:2");
        await ok("rollout", "status", target, "--timeout=60s");
        assert.match(
          await ok("rollout", "history", target),
          /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/,
        );
        assert.match(await ok("rollout", "history", target, "--revision=1"), /Image:\s+busybox:1/);
        assert.match(await ok("rollout", "undo", target), new RegExp(`${kind} rolled back`));
        await ok("rollout", "status", target, "--timeout=60s");
        assert.match(await ok("rollout", "restart", target), new RegExp(`${kind} restarted`));
        await ok("rollout", "status", target, "--timeout=60s");
      }
      await eventually(
        async () => (await images("db")).join() === "busybox:1,busybox:1",
        30_000,
        "sts undone",
      );
      assert.deepEqual(await images("agent"), ["busybox:1"]);

      const wide = (await ok("get", "sts,ds,deploy", "-o", "wide")).split("\n");
      assert.match(wide[0], /^NAME\s+READY\s+AGE\s+CONTAINERS\s+IMAGES$/);
      assert.match(wide[1], /^statefulset\.apps\/db\s+2\/2\s+\S+\s+main\s+busybox:1$/);
      assert.match(
        wide[3],
        /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/,
      );
      assert.match(
        wide[4],
        /^daemonset\.apps\/agent\s+1\s+1\s+1\s+1\s+1\s+<none>\s+\S+\s+main\s+busybox:1\s+app=agent$/,
      );
      assert.match(wide[7], /^deployment\.apps\/web\s+2\/2\s+2\s+2\s/);
      await ok("delete", "deployment/web", "statefulset/db", "daemonset/agent");
    });
  }
});
