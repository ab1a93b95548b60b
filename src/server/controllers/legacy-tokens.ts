// The token controller for Secret-based tokens: since 1.24 it only fills Secrets of type
// kubernetes.io/service-account-token that users create, and removes them with their ServiceAccount.
import type { StoredObject } from "../../meta/types.ts";
import { issueLegacyToken } from "../authn/serviceaccount-tokens.ts";
import { CONTROLLER_USER, type Controller, type ControllerContext, controller } from "./context.ts";

export const SA_TOKEN_TYPE = "kubernetes.io/service-account-token";
export const SA_NAME_ANNOTATION = "kubernetes.io/service-account.name";
export const SA_UID_ANNOTATION = "kubernetes.io/service-account.uid";

const b64 = (s: string) => Buffer.from(s).toString("base64");

export function startLegacyTokenController(c: ControllerContext): Controller {
  const secretsDef = c.registry.find("", "v1", "secrets")!;

  const tokenSecretsOf = (namespace: string, saName: string): StoredObject[] =>
    c.store
      .list("secrets", { namespace })
      .items.map((e) => e.object())
      .filter((s) => s.type === SA_TOKEN_TYPE && s.metadata.annotations?.[SA_NAME_ANNOTATION] === saName);

  const fill = async (secret: StoredObject, sa: { uid: string; name: string }) => {
    const data = (secret.data ?? {}) as Record<string, string>;
    if (data.token) return;
    const namespace = secret.metadata.namespace ?? "";
    const token = await issueLegacyToken(c.tokens, {
      namespace,
      serviceAccountName: sa.name,
      serviceAccountUID: sa.uid,
      secretName: secret.metadata.name,
    });
    await c.objects.guaranteedUpdate(
      secretsDef,
      namespace,
      secret.metadata.name,
      (latest) => {
        const current = (latest.data ?? {}) as Record<string, string>;
        if (current.token) return undefined;
        latest.data = {
          ...current,
          token: b64(token),
          "ca.crt": b64(c.pki.caCertPem),
          namespace: b64(namespace),
        };
        latest.metadata.annotations = { ...latest.metadata.annotations, [SA_UID_ANNOTATION]: sa.uid };
        return latest;
      },
      { user: CONTROLLER_USER },
    );
  };

  return controller(
    c,
    "tokens",
    async (key) => {
      const [kind, namespace, name] = key.split("/");
      if (kind === "secret") {
        const secret = c.store.get("secrets", namespace, name)?.object();
        const saName = secret?.metadata.annotations?.[SA_NAME_ANNOTATION];
        const sa = saName ? c.store.get("serviceaccounts", namespace, saName) : undefined;
        if (secret && secret.type === SA_TOKEN_TYPE && sa) await fill(secret, sa);
        return;
      }
      const sa = c.store.get("serviceaccounts", namespace, name);
      for (const secret of tokenSecretsOf(namespace, name)) {
        if (sa) await fill(secret, sa);
        else
          await c.objects
            .delete(secretsDef, namespace, secret.metadata.name, { user: CONTROLLER_USER })
            .catch(() => undefined);
      }
    },
    [
      { resource: "secrets", key: (e) => `secret/${e.namespace}/${e.name}` },
      { resource: "serviceaccounts", key: (e) => `sa/${e.namespace}/${e.name}` },
    ],
  );
}
