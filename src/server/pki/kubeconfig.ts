// A kubeconfig for the admin identity with everything embedded (-data fields), so it works from any
// directory and needs no companion files.
import { yaml } from "../yaml.ts";
import type { Pki } from "./pki.ts";

export interface AdminKubeconfigOptions {
  server: string;
  pki: Pick<Pki, "caCertPem" | "adminCertPem" | "adminKeyPem">;
  clusterName?: string;
  userName?: string;
  contextName?: string;
}

const base64 = (pem: string) => Buffer.from(pem).toString("base64");

export function adminKubeconfig(o: AdminKubeconfigOptions): string {
  const clusterName = o.clusterName ?? "incluster";
  const userName = o.userName ?? "kubernetes-admin";
  const contextName = o.contextName ?? `${userName}@${clusterName}`;
  return yaml().stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: clusterName,
        cluster: { server: o.server, "certificate-authority-data": base64(o.pki.caCertPem) },
      },
    ],
    contexts: [{ name: contextName, context: { cluster: clusterName, user: userName } }],
    "current-context": contextName,
    preferences: {},
    users: [
      {
        name: userName,
        user: {
          "client-certificate-data": base64(o.pki.adminCertPem),
          "client-key-data": base64(o.pki.adminKeyPem),
        },
      },
    ],
  });
}
