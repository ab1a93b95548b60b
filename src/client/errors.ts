// Typed errors. Every non-2xx answer becomes an ApiError carrying the parsed metav1.Status (synthesised
// when the body is not one), so callers test `isNotFound(err)` instead of string-matching, and messages are
// the server's own sentence, never a dump of headers and raw bodies (client-node's ApiException).
// 401 and 403 get explain(): a diagnosis a human can act on. Network failures are ConnectionError.
import type { Status, StatusDetails } from "../meta/status.ts";
import { type ForbiddenInfo, parseForbidden } from "../rbac/forbidden.ts";
import { explainForbidden } from "./explain-forbidden.ts";
import { diagnoseToken, explainUnauthorized, type TokenDiagnosis } from "./explain-unauthorized.ts";

/** Facts about the request an error came from, collected by the transport. */
export interface ErrorContext {
  method: string;
  path: string;
  /** Retry-After header (seconds), if any. */
  retryAfterSeconds?: number;
  /** Whether an Authorization header or client certificate went with the request. */
  credentialsSent?: boolean;
  /** CredentialProvider.describe(): already redacted. */
  credentialsDescription?: string;
  /** The raw token, only to diagnose a 401 here; it is decoded and dropped, never stored on the error. */
  token?: string;
  /** After a 401 the transport re-read the credentials: did they change? */
  credentialsRefreshed?: boolean;
  now?: Date;
}

const RAW_BODY_LIMIT = 2048;

export class ApiError extends Error {
  override name = "ApiError";
  /** HTTP status code (Status.code). */
  readonly code: number;
  /** Status.reason: "NotFound", "Forbidden", "Expired"… */
  readonly reason: string;
  readonly status: Status;
  readonly details?: StatusDetails;
  readonly method: string;
  readonly path: string;
  readonly retryAfterSeconds?: number;
  /** The body, truncated, when the server did not send a Status (a proxy's HTML page, plain text). */
  readonly rawBody?: string;

  constructor(status: Status, context: ErrorContext, rawBody?: string) {
    super(status.message || `${status.code} ${status.reason || "Unknown"}`);
    this.code = status.code;
    this.reason = status.reason ?? "";
    this.status = status;
    this.details = status.details;
    this.method = context.method;
    this.path = context.path;
    this.retryAfterSeconds = context.retryAfterSeconds ?? status.details?.retryAfterSeconds;
    if (rawBody !== undefined) this.rawBody = rawBody;
  }

  /** Multi-line, human-oriented: what happened and what to do. Subclasses specialise it. */
  explain(): string {
    const lines = [`${this.method} ${this.path} failed: ${this.code} ${this.reason}: ${this.message}`];
    const hint = hintFor(this);
    if (hint) lines.push(hint);
    return lines.join("\n");
  }
}

/** 403. `forbidden` is the parsed authorizer message, or null when the 403 did not come from authorization. */
export class ForbiddenError extends ApiError {
  override name = "ForbiddenError";
  readonly forbidden: ForbiddenInfo | null;
  readonly #context: ErrorContext;

  constructor(status: Status, context: ErrorContext, rawBody?: string) {
    super(status, context, rawBody);
    this.forbidden = parseForbidden(this.message);
    this.#context = { ...context, token: undefined };
  }

  override explain(): string {
    return explainForbidden(this.message, this.forbidden, {
      method: this.method,
      path: this.path,
      credentialsDescription: this.#context.credentialsDescription,
      credentialsSent: this.#context.credentialsSent,
    });
  }
}

/** 401. The server never says why; explain() reasons from the token the client holds. */
export class UnauthorizedError extends ApiError {
  override name = "UnauthorizedError";
  /** What the client could tell about its token when the 401 arrived (no token material). */
  readonly tokenDiagnosis: TokenDiagnosis;
  readonly credentialsDescription?: string;
  readonly credentialsRefreshed?: boolean;
  readonly #now: Date;

  constructor(status: Status, context: ErrorContext, rawBody?: string) {
    super(status, context, rawBody);
    this.tokenDiagnosis = diagnoseToken(
      context.token,
      context.credentialsSent ?? context.token !== undefined,
    );
    this.credentialsDescription = context.credentialsDescription;
    this.credentialsRefreshed = context.credentialsRefreshed;
    this.#now = context.now ?? new Date();
  }

  override explain(): string {
    return explainUnauthorized(this.tokenDiagnosis, {
      method: this.method,
      path: this.path,
      now: this.#now,
      credentialsDescription: this.credentialsDescription,
      credentialsRefreshed: this.credentialsRefreshed,
    });
  }
}

