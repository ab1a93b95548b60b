import { checkNamespaceAcceptsContent } from "../admission/namespace-lifecycle.ts";
import { createTokenRequest, type TokenRequestLookup } from "../authn/token-request.ts";
import type { ServerContext } from "../context.ts";
import { readObject } from "../http/body.ts";
import { ApiStatusError } from "../http/errors.ts";
import { sendObject } from "../http/respond.ts";
import type { Call } from "./call.ts";

function lookupFor(ctx: ServerContext): TokenRequestLookup {
  const uidOf = (resource: string, ns: string, name: string) => {
    const e = ctx.store.get(resource, ns, name);
    return e ? { uid: e.uid } : undefined;
  };
  return {
    serviceAccount: (ns, name) => uidOf("serviceaccounts", ns, name),
    secret: (ns, name) => uidOf("secrets", ns, name),
    node: (name) => uidOf("nodes", "", name),
    pod: (ns, name) => {
      const e = ctx.store.get("pods", ns, name);
      if (!e) return undefined;
      const spec = e.object().spec as { serviceAccountName?: string; nodeName?: string } | undefined;
      return { uid: e.uid, serviceAccountName: spec?.serviceAccountName, nodeName: spec?.nodeName };
    },
  };
}

export async function createToken(call: Call): Promise<void> {
  const { ctx, req, res, def, info, user } = call;
  const body = await readObject(req);
  checkNamespaceAcceptsContent(ctx.store, def, info.namespace, info.name);
  const outcome = await createTokenRequest(ctx.tokens, lookupFor(ctx), {
    namespace: info.namespace,
    name: info.name,
    body,
  });
  if (!outcome.ok) throw new ApiStatusError(outcome.status);
  for (const w of outcome.warnings) res.appendHeader("Warning", `299 - ${JSON.stringify(w)}`);
  ctx.log.debug({ serviceAccount: `${info.namespace}/${info.name}`, by: user.username }, "token issued");
  sendObject(res, 201, outcome.tokenRequest);
}
