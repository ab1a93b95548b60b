// What went wrong, in the words a person needs: a one-line summary for readiness and repeats, the full
// explanation (who, what, the least-privilege fix) once, and the exit code for run-once mode.

import { ResponseError } from "../../client/errors.ts";
import {
  ApiError,
  ConfigError,
  ConnectionError,
  ForbiddenError,
  UnauthorizedError,
} from "../../client/index.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";

export type FailureKind = "forbidden" | "unauthorized" | "config" | "unavailable" | "unexpected";

export interface Failure {
  kind: FailureKind;
  exitCode: ExitCode;
  /** One line, e.g. for /readyz and for repeated attempts. */
  summary: string;
  /** Multi-line and actionable; printed once per distinct problem. */
  explanation: string;
  /** Same key = same problem (repeats are not explained again). */
  key: string;
}

const LOCAL_CLUSTER_HINT =
  "No cluster at hand? `npm start` runs this app in a local one; `incluster cluster up` starts just the API server and prints the KUBECONFIG to export.";

export function describeFailure(error: unknown): Failure {
  if (error instanceof ForbiddenError) {
    return failure("forbidden", EXIT.forbidden, `403 Forbidden: ${error.message}`, error.explain());
  }
  if (error instanceof UnauthorizedError) {
    return failure(
      "unauthorized",
      EXIT.unauthorized,
      `401 Unauthorized on ${error.method} ${error.path}`,
      error.explain(),
    );
  }
  if (error instanceof ConfigError || isCredentialError(error)) {
    const message = (error as Error).message;
    return failure("config", EXIT.config, firstLine(message), `${message}\n${LOCAL_CLUSTER_HINT}`);
  }
  if (error instanceof ConnectionError || error instanceof ApiError || error instanceof ResponseError) {
    return failure("unavailable", EXIT.unavailable, firstLine(error.message), error.explain());
  }
  const message = error instanceof Error ? error.message : String(error);
  return failure("unexpected", EXIT.failure, firstLine(message), message);
}

function failure(kind: FailureKind, exitCode: ExitCode, summary: string, explanation: string): Failure {
  return { kind, exitCode, summary, explanation, key: `${kind}:${summary}` };
}

/** The token file vanished or emptied after start-up (the client's CredentialError is internal). */
function isCredentialError(error: unknown): boolean {
  return error instanceof Error && error.name === "CredentialError";
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0];
}
