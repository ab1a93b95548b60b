// Turns bursts of events into one call: the first event arms a timer, later ones ride along, so a change
// is reported at most `ms` after it happened and a rollout of 50 Pods is one report, not 50.

export interface Coalescer {
  schedule(): void;
  cancel(): void;
}

export function coalesce(ms: number, fn: () => void): Coalescer {
  let timer: NodeJS.Timeout | undefined;
  return {
    schedule() {
      timer ??= setTimeout(() => {
        timer = undefined;
        fn();
      }, ms);
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
