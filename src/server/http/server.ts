// The request path, top to bottom: requestInfo → authentication → impersonation → authorization →
// non-resource endpoints | resource handlers (admission → registry → storage) → response.
import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import { Status } from "../../meta/status.ts";
import type { Attributes, UserInfo } from "../../meta/types.ts";
import { forbiddenMessage } from "../../rbac/index.ts";
import { requestedImpersonation } from "../authn/impersonation.ts";
import type { AuditRecord } from "../context.ts";
import { handleResource, type ResourceHandlerContext } from "../handlers/resources.ts";
import { ApiStatusError, fail, statusOf } from "./errors.ts";
import { handleNonResource } from "./non-resource.ts";
import { parseRequestInfo, type RequestInfo } from "./request-info.ts";
import { sendStatus } from "./respond.ts";

export interface TlsMaterial {
  key: string;
  cert: string;
  ca: string;
}

export function createApiServer(ctx: ResourceHandlerContext, tls: TlsMaterial): https.Server {
  const server = https.createServer(
    {
      key: tls.key,
      cert: tls.cert,
      ca: tls.ca,
      requestCert: true, // client certificates are optional; unverified ones are rejected by authn
      rejectUnauthorized: false,
      minVersion: "TLSv1.2",
    },
    (req, res) => void serve(ctx, req, res),
  );
  server.headersTimeout = 15_000; // slow-loris protection: headers must arrive quickly
  server.requestTimeout = 60_000; // the whole request body too (watch responses are not affected)
  server.keepAliveTimeout = 65_000;
  server.on("tlsClientError", (err) => ctx.log.debug({ err: err.message }, "TLS handshake failed"));
  server.on("clientError", (err, socket) => {
    ctx.log.debug({ err: err.message }, "malformed HTTP request");
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  });
  return server;
}

export function attributesOf(info: RequestInfo, user: UserInfo): Attributes {
  if (!info.isResourceRequest) return { resourceRequest: false, user, verb: info.verb, path: info.path };
  return {
    resourceRequest: true,
    user,
    verb: info.verb,
    namespace: info.namespace,
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name,
  };
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw fail.badRequest(`the request path is not valid percent-encoding: ${raw.slice(0, 200)}`);
  }
}

function forbidden(attributes: Attributes, reason: string): ApiStatusError {
  const { message, details } = forbiddenMessage(attributes, reason);
  return new ApiStatusError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason: "Forbidden",
    details,
    code: 403,
  });
}

/** Authorizes the impersonation headers, then returns whom the request acts as. */
function impersonate(ctx: ResourceHandlerContext, req: IncomingMessage, user: UserInfo): UserInfo {
  const wanted = requestedImpersonation(req);
  if (!wanted.impersonating) return user;
  if ("error" in wanted) throw fail.badRequest(wanted.error);
  for (const check of wanted.checks) {
    const attributes: Attributes = { ...check.attributes, user };
    const decision = ctx.authz.authorize(attributes);
    if (!decision.allowed) throw forbidden(attributes, decision.reason);
  }
  return wanted.user;
}

async function serve(ctx: ResourceHandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const received = new Date();
  let user: UserInfo | undefined;
  let info: RequestInfo | undefined;
  try {
    const url = new URL(req.url ?? "/", "https://localhost");
    // Go servers see the decoded path (names like system%3Adiscovery are "system:discovery").
    const path = decodePath(url.pathname);
    info = parseRequestInfo(req.method ?? "GET", path, url.searchParams);

    const authn = await ctx.authn.authenticate(req);
    if (!authn.ok) {
      ctx.log.info({ path: url.pathname, reason: authn.error }, "Unable to authenticate the request");
      throw new ApiStatusError(Status.unauthorized());
    }
    user = impersonate(ctx, req, authn.user);

    const attributes = attributesOf(info, user);
    const decision = ctx.authz.authorize(attributes);
    if (!decision.allowed) throw forbidden(attributes, decision.reason);

    if (!info.isResourceRequest) handleNonResource(ctx, req, res, path);
    else await handleResource(ctx, req, res, info, url.searchParams, user);
  } catch (e) {
    const status = statusOf(e);
    if (status) sendStatus(res, status);
    else {
      ctx.log.error({ err: e, path: req.url }, "request failed");
      sendStatus(res, Status.internal("the server failed to handle the request; see the server log"));
    }
  } finally {
    if (ctx.audit && user && info) ctx.audit(auditRecord(req, res, user, info, received));
  }
}

function auditRecord(
  req: IncomingMessage,
  res: ServerResponse,
  user: UserInfo,
  info: RequestInfo,
  received: Date,
): AuditRecord {
  return {
    user,
    verb: info.verb,
    requestURI: req.url ?? "",
    code: res.statusCode,
    objectRef: info.isResourceRequest
      ? {
          resource: info.resource,
          namespace: info.namespace || undefined,
          name: info.name || undefined,
          apiGroup: info.apiGroup || undefined,
          apiVersion: info.apiVersion,
          subresource: info.subresource || undefined,
        }
      : undefined,
    sourceIPs: [req.socket.remoteAddress ?? ""],
    userAgent: req.headers["user-agent"],
    requestReceivedTimestamp: received.toISOString(),
    stageTimestamp: new Date().toISOString(),
    decision: res.statusCode === 403 ? "forbid" : "allow",
  };
}
