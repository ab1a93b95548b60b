// Paths inside volumes (core validation validateLocalDescendingPath / ValidateLocalNonReservedPath),
// after upstream's TestValidateVolumes and TestValidateVolumeMounts cases: a file a volume writes, or a
// subPath it mounts, must stay inside the volume.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../../src/meta/types.ts";
import { validatePod } from "../../../src/server/registry/validation.ts";

const pod = (volumes: unknown[], mounts: unknown[] = []): KubeObject => ({
  metadata: { name: "p", namespace: "ns" },
  // serviceAccountName as the ServiceAccount admission plugin sets it (token projections need one).
  spec: {
    serviceAccountName: "default",
    containers: [{ name: "c", image: "i", volumeMounts: mounts }],
    volumes,
  },
});
const lines = (obj: KubeObject) => validatePod(obj).map((e) => `${e.field}: ${e.message}`);

test("secret and configMap items: relative, no '..' element, not starting with '..'", () => {
  assert.deepEqual(
    lines(
      pod([
        {
          name: "s",
          secret: {
            secretName: "s",
            items: [
              { key: "a", path: "ok/file" },
              { key: "b", path: "../escape" },
              { key: "c", path: "..data" },
              { key: "d", path: "/etc/passwd" },
              { key: "e", path: "" },
            ],
          },
        },
        { name: "c", configMap: { name: "c", items: [{ key: "a", path: "a/../../b" }] } },
      ]),
    ),
    [
      `spec.volumes[0].secret.items[1].path: Invalid value: "../escape": must not contain '..'`,
      `spec.volumes[0].secret.items[2].path: Invalid value: "..data": must not start with '..'`,
      `spec.volumes[0].secret.items[3].path: Invalid value: "/etc/passwd": must be a relative path`,
      "spec.volumes[0].secret.items[4].path: Required value",
      `spec.volumes[1].configMap.items[0].path: Invalid value: "a/../../b": must not contain '..'`,
    ],
  );
});

test("downwardAPI and projected sources", () => {
  assert.deepEqual(
    lines(
      pod([
        {
          name: "d",
          downwardAPI: {
            items: [{ path: "../labels", fieldRef: { apiVersion: "v1", fieldPath: "metadata.labels" } }],
          },
        },
        {
          name: "p",
          projected: {
            sources: [
              { secret: { name: "s", items: [{ key: "k", path: "x/.." }] } },
              { serviceAccountToken: { path: "../token", expirationSeconds: 3600 } },
            ],
          },
        },
      ]),
    ),
    [
      // validateDownwardAPIVolumeFile and the token projection name the source, not the item (upstream's paths).
      `spec.volumes[0].downwardAPI.path: Invalid value: "../labels": must not contain '..'`,
      `spec.volumes[1].projected.sources[0].secret.items[0].path: Invalid value: "x/..": must not contain '..'`,
      `spec.volumes[1].projected.path: Invalid value: "../token": must not contain '..'`,
    ],
  );
});

test("volumeMounts subPath", () => {
  assert.deepEqual(
    lines(
      pod(
        [{ name: "v", emptyDir: {} }],
        [
          { name: "v", mountPath: "/a", subPath: "ok/..ok" },
          { name: "v", mountPath: "/b", subPath: "../../etc" },
          { name: "v", mountPath: "/c", subPath: "/abs" },
        ],
      ),
    ),
    // ValidateVolumeMounts names the list, not the item, for subPath (fldPath.Child("subPath")).
    [
      `spec.containers[0].volumeMounts.subPath: Invalid value: "../../etc": must not contain '..'`,
      `spec.containers[0].volumeMounts.subPath: Invalid value: "/abs": must be a relative path`,
    ],
  );
});
