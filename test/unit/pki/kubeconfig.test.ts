import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { adminKubeconfig, loadOrCreatePki } from "../../../src/server/pki/index.ts";

const unbase64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

describe("adminKubeconfig", async () => {
  const pki = await loadOrCreatePki();

  it("embeds the CA and the admin credentials under a current context", () => {
    const config = parse(adminKubeconfig({ server: "https://127.0.0.1:6443", pki }));
    assert.equal(config.apiVersion, "v1");
    assert.equal(config.kind, "Config");
    assert.equal(config["current-context"], "kubernetes-admin@incluster");
    assert.deepEqual(config.contexts, [
      { name: "kubernetes-admin@incluster", context: { cluster: "incluster", user: "kubernetes-admin" } },
    ]);
    const [cluster] = config.clusters;
    assert.equal(cluster.name, "incluster");
    assert.equal(cluster.cluster.server, "https://127.0.0.1:6443");
    assert.equal(unbase64(cluster.cluster["certificate-authority-data"]), pki.caCertPem);
    const [user] = config.users;
    assert.equal(user.name, "kubernetes-admin");
    assert.equal(unbase64(user.user["client-certificate-data"]), pki.adminCertPem);
    assert.equal(unbase64(user.user["client-key-data"]), pki.adminKeyPem);
  });

  it("honours custom cluster, user and context names", () => {
    const config = parse(
      adminKubeconfig({ server: "https://h:1", pki, clusterName: "c", userName: "u", contextName: "ctx" }),
    );
    assert.equal(config["current-context"], "ctx");
    assert.deepEqual(config.contexts[0], { name: "ctx", context: { cluster: "c", user: "u" } });
    assert.equal(config.clusters[0].name, "c");
    assert.equal(config.users[0].name, "u");
  });
});
