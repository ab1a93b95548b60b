// Client-side token bucket, the same model as client-go's flowcontrol.NewTokenBucketRateLimiter.
//
// Defaults: 50 requests/s with bursts of 100. client-go's 5/10 dates from before API Priority and Fairness
// (GA in 1.29): the server now protects itself and answers 429 + Retry-After, which the transport honours.
// At 5 qps an app that pages through 5,000 Pods (10 pages) and starts three informers spends seconds
// throttled by its own client; kubectl raised its own limits to 50/300 for the same reason. 50/100 still
// stops a runaway loop from hammering the API server. Pass qps: 0 (or Infinity) to disable.
import { sleep } from "./backoff.ts";

export const DEFAULT_QPS = 50;
export const DEFAULT_BURST = 100;

export interface RateLimiterOptions {
  qps?: number;
  burst?: number;
  now?: () => number;
}

export class TokenBucket {
  readonly qps: number;
  readonly burst: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  constructor(options: RateLimiterOptions = {}) {
    this.qps = options.qps ?? DEFAULT_QPS;
    this.burst = Math.max(
      1,
      options.burst ?? (options.qps !== undefined ? Math.ceil(options.qps * 2) : DEFAULT_BURST),
    );
    this.#now = options.now ?? Date.now;
    this.#tokens = this.burst;
    this.#updatedAt = this.#now();
  }

  get unlimited(): boolean {
    return !(this.qps > 0) || this.qps === Number.POSITIVE_INFINITY;
  }

  /**
   * Takes one token, waiting if needed; resolves with the milliseconds waited. Each caller reserves its slot
   * immediately, so waiters are served in arrival order; an aborted wait gives its token back.
   */
  async acquire(signal?: AbortSignal): Promise<number> {
    if (this.unlimited) return 0;
    const waitMs = this.#reserve();
    if (waitMs <= 0) return 0;
    try {
      await sleep(waitMs, signal);
    } catch (error) {
      this.#tokens = Math.min(this.burst, this.#tokens + 1);
      throw error;
    }
    return waitMs;
  }

  /** Takes a token only if one is available now. */
  tryAcquire(): boolean {
    if (this.unlimited) return true;
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #reserve(): number {
    this.#refill();
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.qps) * 1000);
  }

  #refill(): void {
    const now = this.#now();
    const elapsedMs = Math.max(0, now - this.#updatedAt);
    this.#updatedAt = now;
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsedMs / 1000) * this.qps);
  }
}
