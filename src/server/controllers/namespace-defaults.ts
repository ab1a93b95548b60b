// Per-namespace defaults kept by kube-controller-manager: the `default` ServiceAccount
// (serviceaccounts_controller.go) and the `kube-root-ca.crt` ConfigMap (rootcacertpublisher).
import {
  activeNamespaces,
  CONTROLLER_USER,
  type Controller,
  type ControllerContext,
  controller,
  isActiveNamespace,
} from "./context.ts";

export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
const ROOT_CA_DESCRIPTION =
  "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

export function startServiceAccountController(c: ControllerContext): Controller {
  const def = c.registry.find("", "v1", "serviceaccounts")!;
  return controller(
    c,
    "serviceaccount",
    async (namespace) => {
      if (!isActiveNamespace(c.store, namespace) || c.store.get("serviceaccounts", namespace, "default"))
        return;
      await c.objects.create(def, { metadata: { name: "default" } }, namespace, { user: CONTROLLER_USER });
    },
    [
      { resource: "namespaces", key: (e) => e.name },
      { resource: "serviceaccounts", key: (e) => (e.name === "default" ? e.namespace : undefined) },
    ],
    () => activeNamespaces(c.store),
  );
}

export function startRootCaController(c: ControllerContext): Controller {
  const def = c.registry.find("", "v1", "configmaps")!;
  const want = {
    data: { "ca.crt": c.pki.caCertPem },
    annotations: { "kubernetes.io/description": ROOT_CA_DESCRIPTION },
  };
  return controller(
    c,
    "root-ca-cert-publisher",
    async (namespace) => {
      if (!isActiveNamespace(c.store, namespace)) return;
      const existing = c.store.get("configmaps", namespace, ROOT_CA_CONFIGMAP);
      if (!existing) {
        await c.objects.create(
          def,
          { metadata: { name: ROOT_CA_CONFIGMAP, annotations: want.annotations }, data: want.data },
          namespace,
          {
            user: CONTROLLER_USER,
          },
        );
        return;
      }
      const cm = existing.object();
      const data = cm.data as Record<string, string> | undefined;
      const annotations = cm.metadata.annotations ?? {};
      if (
        data?.["ca.crt"] === want.data["ca.crt"] &&
        annotations["kubernetes.io/description"] === ROOT_CA_DESCRIPTION
      )
        return;
      await c.objects.guaranteedUpdate(
        def,
        namespace,
        ROOT_CA_CONFIGMAP,
        (latest) => {
          latest.data = { ...(latest.data as Record<string, string> | undefined), ...want.data };
          latest.metadata.annotations = { ...latest.metadata.annotations, ...want.annotations };
          return latest;
        },
        { user: CONTROLLER_USER },
      );
    },
    [
      { resource: "namespaces", key: (e) => e.name },
      { resource: "configmaps", key: (e) => (e.name === ROOT_CA_CONFIGMAP ? e.namespace : undefined) },
    ],
    () => activeNamespaces(c.store),
  );
}
