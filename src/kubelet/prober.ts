// The probe workers of one container instance (pkg/kubelet/prober/worker.go): startup gates the others,
// results change only after failureThreshold / successThreshold consecutive attempts, readiness starts
// false and liveness starts true, and a failed liveness or startup probe asks for the container's restart.
import type { Container, Probe } from "kubernetes-types/core/v1.d.ts";
import { timerDelay } from "./clock.ts";
import { type ProbeResult, type ProbeTarget, runProbe } from "./probes.ts";

export type ProbeKind = "liveness" | "readiness" | "startup";

export interface ProberHooks {
  /** ready or started changed. */
  changed(): void;
  /** Every failed attempt (the kubelet records an Unhealthy event each time). */
  unhealthy(kind: ProbeKind, message: string): void;
  /** A liveness or startup probe failed failureThreshold times: restart the container. */
  restart(kind: ProbeKind, message: string): void;
}

const LABEL: Record<ProbeKind, string> = { liveness: "Liveness", readiness: "Readiness", startup: "Startup" };

export function probeFailureMessage(kind: ProbeKind, message: string): string {
  return `${LABEL[kind]} probe failed: ${message}`;
}

export class ContainerProber {
  #ready: boolean;
  #started: boolean;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #hooks: ProberHooks;
  readonly #target: ProbeTarget;
  #stopped = false;

  constructor(container: Container, target: ProbeTarget, hooks: ProberHooks) {
    this.#hooks = hooks;
    this.#target = target;
    this.#started = !container.startupProbe;
    this.#ready = !container.readinessProbe;
    const probes: [ProbeKind, Probe | undefined][] = [
      ["startup", container.startupProbe],
      ["readiness", container.readinessProbe],
      ["liveness", container.livenessProbe],
    ];
    for (const [kind, probe] of probes) if (probe) this.#startWorker(kind, probe);
  }

  /** Ready for traffic: started, and the readiness probe (if any) passed. */
  get ready(): boolean {
    return this.#started && this.#ready;
  }

  get started(): boolean {
    return this.#started;
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #startWorker(kind: ProbeKind, probe: Probe): void {
    const periodMs = (probe.periodSeconds ?? 10) * 1000;
    const failureThreshold = probe.failureThreshold ?? 3;
    const successThreshold = probe.successThreshold ?? 1;
    let lastOk: boolean | undefined;
    let run = 0;
    const tick = async () => {
      if (this.#stopped) return;
      if (kind === "startup" && this.#started) return; // startup probes stop once they succeed
      if (kind !== "startup" && !this.#started) return this.#schedule(tick, periodMs);
      const result: ProbeResult = await runProbe(probe, this.#target);
      if (this.#stopped) return;
      run = result.ok === lastOk ? run + 1 : 1;
      lastOk = result.ok;
      if (!result.ok) this.#hooks.unhealthy(kind, probeFailureMessage(kind, result.message));
      const settled = result.ok ? run >= successThreshold : run >= failureThreshold;
      if (settled) this.#apply(kind, result);
      if (!this.#stopped) this.#schedule(tick, periodMs);
    };
    this.#schedule(tick, (probe.initialDelaySeconds ?? 0) * 1000);
  }

  #apply(kind: ProbeKind, result: ProbeResult): void {
    if (kind === "readiness") {
      if (this.#ready !== result.ok) {
        this.#ready = result.ok;
        this.#hooks.changed();
      }
    } else if (kind === "startup") {
      if (result.ok) {
        this.#started = true;
        this.#hooks.changed();
      } else {
        this.#hooks.restart(kind, result.message);
      }
    } else if (!result.ok) {
      this.#hooks.restart(kind, result.message);
    }
  }

  #schedule(fn: () => Promise<void> | void, delayMs: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void fn();
    }, timerDelay(delayMs)); // int32 seconds of period or delay can exceed a timer's range
    this.#timers.add(timer);
  }
}
