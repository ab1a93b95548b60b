// CrashLoopBackOff: the kubelet's per-container restart back-off (client-go flowcontrol.Backoff as the
// kubelet configures it): restart at once after the first exit, then wait 10 s, 20 s, 40 s … capped at
// 5 min; an entry older than twice the cap (the container ran 10 min) starts over.
import { type Clock, systemClock } from "./clock.ts";

export const DEFAULT_BACKOFF_BASE_MS = 10_000;
export const DEFAULT_BACKOFF_MAX_MS = 300_000;

export interface BackoffSettings {
  /** First delay (kubelet: 10 s). Tests make it small. */
  baseMs?: number;
  /** Cap (kubelet: 5 min). Defaults to 30 × base, the kubelet's ratio. */
  maxMs?: number;
}

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

export class CrashLoopBackOff {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();

  constructor(settings: BackoffSettings = {}, clock: Clock = systemClock) {
    this.baseMs = settings.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
    this.maxMs = settings.maxMs ?? (settings.baseMs ? settings.baseMs * 30 : DEFAULT_BACKOFF_MAX_MS);
    this.#clock = clock;
  }

  /** The current delay for key (backOff.Get), 0 when there is none. */
  delayMs(key: string): number {
    return this.#entries.get(key)?.backoffMs ?? 0;
  }

  /** How long a restart of a container that exited at eventTime must still wait (0: restart now). */
  remainingMs(key: string, eventTime: number): number {
    const entry = this.#entries.get(key);
    if (!entry || this.#hasExpired(eventTime, entry.lastUpdate)) return 0;
    return Math.max(0, entry.backoffMs - (this.#clock.now() - eventTime));
  }

  /** Records a restart (backOff.Next): starts at base, doubles up to the cap. */
  next(key: string, eventTime: number): void {
    const entry = this.#entries.get(key);
    if (!entry || this.#hasExpired(eventTime, entry.lastUpdate)) {
      this.#entries.set(key, { backoffMs: this.baseMs, lastUpdate: this.#clock.now() });
    } else {
      entry.backoffMs = Math.min(entry.backoffMs * 2, this.maxMs);
      entry.lastUpdate = this.#clock.now();
    }
  }

  /** Forgets every key starting with prefix (a deleted Pod). */
  forget(prefix: string): void {
    for (const key of this.#entries.keys()) if (key.startsWith(prefix)) this.#entries.delete(key);
  }

  #hasExpired(eventTime: number, lastUpdate: number): boolean {
    return eventTime - lastUpdate > 2 * this.maxMs;
  }
}

/** "10s", "1m20s", "5m0s", "400ms": Go's time.Duration.String(), as the back-off message shows it. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = `${(ms % 60_000) / 1000}s`;
  if (h > 0) return `${h}h${m}m${s}`;
  if (m > 0) return `${m}m${s}`;
  return s;
}
