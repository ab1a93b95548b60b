// Non-resource endpoints: discovery, version, health, OIDC discovery, OpenAPI.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Status } from "../../meta/status.ts";
import { jwks, openIdConfiguration } from "../authn/serviceaccount-tokens.ts";
import type { ServerContext } from "../context.ts";
import {
  aggregatedDiscovery,
  apiGroupDocument,
  apiGroupList,
  apiResourceList,
  apiVersions,
} from "./discovery.ts";
import { ApiStatusError } from "./errors.ts";
import { handleHealth, isHealthPath } from "./health.ts";
import { contentTypeOf, negotiate } from "./negotiate.ts";
import { respondOpenAPI } from "./openapi.ts";
import { sendJson, sendObject, sendStatus } from "./respond.ts";

export const KUBERNETES_VERSION = { major: "1", minor: "33", gitVersion: "v1.33.0" };

export function versionInfo() {
  return {
    major: KUBERNETES_VERSION.major,
    minor: KUBERNETES_VERSION.minor,
    gitVersion: `${KUBERNETES_VERSION.gitVersion}+incluster`,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z",
    goVersion: `node${process.versions.node}`,
    compiler: "incluster",
    platform: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`,
  };
}

function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, {
    "Content-Type": "text/plain; charset=utf-8",
    "Cache-Control": "no-cache, private",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(text);
}

export function handleNonResource(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    return sendStatus(res, Status.methodNotSupported("", "", (req.method ?? "").toLowerCase()));
  }
  if (isHealthPath(path)) {
    return handleHealth(ctx, res, path, query);
  }
  if (path === "/version" || path === "/version/") return sendObject(res, 200, versionInfo());
  if (path === "/.well-known/openid-configuration" || path === "/.well-known/openid-configuration/") {
    res.setHeader("Cache-Control", "public, max-age=3600");
    return sendJson(res, 200, JSON.stringify(openIdConfiguration(ctx.tokens, ctx.url)));
  }
  if (path === "/openid/v1/jwks" || path === "/openid/v1/jwks/") {
    res.writeHead(200, {
      "Content-Type": "application/jwk-set+json",
      "Cache-Control": "public, max-age=3600",
    });
    return void res.end(JSON.stringify(jwks(ctx.tokens)));
  }
  if (path.startsWith("/openapi/")) return openapi(ctx, req, res, path, query);
  if (path === "/api" || path === "/apis" || path.startsWith("/api/") || path.startsWith("/apis/")) {
    return discovery(ctx, req, res, path);
  }
  sendText(res, 404, "404 page not found\n");
}

function discovery(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, path: string): void {
  const parts = path.split("/").filter(Boolean);
  if (parts.length === 1) {
    const rep = negotiate(req.headers.accept, "discovery");
    if (!rep)
      throw new ApiStatusError(
        Status.notAcceptable(
          "only the following media types are accepted: application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
        ),
      );
    if (rep.kind === "discovery") {
      res.setHeader("Vary", "Accept");
      return sendObject(
        res,
        200,
        aggregatedDiscovery(ctx.registry, parts[0] === "api", rep.version),
        contentTypeOf(rep),
      );
    }
    const host = new URL(ctx.url).host;
    return sendObject(res, 200, parts[0] === "api" ? apiVersions(host) : apiGroupList(ctx.registry));
  }
  let doc: unknown;
  if (parts[0] === "api" && parts.length === 2) doc = apiResourceList(ctx.registry, "", parts[1]);
  else if (parts[0] === "apis" && parts.length === 2) doc = apiGroupDocument(ctx.registry, parts[1]);
  else if (parts[0] === "apis" && parts.length === 3) doc = apiResourceList(ctx.registry, parts[1], parts[2]);
  if (!doc) throw new ApiStatusError(Status.notFoundPath());
  sendObject(res, 200, doc);
}

function openapi(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): void {
  const r = respondOpenAPI(ctx.registry.defs, {
    path,
    hash: query.get("hash"),
    accept: req.headers.accept,
    ifNoneMatch: req.headers["if-none-match"],
  });
  if (!r) return sendText(res, 404, "404 page not found\n");
  const body = typeof r.body === "string" ? Buffer.from(r.body) : r.body;
  res.writeHead(r.status, { ...r.headers, "Content-Length": String(body.length) });
  res.end(req.method === "HEAD" ? undefined : body);
}
