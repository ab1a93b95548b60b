// Delays between attempts: full-jitter exponential backoff for request retries, and a resettable
// backoff for long-running loops (watch reconnects, informer restarts) shaped like client-go's reflector.

/** Full jitter (AWS architecture blog): uniform in [0, min(cap, base·2^attempt)]. Spreads retry storms best. */
export function fullJitter(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

export interface BackoffOptions {
  /** First delay. client-go reflector: 800 ms. */
  initialMs?: number;
  /** Cap. client-go reflector: 30 s. */
  maxMs?: number;
  factor?: number;
  /** 0 = none; 1 = delay grows by up to 100 % at random (client-go's jitter 1.0). */
  jitter?: number;
  /** After this long without a failure the next delay starts from initialMs again. client-go: 2 min. */
  resetAfterMs?: number;
  now?: () => number;
  random?: () => number;
}

/**
 * Backoff for loops that must never give up. Each failure calls next(); a healthy period longer than
 * resetAfterMs (measured from the previous failure) starts the sequence over, so a watch that ran fine for
 * an hour reconnects after ~1 s, not after 30 s.
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #resetAfterMs: number;
  readonly #now: () => number;
  readonly #random: () => number;
  #currentMs = 0;
  #lastFailureAt = Number.NEGATIVE_INFINITY;
  #failures = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 800;
    this.#maxMs = options.maxMs ?? 30_000;
    this.#factor = options.factor ?? 2;
    this.#jitter = options.jitter ?? 1;
    this.#resetAfterMs = options.resetAfterMs ?? 120_000;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  /** Consecutive failures since the last reset. */
  get failures(): number {
    return this.#failures;
  }

  /** Records a failure and returns how long to wait before the next attempt. */
  next(): number {
    const now = this.#now();
    if (now - this.#lastFailureAt > this.#resetAfterMs) this.reset();
    this.#lastFailureAt = now;
    this.#failures++;
    this.#currentMs =
      this.#currentMs === 0 ? this.#initialMs : Math.min(this.#maxMs, this.#currentMs * this.#factor);
    const jittered = this.#currentMs * (1 + this.#random() * this.#jitter);
    return Math.round(Math.min(jittered, this.#maxMs));
  }

  reset(): void {
    this.#currentMs = 0;
    this.#failures = 0;
    this.#lastFailureAt = Number.NEGATIVE_INFINITY;
  }
}

/** setTimeout as a promise that rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
