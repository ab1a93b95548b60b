// Every message table, parsed once at load (a malformed table fails at import, not per request).
import { buildSchemas, type MessageSchema } from "../schema.ts";
import { APPS } from "./apps.ts";
import { AUTHENTICATION } from "./authentication.ts";
import { AUTHORIZATION } from "./authorization.ts";
import { AUTOSCALING } from "./autoscaling.ts";
import { CORE } from "./core.ts";
import { DISCOVERY } from "./discovery.ts";
import { INTSTR, META, RESOURCE } from "./meta.ts";
import { RBAC } from "./rbac.ts";

export const TABLES = [
  META,
  INTSTR,
  RESOURCE,
  CORE,
  APPS,
  AUTOSCALING,
  DISCOVERY,
  RBAC,
  AUTHENTICATION,
  AUTHORIZATION,
];

export const SCHEMAS: ReadonlyMap<string, MessageSchema> = buildSchemas(TABLES);
