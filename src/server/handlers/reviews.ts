import { Status } from "../../meta/status.ts";
import type { Attributes, KubeObject, PolicyRule, UserInfo } from "../../meta/types.ts";
import type { ServerContext } from "../context.ts";
import { readObject } from "../http/body.ts";
import { ApiStatusError, fail } from "../http/errors.ts";
import { sendObject } from "../http/respond.ts";
import { groupVersion, type ResourceDef } from "../registry/types.ts";
import type { Call } from "./call.ts";

interface ResourceAttributesSpec {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

interface AccessReviewSpec {
  resourceAttributes?: ResourceAttributesSpec;
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

function invalid(def: ResourceDef, field: string, message: string): ApiStatusError {
  return new ApiStatusError(Status.invalid(def.kind, def.group, "", [{ field, message }]));
}

function accessAttributes(def: ResourceDef, spec: AccessReviewSpec, user: UserInfo): Attributes {
  const r = spec.resourceAttributes;
  const n = spec.nonResourceAttributes;
  if ((r && n) || (!r && !n)) {
    throw invalid(
      def,
      "spec.resourceAttributes",
      `Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`,
    );
  }
  if (n) return { resourceRequest: false, user, verb: n.verb ?? "", path: n.path ?? "" };
  return {
    resourceRequest: true,
    user,
    verb: r!.verb ?? "",
    namespace: r!.namespace ?? "",
    apiGroup: r!.group ?? "",
    apiVersion: r!.version || "*",
    resource: r!.resource ?? "",
    subresource: r!.subresource ?? "",
    name: r!.name ?? "",
  };
}

function toResourceRules(rules: PolicyRule[]) {
  const resourceRules = [];
  const nonResourceRules = [];
  for (const r of rules) {
    if (r.nonResourceURLs?.length)
      nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
    else {
      resourceRules.push({
        verbs: r.verbs,
        apiGroups: r.apiGroups ?? [],
        resources: r.resources ?? [],
        ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
      });
    }
  }
  return { resourceRules, nonResourceRules };
}

export async function createReview(call: Call): Promise<void> {
  const { ctx, req, res, def, info, user } = call;
  const body = await readObject(req);
  if (body.apiVersion && body.apiVersion !== groupVersion(def)) {
    throw fail.badRequest(
      `the API version in the data (${body.apiVersion}) does not match the expected API version (${groupVersion(def)})`,
    );
  }
  const spec = (body.spec ?? {}) as AccessReviewSpec & {
    token?: string;
    audiences?: string[];
    namespace?: string;
  };
  const out: KubeObject = { kind: def.kind, apiVersion: groupVersion(def), metadata: body.metadata ?? {} };
  if (def.kind !== "SelfSubjectReview") out.spec = body.spec ?? {};

  switch (def.kind) {
    case "SelfSubjectReview":
      out.status = { userInfo: user };
      break;
    case "TokenReview": {
      if (!spec.token) throw invalid(def, "spec.token", "Required value");
      const verdict = await ctx.authn.authenticateToken(
        spec.token,
        spec.audiences?.length ? spec.audiences : undefined,
      );
      out.status =
        verdict.status === "authenticated"
          ? { authenticated: true, user: verdict.user, audiences: verdict.audiences }
          : { user: {}, error: verdict.status === "rejected" ? verdict.error : "invalid bearer token" };
      break;
    }
    case "SelfSubjectAccessReview":
      out.status = decision(ctx, accessAttributes(def, spec, user));
      break;
    case "SubjectAccessReview":
    case "LocalSubjectAccessReview": {
      if (!spec.user && !spec.groups?.length) {
        throw invalid(def, "spec.user", `Invalid value: "": at least one of user or group must be specified`);
      }
      if (def.kind === "LocalSubjectAccessReview") {
        if (spec.nonResourceAttributes)
          throw invalid(
            def,
            "spec.nonResourceAttributes",
            'Invalid value: "": disallowed on this kind of request',
          );
        if ((spec.resourceAttributes?.namespace ?? "") !== info.namespace) {
          throw invalid(
            def,
            "spec.resourceAttributes.namespace",
            `Invalid value: "${spec.resourceAttributes?.namespace ?? ""}": must match metadata.namespace`,
          );
        }
      }
      const subject: UserInfo = {
        username: spec.user ?? "",
        uid: spec.uid,
        groups: spec.groups ?? [],
        extra: spec.extra,
      };
      out.status = decision(ctx, accessAttributes(def, spec, subject));
      break;
    }
    case "SelfSubjectRulesReview": {
      if (!spec.namespace) throw fail.badRequest("no namespace on request");
      const { rules, errors } = ctx.authz.rulesFor(user, spec.namespace);
      out.status = {
        ...toResourceRules(rules),
        incomplete: errors.length > 0,
        ...(errors.length ? { evaluationError: errors.join(", ") } : {}),
      };
      break;
    }
    default:
      throw new ApiStatusError(Status.notFoundPath());
  }
  sendObject(res, 201, out);
}

function decision(ctx: ServerContext, attributes: Attributes) {
  const d = ctx.authz.authorize(attributes);
  return { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) };
}
