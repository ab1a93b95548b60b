// The ServiceAccount admission plugin for Pods (plugin/pkg/admission/serviceaccount/admission.go):
// default SA, SA must exist, imagePullSecrets, and the kube-api-access-xxxxx projected volume.
import type { Container, Pod, Volume } from "kubernetes-types/core/v1.d.ts";
import { Status } from "../../meta/status.ts";
import { ApiStatusError } from "../http/errors.ts";
import { randomSuffix } from "../registry/names.ts";
import type { AdmissionPlugin } from "./types.ts";

export const SERVICE_ACCOUNT_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
const VOLUME_PREFIX = "kube-api-access-";
export const BOUND_TOKEN_EXPIRATION_SECONDS = 3607;

export function tokenVolumeSource(): Volume["projected"] {
  return {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: BOUND_TOKEN_EXPIRATION_SECONDS, path: "token" } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      {
        downwardAPI: {
          items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }],
        },
      },
    ],
  };
}

function forbidden(podName: string, message: string): ApiStatusError {
  return new ApiStatusError(
    Status.forbidden(`pods "${podName}" is forbidden: ${message}`, "pods", "", podName),
  );
}

export const serviceAccountAdmission: AdmissionPlugin = {
  name: "ServiceAccount",
  mutate(req) {
    if (req.def.group !== "" || req.def.resource !== "pods" || req.subresource || req.operation !== "CREATE")
      return;
    const pod = req.object as Pod;
    const spec = pod.spec;
    if (!spec) return;
    const mirror = pod.metadata?.annotations?.["kubernetes.io/config.mirror"] !== undefined;
    if (mirror) {
      if (spec.serviceAccountName)
        throw forbidden(req.name, "a mirror pod may not reference service accounts");
      return;
    }
    if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || "default";
    spec.serviceAccount = spec.serviceAccountName;

    const saEntry = req.store.get("serviceaccounts", req.namespace, spec.serviceAccountName);
    if (!saEntry) {
      throw forbidden(
        req.name,
        `error looking up service account ${req.namespace}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`,
      );
    }
    const sa = saEntry.object() as {
      automountServiceAccountToken?: boolean;
      imagePullSecrets?: { name: string }[];
    };

    if (!spec.imagePullSecrets?.length && sa.imagePullSecrets?.length) {
      spec.imagePullSecrets = sa.imagePullSecrets.map((s) => ({ name: s.name }));
    }

    const automount = spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
    if (!automount) return;

    spec.volumes ??= [];
    let volumeName = spec.volumes.find((v) => v.name.startsWith(VOLUME_PREFIX))?.name;
    const needsMount = (c: Container) =>
      !(c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH);
    const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    if (!containers.some(needsMount)) return;
    if (!volumeName) {
      volumeName = VOLUME_PREFIX + randomSuffix();
      spec.volumes.push({ name: volumeName, projected: tokenVolumeSource() });
    }
    for (const c of containers) {
      if (!needsMount(c)) continue;
      c.volumeMounts ??= [];
      c.volumeMounts.push({ name: volumeName, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH });
    }
  },
};
