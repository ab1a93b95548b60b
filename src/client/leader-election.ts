// Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics so that incluster apps and
// client-go apps can share one Lease: k8s.io/client-go/tools/leaderelection/leaderelection.go (acquire,
// renew, tryAcquireOrRenew, release, Check) and resourcelock/leaselock.go (the record ↔ LeaseSpec mapping).

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { KubeClient, ResourceClient } from "./api.ts";
import { isAlreadyExists, isConflict, isNotFound } from "./errors.ts";
import type { ApiObject } from "./watch.ts";

/** wait.JitterUntil's factor in client-go's acquire loop: waits are retryPeriod × [1, 2.2). */
export const JITTER_FACTOR = 1.2;
/** client-go's documented defaults (and kube-controller-manager's). */
export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

export interface LeaderElectionOptions {
  /** The Lease: "namespace/name", or "name" in the client's namespace. */
  lease: string;
  /** Who we are; default `<hostname>_<uuid>` as client-go apps conventionally use. */
  identity?: string;
  /** How long non-leaders wait after the last observed change before taking over (default 15 s). */
  leaseDuration?: number;
  /** How long the leader keeps retrying a renewal before giving up leadership (default 10 s). */
  renewDeadline?: number;
  /** Pause between attempts (default 2 s). */
  retryPeriod?: number;
  /** Give the Lease up when stopped, so another candidate takes over at once (default true). */
  releaseOnCancel?: boolean;
  /** Became leader; the signal fires when leadership is lost or the election stops. */
  onStartedLeading?: (signal: AbortSignal) => void | Promise<void>;
  /** The election ended (client-go calls this whenever Run returns, whether or not it led). */
  onStoppedLeading?: () => void;
  /** A different holder was observed (including the first one, and ourselves). */
  onNewLeader?: (identity: string) => void;
  /** Stops the election. */
  signal?: AbortSignal;
  /** Failed attempts are reported here (they are retried); default: ignored. */
  onError?: (error: unknown) => void;
}

/** resourcelock.LeaderElectionRecord, times in epoch milliseconds. */
export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: string;
  renewTime?: string;
  leaderTransitions: number;
}

interface LeaseObject extends ApiObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface LeaderElectionState {
  isLeader: boolean;
  /** The last observed holder ("" when none). */
  leader: string;
  identity: string;
  /** When we last observed a change of the record (ms since epoch; 0 before the first). */
  observedTime: number;
}

export class LeaderElector {
  readonly identity: string;
  readonly #leases: ResourceClient<LeaseObject>;
  readonly #namespace: string;
  readonly #name: string;
  readonly #options: Required<
    Pick<LeaderElectionOptions, "leaseDuration" | "renewDeadline" | "retryPeriod">
  > &
    LeaderElectionOptions;
  #lease: LeaseObject | undefined;
  #observed: LeaderElectionRecord | undefined;
  #observedTime = 0;
  #reportedLeader = "";
  #running: Promise<void> | undefined;

  constructor(client: KubeClient, options: LeaderElectionOptions) {
    const slash = options.lease.indexOf("/");
    this.#namespace = slash === -1 ? client.namespace : options.lease.slice(0, slash);
    this.#name = slash === -1 ? options.lease : options.lease.slice(slash + 1);
    this.identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    this.#options = {
      leaseDuration: DEFAULT_LEASE_DURATION_MS,
      renewDeadline: DEFAULT_RENEW_DEADLINE_MS,
      retryPeriod: DEFAULT_RETRY_PERIOD_MS,
      releaseOnCancel: true,
      ...options,
    };
    validate(this.#options, this.#namespace, this.#name, this.identity);
    this.#leases = client.resource<LeaseObject>("leases.coordination.k8s.io");
  }

  get isLeader(): boolean {
    return this.#observed?.holderIdentity === this.identity;
  }

  /** The last observed leader, "" before one is seen. */
  get leader(): string {
    return this.#observed?.holderIdentity ?? "";
  }

