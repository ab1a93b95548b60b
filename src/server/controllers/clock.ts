// The time controllers that act on schedules and deadlines read (k8s.io/utils/clock): the wall clock by
// default; a ManualClock lets tests (and users testing CronJobs against startServer) step time instead of
// waiting minutes for a schedule.
export interface Clock {
  now(): Date;
  /** Runs fn once `ms` from now on this clock; returns a cancel function. Never keeps the process alive. */
  after(ms: number, fn: () => void): () => void;
}

/** setTimeout's longest delay; a longer one fires after 1 ms (a monthly CronJob would spin). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const REAL_CLOCK: Clock = {
  now: () => new Date(),
  after(ms, fn) {
    let timer: NodeJS.Timeout;
    const arm = (left: number) => {
      const step = Math.min(Math.max(0, left), MAX_TIMER_MS);
      timer = setTimeout(() => (left > step ? arm(left - step) : fn()), step);
      timer.unref();
    };
    arm(ms);
    return () => clearTimeout(timer);
  },
};

/** A clock that moves only when told to (clock.FakeClock's Step). */
export class ManualClock implements Clock {
  #now: number;
  #timers: { at: number; fn: () => void }[] = [];

  constructor(start: Date | string = new Date()) {
    this.#now = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.#now + Math.max(0, ms), fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by `ms`, running every timer that falls due, earliest first. */
  step(ms: number): void {
    this.#now += ms;
    const due = this.#timers.filter((t) => t.at <= this.#now).sort((a, b) => a.at - b.at);
    this.#timers = this.#timers.filter((t) => t.at > this.#now);
    for (const t of due) t.fn();
  }
}
