// One rule-programming run at a time, for the controllers that mirror API objects into iptables (the Service
// proxy, NetworkPolicy): changes within a short delay coalesce into one run, a failed run is retried after a
// second, and nothing a run throws ends the chain — a rejected chain would silently stop every later run.
export class SerialSync {
  readonly #run: () => Promise<void>;
  readonly #failed: (error: Error) => void;
  readonly #delayMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(run: () => Promise<void>, failed: (error: Error) => void, delayMs = 50) {
    this.#run = run;
    this.#failed = failed;
    this.#delayMs = delayMs;
  }

  /** Runs after the run in progress, if any; resolves when it has finished, failed or not. */
  now(): Promise<void> {
    this.#running = this.#running.then(async () => {
      if (this.#stopped) return;
      try {
        await this.#run();
      } catch (error) {
        this.#failed(error as Error);
        this.soon(1000);
      }
    });
    return this.#running;
  }

  /** A change: one run after the delay, however many changes come within it. */
  soon(delayMs = this.#delayMs): void {
    if (this.#stopped || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.now();
    }, delayMs);
  }

  /** No more runs; waits for the one in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
