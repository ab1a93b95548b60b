// One resource request after authentication and authorization: everything a handler reads.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { UserInfo } from "../../meta/types.ts";
import type { ServerContext } from "../context.ts";
import type { ResourceRequestInfo } from "../http/request-info.ts";
import type { ObjectService } from "../registry/objects.ts";
import type { ResourceDef } from "../registry/types.ts";

export interface ResourceHandlerContext extends ServerContext {
  objects: ObjectService;
}

export interface Call {
  ctx: ResourceHandlerContext;
  req: IncomingMessage;
  res: ServerResponse;
  def: ResourceDef;
  info: ResourceRequestInfo;
  query: URLSearchParams;
  /** Whom the request acts as (after impersonation). */
  user: UserInfo;
}
