// Group commit: everything submitted while a flush is pending or running shares the next flush (one write +
// one fsync); each submitter's promise settles only after the flush that carried its item. A failure is
// sticky: the failed batch and everything queued behind it (staged on top of it) are refused, and so are later
// submissions, until the owner has repaired the log and calls recover().

interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class GroupCommit<T> {
  private readonly flushBatch: (items: T[]) => Promise<void>;
  private queue: Waiting<T>[] = [];
  private running = false;
  private current: Promise<void> | undefined;
  private scheduled = false;
  private failure: Error | undefined;

  constructor(flushBatch: (items: T[]) => Promise<void>) {
    this.flushBatch = flushBatch;
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  /** Accepts submissions again (after the log was restored to its last good state). */
  recover(): void {
    this.failure = undefined;
  }

  submit(item: T): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const done = new Promise<void>((resolve, reject) => this.queue.push({ item, resolve, reject }));
    this.schedule();
    return done;
  }

  /** Resolves once everything submitted so far has been flushed (or failed). */
  async idle(): Promise<void> {
    while (this.running || this.scheduled || this.queue.length) {
      if (!this.running && !this.scheduled) this.schedule();
      await (this.current ?? new Promise((r) => setImmediate(r)));
    }
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a microtask: requests handled in the same event-loop turn join one batch.
    setImmediate(() => {
      this.scheduled = false;
      this.running = true;
      this.current = this.run();
    });
  }

  private async run(): Promise<void> {
    while (this.queue.length && !this.failure) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.flushBatch(batch.map((w) => w.item));
        for (const w of batch) w.resolve();
      } catch (err) {
        this.failure = err instanceof Error ? err : new Error(String(err));
        for (const w of batch) w.reject(this.failure);
      }
    }
    if (this.failure) {
      for (const w of this.queue) w.reject(this.failure);
      this.queue = [];
    }
    // Cleared synchronously with the last queue check, so a submit from a settled caller's continuation
    // either joined the loop above or schedules a fresh run here.
    this.running = false;
    this.current = undefined;
  }
}
