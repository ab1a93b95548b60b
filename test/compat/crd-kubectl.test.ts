// kubectl against custom resources: `kubectl apply -f crd.yaml` (client-side apply), `kubectl get` with
// the CRD's printer columns (-o wide shows priority-1 columns), short names and the `all` category,
// `kubectl explain` from the served OpenAPI, `kubectl scale` through the scale subresource, and
// `kubectl delete crd` taking its objects along.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const CRD_YAML = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames: [ct]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
    additionalPrinterColumns:
    - name: Spec
      type: string
      description: The cron spec defining the interval a CronJob is run
      jsonPath: .spec.cronSpec
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Image
      type: string
      priority: 1
      jsonPath: .spec.image
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    schema:
      openAPIV3Schema:
        type: object
        description: A CronTab runs a command on a schedule.
        properties:
          spec:
            type: object
            description: What to run and when.
            properties:
              cronSpec:
                type: string
                description: The schedule, in cron format.
              image:
                type: string
              replicas:
                type: integer
          status:
            type: object
            properties:
              replicas:
                type: integer
`;

const CR_YAML = `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: my-cron
  namespace: default
spec:
  cronSpec: "* * * * */5"
  image: my-cron-image
  replicas: 1
`;

describe("kubectl with custom resources", () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster();
    const r = await c.kubectl(["apply", "-f", "-"], { input: CRD_YAML });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      "customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created\n",
    );
    const wait = await c.kubectl([
      "wait",
      "--for=condition=Established",
      "crd/crontabs.stable.example.com",
      "--timeout=10s",
    ]);
    assert.equal(wait.code, 0, wait.stderr);
  });
  after(async () => {
    await c?.stop();
  });

  it("applies and gets a custom resource with its printer columns", async () => {
    const applied = await c.kubectl(["apply", "-f", "-"], { input: CR_YAML });
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.stdout, "crontab.stable.example.com/my-cron created\n");
    const got = await c.kubectl(["get", "ct", "-n", "default"]);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /^NAME\s+SPEC\s+REPLICAS\s+AGE\nmy-cron\s+\* \* \* \* \*\/5\s+1\s+\d+s\n$/);
    const wide = await c.kubectl(["get", "crontabs", "-n", "default", "-o", "wide"]);
    assert.match(wide.stdout, /^NAME\s+SPEC\s+REPLICAS\s+IMAGE\s+AGE\n/);
    assert.match(wide.stdout, /my-cron-image/);
    const all = await c.kubectl(["get", "all", "-n", "default"]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /crontab\.stable\.example\.com\/my-cron/);
    // A second apply of a changed manifest patches it (client-side apply's three-way merge).
    const again = await c.kubectl(["apply", "-f", "-"], { input: CR_YAML.replace("my-cron-image", "other") });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, "crontab.stable.example.com/my-cron configured\n");
  });

  it("explains the custom resource from its schema", async () => {
    const r = await c.kubectl(["explain", "crontab.spec.cronSpec"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /KIND:\s+CronTab/);
    assert.match(r.stdout, /The schedule, in cron format\./);
  });

  it("scales through the scale subresource", async () => {
    const r = await c.kubectl(["scale", "crontab/my-cron", "-n", "default", "--replicas=3"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "crontab.stable.example.com/my-cron scaled\n");
    const got = await c.kubectl([
      "get",
      "crontab",
      "my-cron",
      "-n",
      "default",
      "-o",
      "jsonpath={.spec.replicas}",
    ]);
    assert.equal(got.stdout, "3");
  });

  it("refuses an invalid object with the server's message (fieldValidation=Strict)", async () => {
    const r = await c.kubectl(["create", "-f", "-", "--validate=strict"], {
      input: CR_YAML.replace("my-cron\n", "strict-cron\n").replace(
        "replicas: 1",
        "replicas: 1\n  colour: red",
      ),
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /strict decoding error: unknown field "spec\.colour"/);
  });

  // Each kubectl the machine has: 1.27/1.28 explain and validate from OpenAPI v2 (protobuf), later ones v3.
  const GCLOUD_BIN = "/usr/lib/google-cloud-sdk/bin";
  const MINORS = [27, 28, 29, 30, 31, 32, 33].filter((m) => existsSync(`${GCLOUD_BIN}/kubectl.1.${m}`));
  for (const minor of MINORS) {
    it(`kubectl 1.${minor}: apply, get with columns, explain, scale`, async () => {
      const binary = `${GCLOUD_BIN}/kubectl.1.${minor}`;
      const name = `cron-${minor}`;
      const input = CR_YAML.replace("my-cron\n", `${name}\n`);
      const applied = await c.kubectl(["apply", "-f", "-"], { input, binary });
      assert.equal(applied.code, 0, applied.stderr);
      assert.equal(applied.stdout, `crontab.stable.example.com/${name} created\n`);
      const again = await c.kubectl(["apply", "-f", "-"], {
        input: input.replace("replicas: 1", "replicas: 2"),
        binary,
      });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, `crontab.stable.example.com/${name} configured\n`);
      const got = await c.kubectl(["get", "crontab", name, "-n", "default"], { binary });
      assert.match(
        got.stdout,
        new RegExp(`^NAME\\s+SPEC\\s+REPLICAS\\s+AGE\\n${name}\\s+\\* \\* \\* \\* \\*/5\\s+2\\s+\\d+s\\n$`),
      );
      const explained = await c.kubectl(["explain", "crontab.spec"], { binary });
      assert.equal(explained.code, 0, explained.stderr);
      assert.match(explained.stdout, /What to run and when\./);
      const scaled = await c.kubectl(["scale", `crontab/${name}`, "-n", "default", "--replicas=5"], {
        binary,
      });
      assert.equal(scaled.code, 0, scaled.stderr);
      const read = await c.kubectl(
        ["get", "crontab", name, "-n", "default", "-o", "jsonpath={.spec.replicas}"],
        { binary },
      );
      assert.equal(read.stdout, "5");
    });
  }

  it("deletes the CRD and its objects", async () => {
    const r = await c.kubectl(["delete", "crd", "crontabs.stable.example.com"]);
    assert.equal(r.code, 0, r.stderr);
    await eventually(
      async () => (await c.kubectl(["get", "crd"])).stdout.includes("crontabs") === false,
      5000,
      "CRD gone",
    );
    const gone = await c.kubectl(["get", "crontabs", "-n", "default"]);
    assert.notEqual(gone.code, 0);
    // kubectl's discovery cache still names the resource; the server answers 404 for its path.
    assert.match(gone.stderr, /NotFound|doesn't have a resource type "crontabs"/);
  });
});