/** The API server could not be reached or did not answer: DNS, TCP, TLS, timeouts. */
export class ConnectionError extends Error {
  override name = "ConnectionError";
  /** ECONNREFUSED, ETIMEDOUT, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID… */
  readonly code: string;
  readonly method: string;
  readonly path: string;
  readonly server: string;

  constructor(
    message: string,
    options: { code: string; method: string; path: string; server: string; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.code = options.code;
    this.method = options.method;
    this.path = options.path;
    this.server = options.server;
  }

  explain(): string {
    return [`${this.method} ${this.server}${this.path}: ${this.message}`, connectionHint(this.code)]
      .filter(Boolean)
      .join("\n");
  }
}

/** Builds the typed error for a non-2xx response body. */
export function errorFromResponse(code: number, body: string, context: ErrorContext): ApiError {
  const { status, rawBody } = statusFromBody(code, body, context);
  return errorFromStatus(status, context, rawBody);
}

/** Builds the typed error for a Status (watch ERROR events carry one without an HTTP error). */
export function errorFromStatus(status: Status, context: ErrorContext, rawBody?: string): ApiError {
  if (status.code === 401) return new UnauthorizedError(status, context, rawBody);
  if (status.code === 403) return new ForbiddenError(status, context, rawBody);
  return new ApiError(status, context, rawBody);
}

/** Parses a metav1.Status body, or synthesises one from the HTTP code (keeping the raw text, truncated). */
export function statusFromBody(
  code: number,
  body: string,
  context: Pick<ErrorContext, "method" | "path">,
): { status: Status; rawBody?: string } {
  const parsed = parseStatus(body);
  if (parsed) {
    return {
      status: {
        ...parsed,
        code: parsed.code || code,
        reason: parsed.reason || reasonForCode(parsed.code || code),
      },
    };
  }
  const rawBody = body.length > RAW_BODY_LIMIT ? `${body.slice(0, RAW_BODY_LIMIT)}…(truncated)` : body;
  const snippet = plainTextSnippet(body);
  const message = `${genericMessage(code)} (${code} on ${context.method} ${context.path}${snippet ? `: ${snippet}` : ""})`;
  return {
    status: {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason: reasonForCode(code),
      code,
    },
    ...(body === "" ? {} : { rawBody }),
  };
}

/** A Status object from JSON text, or from an already parsed value (watch ERROR events). */
export function parseStatus(body: string | unknown): Status | undefined {
  let value: unknown = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (!value || typeof value !== "object") return undefined;
  const candidate = value as Partial<Status>;
  if (
    candidate.kind !== "Status" &&
    !(typeof candidate.code === "number" && typeof candidate.status === "string")
  ) {
    return undefined;
  }
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: candidate.metadata ?? {},
    status: candidate.status === "Success" ? "Success" : "Failure",
    ...(typeof candidate.message === "string" ? { message: candidate.message } : {}),
    ...(typeof candidate.reason === "string" ? { reason: candidate.reason } : {}),
    ...(candidate.details && typeof candidate.details === "object" ? { details: candidate.details } : {}),
    code: typeof candidate.code === "number" ? candidate.code : 0,
  };
}

const REASONS: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Gone",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

export function reasonForCode(code: number): string {
  return REASONS[code] ?? "Unknown";
}

// client-go's NewGenericServerResponse wording, so messages read the same as kubectl's.
function genericMessage(code: number): string {
  switch (code) {
    case 400:
      return "the server rejected our request for an unknown reason";
    case 401:
      return "the server has asked for the client to provide credentials";
    case 403:
      return "the server does not allow access to the requested resource";
    case 404:
      return "the server could not find the requested resource";
    case 405:
      return "the server does not allow this method on the requested resource";
    case 406:
      return "the server was unable to respond with a content type that the client supports";
    case 409:
      return "the server reported a conflict";
    case 410:
      return "the requested resource is no longer available";
    case 415:
      return "the server was unable to handle the media type of the request";
    case 422:
      return "the server rejected our request due to an error in our request";
    case 429:
      return "the server has received too many requests and has asked us to try again later";
    case 500:
      return "an error on the server has prevented the request from succeeding";
    case 503:
      return "the server is currently unable to handle the request";
    case 504:
      return "the server was unable to return a response in the time allotted, but may still be processing the request";
    default:
      return code >= 500 ? "the server failed to handle the request" : "the server rejected the request";
  }
}

/** The first line of a short plain-text body; nothing for HTML pages or long dumps. */
function plainTextSnippet(body: string): string | undefined {
  const text = body.trim();
  if (text === "" || /^<(!doctype|html|\?xml)/i.test(text)) return undefined;
  const firstLine = text.split("\n", 1)[0].trim();
  return firstLine.length > 200 ? `${firstLine.slice(0, 200)}…` : firstLine;
}

