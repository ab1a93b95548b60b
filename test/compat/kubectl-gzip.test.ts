// kubectl 1.27–1.33 (Go's transport sends Accept-Encoding: gzip and decodes transparently) against gzipped
// responses: 3,000 ConfigMaps listed in pages (each page above the 128 KiB threshold) and unpaged.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { startTestCluster, type TestCluster } from "../helpers/cluster.ts";
import { createNamespace } from "./support.ts";

const GCLOUD_BIN = "/usr/lib/google-cloud-sdk/bin";
const MINORS = [27, 28, 29, 30, 31, 32, 33].filter((minor) => existsSync(`${GCLOUD_BIN}/kubectl.1.${minor}`));
const NS = "many";
const COUNT = 3000;
// ~400 bytes each: a default page of 500 is ~200 KB, above the threshold.
const VALUE = "v".repeat(300);

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
  await createNamespace(c, NS);
  for (let i = 0; i < COUNT; i += 50) {
    const created = await Promise.all(
      Array.from({ length: 50 }, (_, j) =>
        c.admin("POST", `/api/v1/namespaces/${NS}/configmaps`, {
          metadata: { name: `cm-${String(i + j).padStart(4, "0")}` },
          data: { value: VALUE },
        }),
      ),
    );
    for (const r of created) assert.equal(r.status, 201, r.text);
  }
});
after(() => c.stop());

test("the machine has kubectl 1.27 to 1.33", () => {
  assert.deepEqual(MINORS, [27, 28, 29, 30, 31, 32, 33]);
});

describe("kubectl lists 3,000 ConfigMaps through gzipped responses", { concurrency: 2 }, () => {
  for (const minor of MINORS) {
    const binary = `${GCLOUD_BIN}/kubectl.1.${minor}`;
    test(`kubectl 1.${minor}: paged table, unpaged list`, async () => {
      const table = await c.kubectl(["get", "configmaps", "-n", NS], { binary });
      assert.equal(table.code, 0, table.stderr + table.stdout.slice(0, 300));
      const rows = table.stdout.trim().split("\n");
      assert.match(rows[0], /^NAME\s+DATA\s+AGE$/);
      const names = rows.slice(1).map((row) => row.split(/\s+/)[0]);
      assert.equal(names.filter((n) => n.startsWith("cm-")).length, COUNT);
      assert.equal(names.at(-1), "kube-root-ca.crt");

      // Unpaged: one ~1 MB list body (kubectl's output stays small: execFile buffers 1 MB).
      const all = await c.kubectl(["get", "configmaps", "-n", NS, "--chunk-size=0", "-o", "name"], {
        binary,
      });
      assert.equal(all.code, 0, all.stderr);
      const listed = all.stdout.trim().split("\n");
      assert.equal(listed.filter((n) => n.startsWith("configmap/cm-")).length, COUNT);
      const one = await c.kubectl(
        [
          "get",
          "configmaps",
          "-n",
          NS,
          "--chunk-size=0",
          "-o",
          "jsonpath={.items[1234].metadata.name}={.items[1234].data.value}",
        ],
        { binary },
      );
      assert.equal(one.code, 0, one.stderr);
      assert.equal(one.stdout, `cm-1234=${VALUE}`);
    });
  }
});
