// Says each problem once. A long-running app retrying a 403 every 30 s must not bury the fix under a
// thousand copies of itself: the first occurrence gets the full explanation, repeats are debug lines,
// a different problem is explained afresh, and recovery is announced.

import { describeFailure, type Failure } from "./failures.ts";
import type { Logger } from "./logger.ts";

export class FailureReporter {
  readonly #log: Logger;
  #current: Failure | undefined;
  #attempts = 0;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** The problem being retried, if any (for /readyz). */
  get current(): Failure | undefined {
    return this.#current;
  }

  /** Reports a failed attempt that will be retried after retryInMs (undefined: the caller retries itself). */
  failed(error: unknown, retryInMs?: number): Failure {
    const failure = describeFailure(error);
    this.#attempts++;
    const retry = retryInMs === undefined ? {} : { retryInSeconds: Math.round(retryInMs / 100) / 10 };
    if (failure.key !== this.#current?.key) {
      this.#log.error(
        { kind: failure.kind, ...retry },
        `${failure.explanation}\n\nRetrying with back-off (at most every 30 s); not ready until this succeeds.`,
      );
    } else {
      this.#log.debug(
        { kind: failure.kind, attempts: this.#attempts, ...retry },
        `still failing: ${failure.summary}`,
      );
    }
    this.#current = failure;
    return failure;
  }

  /** Reports a failure that ends the program (run-once mode): the explanation, no retry promise. */
  fatal(error: unknown): Failure {
    const failure = describeFailure(error);
    this.#log.error({ kind: failure.kind, exitCode: failure.exitCode }, failure.explanation);
    return failure;
  }

  /** Call after every success; logs once when a failure streak ends. */
  succeeded(): void {
    if (!this.#current) return;
    this.#log.info(`recovered after ${this.#attempts} failed attempts (${this.#current.kind})`);
    this.#current = undefined;
    this.#attempts = 0;
  }
}