function hintFor(error: ApiError): string | undefined {
  switch (error.code) {
    case 410:
      return "The resourceVersion or continue token is too old (the server compacted its history): list again.";
    case 406:
      return "The server cannot produce the requested representation (e.g. metadata-only PartialObjectMetadata lists): request full objects instead.";
    case 415:
      return "The server does not accept this Content-Type: check the patch type (merge, json, strategic, apply).";
    case 409:
      return error.reason === "AlreadyExists"
        ? "An object with this name exists: get it and update it, or pick another name."
        : "Someone else changed the object: get it again, re-apply your change, and retry.";
    case 429:
      return `The server is shedding load (API Priority and Fairness)${error.retryAfterSeconds ? `; it asked to retry after ${error.retryAfterSeconds}s` : ""}.`;
  }
  const causes = error.details?.causes?.filter((c) => c.message);
  if (causes?.length) return causes.map((c) => `  - ${c.field ? `${c.field}: ` : ""}${c.message}`).join("\n");
  return undefined;
}

function connectionHint(code: string): string | undefined {
  switch (code) {
    case "ECONNREFUSED":
      return "Nothing is listening at that address: wrong server URL or port, or the API server is down.";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "The host name does not resolve: check the server URL and the Pod's DNS.";
    case "ETIMEDOUT":
    case "REQUEST_TIMEOUT":
      return "No answer in time: an egress NetworkPolicy or firewall may block the API server, or it is overloaded.";
    case "ECONNRESET":
    case "EPIPE":
      return "The connection was cut (load balancer idle timeout, API server restart); idempotent requests are retried.";
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
    case "UNABLE_TO_GET_ISSUER_CERT":
      return "The API server's certificate is not signed by the configured CA bundle: wrong ca.crt, a CA rotation in progress, or a TLS-intercepting proxy.";
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return "The certificate does not list this host name: connect with the name the certificate was issued for, or set tlsServerName.";
    case "CERT_HAS_EXPIRED":
      return "The API server's certificate has expired (or this machine's clock is wrong).";
    default:
      return undefined;
  }
}

// Guards follow apimachinery's errors.IsX: match the reason, or the code when the reason is unknown.
function reasonOrCode(error: unknown, reason: string, code: number): boolean {
  if (!(error instanceof ApiError)) return false;
  if (error.reason === reason) return true;
  return (
    error.code === code &&
    (error.reason === "" || error.reason === "Unknown" || error.reason === reasonForCode(code))
  );
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}
export function isForbidden(error: unknown): error is ForbiddenError {
  return error instanceof ForbiddenError;
}
export function isUnauthorized(error: unknown): error is UnauthorizedError {
  return error instanceof UnauthorizedError;
}
export function isNotFound(error: unknown): error is ApiError {
  return reasonOrCode(error, "NotFound", 404);
}
export function isAlreadyExists(error: unknown): error is ApiError {
  return error instanceof ApiError && error.reason === "AlreadyExists";
}
export function isConflict(error: unknown): error is ApiError {
  return reasonOrCode(error, "Conflict", 409);
}
/** 410: reason Gone, or Expired (a too-old resourceVersion or continue token). */
export function isGone(error: unknown): error is ApiError {
  return (
    error instanceof ApiError && (error.code === 410 || error.reason === "Gone" || error.reason === "Expired")
  );
}
export function isTooManyRequests(error: unknown): error is ApiError {
  return reasonOrCode(error, "TooManyRequests", 429);
}
export function isInvalid(error: unknown): error is ApiError {
  return reasonOrCode(error, "Invalid", 422);
}
export function isConnectionError(error: unknown): error is ConnectionError {
  return error instanceof ConnectionError;
}

/**
 * The API server answered, but with a body this client will not use: larger than the configured limit, or
 * breaking the API's own rules (a negative remainingItemCount). Retrying would get the same answer.
 */
export class ResponseError extends Error {
  override name = "ResponseError";
  /** RESPONSE_TOO_LARGE (a body or watch event over its limit) or INVALID_RESPONSE. */
  readonly code: "RESPONSE_TOO_LARGE" | "INVALID_RESPONSE";
  readonly method: string;
  readonly path: string;

  constructor(message: string, options: { code: ResponseError["code"]; method: string; path: string }) {
    super(message);
    this.code = options.code;
    this.method = options.method;
    this.path = options.path;
  }

  explain(): string {
    return `${this.method} ${this.path}: ${this.message}`;
  }
}

export function isResponseError(error: unknown): error is ResponseError {
  return error instanceof ResponseError;
}