  get state(): LeaderElectionState {
    return {
      isLeader: this.isLeader,
      leader: this.leader,
      identity: this.identity,
      observedTime: this.#observedTime,
    };
  }

  /**
   * client-go's HealthzAdaptor: an error when we lead but have not renewed for longer than the lease
   * duration plus `maxTolerableExpiredMs` (a stuck leader should fail its liveness probe).
   */
  check(maxTolerableExpiredMs = 0): Error | undefined {
    if (!this.isLeader) return undefined;
    if (Date.now() - this.#observedTime > this.#options.leaseDuration + maxTolerableExpiredMs)
      return new Error(`failed election to renew leadership on lease ${this.#describe()}`);
    return undefined;
  }

  /** Campaigns, leads until leadership is lost or the signal fires, then resolves. Run it once. */
  run(): Promise<void> {
    this.#running ??= this.#run();
    return this.#running;
  }

  async #run(): Promise<void> {
    const stop = this.#options.signal;
    try {
      if (!(await this.#acquire(stop))) return;
      const leading = new AbortController();
      const onStop = () => leading.abort(stop?.reason ?? new Error("leader election stopped"));
      stop?.addEventListener("abort", onStop, { once: true });
      try {
        void Promise.resolve()
          .then(() => this.#options.onStartedLeading?.(leading.signal))
          .catch((error) => this.#options.onError?.(error));
        await this.#renew(leading.signal);
        leading.abort(new Error(`lost leadership of lease ${this.#describe()}`));
      } finally {
        stop?.removeEventListener("abort", onStop);
      }
      if (this.#options.releaseOnCancel) await this.#release();
    } finally {
      this.#options.onStoppedLeading?.();
    }
  }

  /** Loops tryAcquireOrRenew with jitter until it succeeds (true) or the signal fires (false). */
  async #acquire(signal: AbortSignal | undefined): Promise<boolean> {
    while (!signal?.aborted) {
      const acquired = await this.#tryAcquireOrRenew(signal);
      this.#maybeReportTransition();
      if (acquired) return true;
      const period = this.#options.retryPeriod;
      await sleep(period + Math.random() * JITTER_FACTOR * period, signal);
    }
    return false;
  }

  /** Renews every retryPeriod; returns when a renewal cannot succeed within renewDeadline, or on stop. */
  async #renew(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const deadline = AbortSignal.any([signal, AbortSignal.timeout(this.#options.renewDeadline)]);
      let renewed = false;
      while (!deadline.aborted) {
        if (await this.#tryAcquireOrRenew(deadline)) {
          renewed = true;
          break;
        }
        await sleep(this.#options.retryPeriod, deadline);
      }
      this.#maybeReportTransition();
      if (!renewed) return;
      await sleep(this.#options.retryPeriod, signal);
    }
  }

  /** One attempt; true when we hold the Lease afterwards. Errors count as failed attempts. */
  async #tryAcquireOrRenew(signal: AbortSignal | undefined): Promise<boolean> {
    const now = microTime(Date.now());
    const desired: LeaderElectionRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.floor(this.#options.leaseDuration / 1000),
      acquireTime: now,
      renewTime: now,
      leaderTransitions: 0,
    };
    try {
      // Fast path: the leader updates on top of the Lease it wrote last (409 when someone else wrote since).
      if (this.isLeader && this.#lease && this.#observed) {
        desired.acquireTime = this.#observed.acquireTime;
        desired.leaderTransitions = this.#observed.leaderTransitions;
        try {
          await this.#update(desired, signal);
          return true;
        } catch (error) {
          if (!isConflict(error)) this.#options.onError?.(error);
        }
      }
      let current: LeaseObject;
      try {
        current = await this.#leases.get(this.#name, { namespace: this.#namespace, signal });
      } catch (error) {
        if (!isNotFound(error)) throw error;
        this.#lease = await this.#leases.create(
          {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: { name: this.#name },
            spec: toSpec(desired),
          },
          { namespace: this.#namespace, signal },
        );
        this.#observe(desired);
        return true;
      }
      this.#lease = current;
      const old = fromSpec(current.spec);
      if (!this.#observed || JSON.stringify(old) !== JSON.stringify(this.#observed)) this.#observe(old);
      if (
        old.holderIdentity !== "" &&
        this.#observedTime + this.#options.leaseDuration > Date.now() &&
        !this.isLeader
      )
        return false; // held by another candidate and not yet expired
      if (this.isLeader) {
        desired.acquireTime = old.acquireTime;
        desired.leaderTransitions = old.leaderTransitions;
      } else {
        desired.leaderTransitions = old.leaderTransitions + 1;
      }
      await this.#update(desired, signal);
      return true;
    } catch (error) {
      // A 409 is a lost race, not a failure: another candidate wrote the Lease since it was read, or
      // created it first (AlreadyExists, when candidates start together); the next round reads it.
      if (!isConflict(error) && !isAlreadyExists(error) && !signal?.aborted) this.#options.onError?.(error);
      return false;
    }
  }

  /** Gives the Lease up (holder "", 1 s duration) so the next candidate need not wait it out. */
  async #release(): Promise<void> {
    if (!this.isLeader || !this.#observed) return;
    const now = microTime(Date.now());
    const released: LeaderElectionRecord = {
      holderIdentity: "",
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaderTransitions: this.#observed.leaderTransitions,
    };
    try {
      await this.#update(released, AbortSignal.timeout(this.#options.renewDeadline));
    } catch (error) {
      this.#options.onError?.(error);
    }
  }

  async #update(record: LeaderElectionRecord, signal: AbortSignal | undefined): Promise<void> {
    if (!this.#lease) throw new Error("the Lease was not read or created yet");
    this.#lease = await this.#leases.update(
      { ...this.#lease, spec: toSpec(record) },
      { namespace: this.#namespace, signal },
    );
    this.#observe(record);
  }

  #observe(record: LeaderElectionRecord): void {
    this.#observed = record;
    this.#observedTime = Date.now();
  }

  #maybeReportTransition(): void {
    const leader = this.leader;
    if (leader === this.#reportedLeader) return;
    this.#reportedLeader = leader;
    const onNewLeader = this.#options.onNewLeader;
    if (onNewLeader) queueMicrotask(() => onNewLeader(leader));
  }

  #describe(): string {
    return `${this.#namespace}/${this.#name}`;
  }
}

/** NewLeaderElector's checks, with its messages. */
function validate(
  o: LeaderElectionOptions & { leaseDuration: number; renewDeadline: number; retryPeriod: number },
  namespace: string,
  name: string,
  identity: string,
): void {
  if (!namespace || !name)
    throw new Error(`lease must be "namespace/name" or a name in the client's namespace, got "${o.lease}"`);
  if (o.leaseDuration <= o.renewDeadline) throw new Error("leaseDuration must be greater than renewDeadline");
  if (o.renewDeadline <= JITTER_FACTOR * o.retryPeriod)
    throw new Error("renewDeadline must be greater than retryPeriod*JitterFactor");
  if (o.leaseDuration < 1000)
    throw new Error("leaseDuration must be at least one second (the Lease counts whole seconds)");
  if (o.retryPeriod < 1) throw new Error("retryPeriod must be greater than zero");
  if (!identity) throw new Error("Lock identity is empty");
}

/** LeaderElectionRecordToLeaseSpec. */
function toSpec(r: LeaderElectionRecord): NonNullable<LeaseObject["spec"]> {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: r.acquireTime,
    renewTime: r.renewTime,
    leaseTransitions: r.leaderTransitions,
  };
}

/** LeaseSpecToLeaderElectionRecord: absent fields read as zero values. */
function fromSpec(spec: LeaseObject["spec"]): LeaderElectionRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? "",
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: spec?.acquireTime,
    renewTime: spec?.renewTime,
    leaderTransitions: spec?.leaseTransitions ?? 0,
  };
}

/** metav1.MicroTime's wire form: RFC 3339 with exactly six fractional digits, UTC. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
