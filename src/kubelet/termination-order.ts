// Termination order of a Pod with sidecars (kubernetes v1.33 pkg/kubelet/kuberuntime/
// kuberuntime_termination_order.go): every container's preStop starts at once, but a sidecar (init container
// with restartPolicy Always) gets SIGTERM only after all regular containers and every later sidecar have
// exited, or when the grace period runs out.
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { timerDelay } from "./clock.ts";

export class TerminationOrdering {
  /** Container name → resolves once it has exited (at once for containers not running). */
  readonly #terminated = new Map<string, { done: Promise<void>; resolve: () => void }>();
  /** Sidecar name → what it waits for. */
  readonly #prereqs = new Map<string, Promise<void>[]>();

  constructor(pod: Pod, running: readonly string[]) {
    const track = (name: string) => {
      const { promise: done, resolve } = Promise.withResolvers<void>();
      this.#terminated.set(name, { done, resolve });
      if (!running.includes(name)) resolve();
      return done;
    };
    const mains = (pod.spec?.containers ?? []).map((c) => track(c.name));
    let later: Promise<void> | undefined;
    for (const init of [...(pod.spec?.initContainers ?? [])].reverse()) {
      const done = track(init.name);
      if (init.restartPolicy !== "Always") continue;
      this.#prereqs.set(init.name, later ? [...mains, later] : mains);
      later = done;
    }
  }

  /** waitForTurn: resolves to the milliseconds waited, at most graceMs (no wait without a grace period). */
  async waitForTurn(name: string, graceMs: number): Promise<number> {
    const prereqs = this.#prereqs.get(name);
    if (graceMs <= 0 || !prereqs) return 0; // a regular container's turn is now (not a clock tick later)
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timerDelay(graceMs));
    });
    await Promise.race([Promise.all(prereqs), expired]);
    clearTimeout(timer);
    return Date.now() - started;
  }

  containerTerminated(name: string): void {
    this.#terminated.get(name)?.resolve();
  }
}

export const hasSidecars = (pod: Pod): boolean =>
  (pod.spec?.initContainers ?? []).some((c) => c.restartPolicy === "Always");
