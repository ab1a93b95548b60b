// The request path, top to bottom: requestInfo → authentication → impersonation → authorization →
// non-resource endpoints | resource handlers (admission → registry → storage) → response.
import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import { Status } from "../../meta/status.ts";
import type { Attributes, UserInfo } from "../../meta/types.ts";
import { forbiddenMessage } from "../../rbac/index.ts";
import { requestedImpersonation } from "../authn/impersonation.ts";
import type { AuditRecord } from "../context.ts";
import { handleResource, type ResourceHandlerContext } from "../handlers/resources.ts";
import { upgradeResponse } from "../streaming/upgrade.ts";
import { ApiStatusError, fail, statusOf } from "./errors.ts";
import {
  type ConnectionGuard,
  guardConnections,
  InflightLimiter,
  isLongRunning,
  KEEP_ALIVE_TIMEOUT_MS,
  MAX_HEADER_BYTES,
  requestTimedOut,
  tooManyConnections,
  tooManyRequests,
} from "./limits.ts";
import { handleNonResource } from "./non-resource.ts";
import { parseRequestInfo, type RequestInfo } from "./request-info.ts";
import { sendStatus } from "./respond.ts";

export interface TlsMaterial {
  key: string;
  cert: string;
  ca: string;
}

export interface ApiServer {
  server: https.Server;
  /** Closes every connection, including ones still in their TLS handshake. */
  closeAllConnections(): void;
}

export function createApiServer(ctx: ResourceHandlerContext, tls: TlsMaterial): ApiServer {
  const { limits } = ctx;
  const server = https.createServer(
    {
      key: tls.key,
      cert: tls.cert,
      ca: tls.ca,
      requestCert: true, // client certificates are optional; unverified ones are rejected by authn
      rejectUnauthorized: false,
      minVersion: "TLSv1.2",
      handshakeTimeout: limits.headerTimeoutMs,
      maxHeaderSize: MAX_HEADER_BYTES,
      // Node checks headersTimeout on this beat (default 30 s, which would let slow headers last 45 s).
      connectionsCheckingInterval: Math.min(1000, limits.headerTimeoutMs),
    },
    (req, res) => {
      // serve() answers every error itself; this is the last line, so nothing can escape as a rejection.
      serve(ctx, guard, inflight, req, res).catch((err: unknown) => lastResort(ctx, res, err));
    },
  );
  const guard = guardConnections(server, limits, ctx.log);
  const inflight = new InflightLimiter(limits);
  // Upgrade requests (pods/exec, attach, portforward) take the same path; a handler accepting one takes
  // the socket over (streaming/upgrade.ts), any other answer closes the connection.
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const res = upgradeResponse(req, socket, head);
    serve(ctx, guard, inflight, req, res).catch((err: unknown) => lastResort(ctx, res, err));
  });
  server.headersTimeout = limits.headerTimeoutMs; // slow-loris protection for later requests on a connection
  server.requestTimeout = 0; // request-timeout is enforced per request (watches and log streams are exempt)
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.on("tlsClientError", (err, socket) => {
    ctx.log.debug({ err: err.message }, "TLS handshake failed");
    socket.destroy(); // with a listener here, Node leaves a timed-out or failed handshake's socket open
  });
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    ctx.log.debug({ err: err.message }, "malformed HTTP request");
    if (!socket.writable) return void socket.destroy();
    const status =
      err.code === "HPE_HEADER_OVERFLOW"
        ? "431 Request Header Fields Too Large"
        : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? "408 Request Timeout"
          : "400 Bad Request";
    // As Go's net/http answers a request it cannot parse (it never reaches the API handlers, so no Status).
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${status}`,
    );
  });
  return {
    server,
    closeAllConnections: () => {
      server.closeAllConnections();
      guard.destroyAll();
    },
  };
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

/**
 * The request target as a URL. Always relative to the origin: "//x" is a path here, not a host (a base-relative
 * parse would throw), and an absolute or "*" target just becomes a path that matches nothing.
 */
function requestUrl(target = "/"): URL {
  return new URL(`https://localhost${target.startsWith("/") ? target : `/${target}`}`);
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

