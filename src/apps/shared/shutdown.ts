// Graceful termination: the kubelet sends SIGTERM, waits terminationGracePeriodSeconds (30 s by default),
// then SIGKILLs. Stop within our own, shorter deadline; a second signal (Ctrl-C twice) exits at once.

export interface ShutdownOptions {
  /** Give up waiting for cleanup after this long and exit non-zero. */
  timeoutMs: number;
  onTimeout?: () => void;
  /** Default process.exit; replaceable in tests. */
  exit?: (code: number) => void;
}

/** Returns an AbortSignal that fires on the first SIGTERM/SIGINT. */
export function terminationSignal(options: ShutdownOptions): AbortSignal {
  const controller = new AbortController();
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      exit(signal === "SIGINT" ? 130 : 143);
      return;
    }
    setTimeout(() => {
      options.onTimeout?.();
      exit(1);
    }, options.timeoutMs).unref();
    controller.abort(signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return controller.signal;
}

/** Resolves after ms, or early (without throwing) when the signal fires. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Resolves when the signal fires, keeping the process alive meanwhile (a pending promise does not). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  return new Promise((resolve) =>
    signal.addEventListener(
      "abort",
      () => {
        clearInterval(keepAlive);
        resolve();
      },
      { once: true },
    ),
  );
}
