// Probes and lifecycle hooks, ported from kubernetes v1.33 pkg/apis/core/validation/validation.go:
// validateLivenessProbe/validateReadinessProbe/validateStartupProbe, validateProbe, validateHandler (exactly
// one of exec, httpGet, tcpSocket, grpc, sleep), validateExecAction, validateHTTPGetAction,
// ValidatePortNumOrName, validateSleepAction and validateLifecycle. PodLifecycleSleepActionAllowZero is
// beta (on) in v1.33, so a zero-second sleep is allowed.

import { regexError } from "../../../meta/names.ts";
import { asMap, asString, isMap, type Json } from "../json-access.ts";
import type { FieldCause } from "../types.ts";
import { child, forbidden, invalid, notSupported, required } from "./field.ts";
import { isValidPortName, isValidPortNum } from "./ports.ts";

const HTTP_HEADER_NAME = /^[-A-Za-z0-9]+$/;

/** ValidatePortNumOrName: an IntOrString port. */
export function portNumOrNameErrors(port: unknown, path: string): FieldCause[] {
  if (typeof port === "number") return isValidPortNum(port).map((msg) => invalid(path, port, msg));
  const name = asString(port);
  return isValidPortName(name).map((msg) => invalid(path, name, msg));
}

function httpGetErrors(http: Json, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!asString(http.path)) errs.push(required(child(path, "path")));
  errs.push(...portNumOrNameErrors(http.port, child(path, "port")));
  const scheme = asString(http.scheme);
  if (scheme !== "HTTP" && scheme !== "HTTPS")
    errs.push(notSupported(child(path, "scheme"), scheme, ["HTTP", "HTTPS"]));
  for (const header of Array.isArray(http.httpHeaders) ? http.httpHeaders : []) {
    const name = asString(asMap(header).name);
    if (!HTTP_HEADER_NAME.test(name))
      errs.push(
        invalid(
          child(path, "httpHeaders"),
          name,
          regexError(
            "a valid HTTP header must consist of alphanumeric characters or '-'",
            "[-A-Za-z0-9]+",
            "X-Header-Name",
          ),
        ),
      );
  }
  return errs;
}

const HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc", "sleep"] as const;

/** validateHandler over the handler kinds `allowed` (probes have grpc, lifecycle hooks have sleep). */
function handlerErrors(
  handler: Json,
  allowed: readonly string[],
  gracePeriod: number | undefined,
  path: string,
) {
  const errs: FieldCause[] = [];
  let count = 0;
  for (const kind of HANDLERS) {
    if (!allowed.includes(kind) || handler[kind] == null) continue;
    const at = child(path, kind);
    if (count > 0) {
      errs.push(forbidden(at, "may not specify more than 1 handler type"));
      continue;
    }
    count++;
    const action = asMap(handler[kind]);
    if (kind === "exec" && !(Array.isArray(action.command) && action.command.length > 0))
      errs.push(required(child(at, "command")));
    if (kind === "httpGet") errs.push(...httpGetErrors(action, at));
    if (kind === "tcpSocket") errs.push(...portNumOrNameErrors(action.port, child(at, "port")));
    if (kind === "grpc")
      errs.push(...portNumOrNameErrors(typeof action.port === "number" ? action.port : 0, child(at, "port")));
    if (kind === "sleep" && gracePeriod !== undefined) {
      const seconds = typeof action.seconds === "number" ? action.seconds : 0;
      if (seconds < 0 || seconds > gracePeriod)
        errs.push(
          invalid(
            at,
            seconds,
            `must be non-negative and less than terminationGracePeriodSeconds (${gracePeriod})`,
          ),
        );
    }
  }
  if (count === 0) errs.push(required(path, "must specify a handler type"));
  return errs;
}

const int = (v: unknown) => (typeof v === "number" ? v : 0);

/** validateProbe. */
function probeErrors(probe: Json, gracePeriod: number | undefined, path: string): FieldCause[] {
  const errs = handlerErrors(probe, ["exec", "httpGet", "tcpSocket", "grpc"], gracePeriod, path);
  for (const field of [
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
  ])
    if (int(probe[field]) < 0)
      errs.push(invalid(child(path, field), int(probe[field]), "must be greater than or equal to 0"));
  if (probe.terminationGracePeriodSeconds != null && int(probe.terminationGracePeriodSeconds) <= 0)
    errs.push(
      invalid(
        child(path, "terminationGracePeriodSeconds"),
        int(probe.terminationGracePeriodSeconds),
        "must be greater than 0",
      ),
    );
  return errs;
}

/** validateLivenessProbe, validateReadinessProbe and validateStartupProbe of one container. */
export function containerProbesErrors(c: Json, gracePeriod: number | undefined, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  for (const kind of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    const probe = c[kind];
    if (!isMap(probe)) continue;
    const at = child(path, kind);
    errs.push(...probeErrors(probe, gracePeriod, at));
    if (kind !== "readinessProbe" && int(probe.successThreshold) !== 1)
      errs.push(invalid(child(at, "successThreshold"), int(probe.successThreshold), "must be 1"));
    if (kind === "readinessProbe" && probe.terminationGracePeriodSeconds != null)
      errs.push(
        invalid(
          child(at, "terminationGracePeriodSeconds"),
          int(probe.terminationGracePeriodSeconds),
          "must not be set for readinessProbes",
        ),
      );
  }
  return errs;
}

/** validateLifecycle: postStart and preStop hooks. */
export function lifecycleErrors(
  lifecycle: Json,
  gracePeriod: number | undefined,
  path: string,
): FieldCause[] {
  const errs: FieldCause[] = [];
  for (const hook of ["postStart", "preStop"])
    if (isMap(lifecycle[hook]))
      errs.push(
        ...handlerErrors(
          lifecycle[hook],
          ["exec", "httpGet", "tcpSocket", "sleep"],
          gracePeriod,
          child(path, hook),
        ),
      );
  return errs;
}
