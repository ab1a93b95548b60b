// @kubernetes/client-node against custom resources: ApiextensionsV1Api creates a CRD and reads its
// conditions, CustomObjectsApi does CRUD, merge patch and the status subresource, and a Watch sees the
// events — what an operator's envtest does with the official JavaScript client.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as k8s from "@kubernetes/client-node";
import { eventually, startTestCluster, type TestCluster } from "../helpers/cluster.ts";

const GROUP = "batch.tutorial.example.com";

describe("@kubernetes/client-node with custom resources", () => {
  let c: TestCluster;
  let kc: k8s.KubeConfig;
  before(async () => {
    c = await startTestCluster();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfigPath);
  });
  after(async () => {
    await c?.stop();
  });

  it("creates a CRD, then CRUDs, patches, updates status and watches custom resources", async () => {
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: `cronjobs.${GROUP}` },
        spec: {
          group: GROUP,
          scope: "Namespaced",
          names: { plural: "cronjobs", singular: "cronjob", kind: "CronJob" },
          versions: [
            {
              name: "v1",
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: "object",
                  properties: {
                    spec: {
                      type: "object",
                      required: ["schedule"],
                      properties: {
                        schedule: { type: "string" },
                        suspend: { type: "boolean", _default: false },
                      }, // the model's name for `default`
                    },
                    status: {
                      type: "object",
                      properties: { lastScheduleTime: { type: "string", format: "date-time" } },
                    },
                  },
                },
              },
            },
          ],
        },
      },
    });
    await eventually(
      async () => {
        const crd = await ext.readCustomResourceDefinition({ name: `cronjobs.${GROUP}` });
        return crd.status?.conditions?.some((x) => x.type === "Established" && x.status === "True");
      },
      2000,
      "Established",
    );

    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(
      `/apis/${GROUP}/v1/namespaces/default/cronjobs`,
      {},
      (type, obj) => events.push(`${type} ${obj.metadata.name} ${obj.spec?.suspend}`),
      () => {},
    );
    try {
      const api = kc.makeApiClient(k8s.CustomObjectsApi);
      const created: any = await api.createNamespacedCustomObject({
        group: GROUP,
        version: "v1",
        namespace: "default",
        plural: "cronjobs",
        body: {
          apiVersion: `${GROUP}/v1`,
          kind: "CronJob",
          metadata: { name: "nightly" },
          spec: { schedule: "0 0 * * *" },
        },
      });
      assert.equal(created.spec.suspend, false, "defaulted from the schema");
      await api.patchNamespacedCustomObject(
        {
          group: GROUP,
          version: "v1",
          namespace: "default",
          plural: "cronjobs",
          name: "nightly",
          body: { spec: { suspend: true } },
        },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      );
      const status: any = await api.replaceNamespacedCustomObjectStatus({
        group: GROUP,
        version: "v1",
        namespace: "default",
        plural: "cronjobs",
        name: "nightly",
        body: {
          ...(await api.getNamespacedCustomObject({
            group: GROUP,
            version: "v1",
            namespace: "default",
            plural: "cronjobs",
            name: "nightly",
          })),
          status: { lastScheduleTime: "2026-01-01T00:00:00Z" },
        },
      });
      assert.equal(status.status.lastScheduleTime, "2026-01-01T00:00:00Z");
      const list: any = await api.listNamespacedCustomObject({
        group: GROUP,
        version: "v1",
        namespace: "default",
        plural: "cronjobs",
      });
      assert.deepEqual(
        list.items.map((x: any) => x.metadata.name),
        ["nightly"],
      );
      await assert.rejects(
        api.createNamespacedCustomObject({
          group: GROUP,
          version: "v1",
          namespace: "default",
          plural: "cronjobs",
          body: { apiVersion: `${GROUP}/v1`, kind: "CronJob", metadata: { name: "bad" }, spec: {} },
        }),
        (e: any) => e.code === 422 && /spec\.schedule: Required value/.test(String(e.body)),
      );
      await api.deleteNamespacedCustomObject({
        group: GROUP,
        version: "v1",
        namespace: "default",
        plural: "cronjobs",
        name: "nightly",
      });
      await eventually(async () => events.length >= 4, 2000, "watch events");
      assert.deepEqual(events.slice(0, 4), [
        "ADDED nightly false",
        "MODIFIED nightly true",
        "MODIFIED nightly true",
        "DELETED nightly true",
      ]);
    } finally {
      req.abort();
    }
  });
});