async function serve(
  ctx: ResourceHandlerContext,
  guard: ConnectionGuard,
  inflight: InflightLimiter,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const received = new Date();
  // Captured now: once a response ends early (413) the socket may already be detached when auditing runs.
  const sourceIP = req.socket?.remoteAddress ?? "";
  guard.requestStarted(req.socket);
  // A late write by a handler that lost a race with a timeout or a closed client must not become an
  // unhandled 'error' event.
  res.on("error", (err) => ctx.log.debug({ err: err.message }, "response write failed"));
  let user: UserInfo | undefined;
  let info: RequestInfo | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    if (guard.overLimit(req.socket)) {
      res.setHeader("Connection", "close");
      throw new ApiStatusError(tooManyConnections(ctx.limits.maxConnections));
    }
    const url = requestUrl(req.url);
    // Go servers see the decoded path (names like system%3Adiscovery are "system:discovery").
    const path = decodePath(url.pathname);
    const requestInfo = parseRequestInfo(req.method ?? "GET", path, url.searchParams);
    info = requestInfo;

    const handled = (async () => {
      const authn = await ctx.authn.authenticate(req);
      if (!authn.ok) {
        ctx.log.info({ path: url.pathname, reason: authn.error }, "Unable to authenticate the request");
        throw new ApiStatusError(Status.unauthorized());
      }
      const actor = impersonate(ctx, req, authn.user);
      user = actor;

      // The slot is held until the handler is done, even past a timeout (as upstream's filter order does).
      const release = inflight.admit(requestInfo, actor);
      if (!release) throw new ApiStatusError(tooManyRequests());
      try {
        const attributes = attributesOf(requestInfo, actor);
        const decision = ctx.authz.authorize(attributes);
        if (!decision.allowed) throw forbidden(attributes, decision.reason);

        if (!requestInfo.isResourceRequest) handleNonResource(ctx, req, res, path, url.searchParams);
        else await handleResource(ctx, req, res, requestInfo, url.searchParams, actor);
      } finally {
        release();
      }
    })();
    if (isLongRunning(requestInfo) || ctx.limits.requestTimeoutMs <= 0) await handled;
    else {
      // As filters/timeout.go: the handler keeps running, but the client gets a 504 now; whatever the handler
      // does afterwards is discarded.
      handled.catch(() => undefined);
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ApiStatusError(requestTimedOut())), ctx.limits.requestTimeoutMs);
      });
      await Promise.race([handled, timedOut]);
    }
  } catch (e) {
    respondWithError(ctx, req, res, e);
  } finally {
    clearTimeout(timer);
    if (ctx.audit && user && info) {
      try {
        ctx.audit(auditRecord(req, res, user, info, received, sourceIP));
      } catch (err) {
        ctx.log.error({ err }, "writing the audit record failed");
      }
    }
  }
}

/** The one place a thrown error becomes a Status: API errors as they are, storage errors mapped, the rest 500. */
function respondWithError(
  ctx: ResourceHandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  e: unknown,
): void {
  let status = statusOf(e);
  if (!status) {
    ctx.log.error({ err: e, path: req.url }, "request failed");
    status = Status.internal("the server failed to handle the request; see the server log");
  }
  // The client may still be sending a body nobody will read (413, timeouts): close rather than drain it.
  if (!req.complete && !res.headersSent) res.setHeader("Connection", "close");
  sendStatus(res, status);
}

function lastResort(ctx: ResourceHandlerContext, res: ServerResponse, err: unknown): void {
  try {
    ctx.log.error({ err }, "request handling failed outside the error boundary");
    if (!res.headersSent)
      sendStatus(res, Status.internal("the server failed to handle the request; see the server log"));
    else res.destroy();
  } catch {
    res.destroy();
  }
}

function auditRecord(
  req: IncomingMessage,
  res: ServerResponse,
  user: UserInfo,
  info: RequestInfo,
  received: Date,
  sourceIP: string,
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
    sourceIPs: [sourceIP],
    userAgent: req.headers["user-agent"],
    requestReceivedTimestamp: received.toISOString(),
    stageTimestamp: new Date().toISOString(),
    decision: res.statusCode === 403 ? "forbid" : "allow",
  };
}
