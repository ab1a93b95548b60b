// Caches TokenRequest results per (service account, audiences, expiry, bound object) like the kubelet's
// token manager, refreshing by the 80 % / 24 h rule. A failed refresh keeps serving the old token while it
// is still valid, as upstream does.
import type { IssuedToken } from "../client/index.ts";
import { type Clock, systemClock } from "./clock.ts";
import { refreshJitterMs, requiresRefresh } from "./token-refresh.ts";

export interface TokenSpec {
  namespace: string;
  serviceAccount: string;
  /** Empty: the API server's own audiences. */
  audiences: string[];
  expirationSeconds: number;
  /** Binds the token to this Pod (revoked when the Pod is deleted). */
  pod?: { name: string; uid: string };
}

export type TokenRequester = (spec: TokenSpec) => Promise<IssuedToken>;

interface Entry {
  issued: IssuedToken;
  expirationSeconds: number;
}

export interface TokenManagerOptions {
  clock?: Clock;
  random?: () => number;
  /** Called after every successful TokenRequest (for logs; never receives the token itself). */
  onIssued?: (spec: TokenSpec, issued: IssuedToken) => void;
}

export class TokenManager {
  readonly #request: TokenRequester;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #onIssued: TokenManagerOptions["onIssued"];
  readonly #cache = new Map<string, Entry>();

  constructor(request: TokenRequester, options: TokenManagerOptions = {}) {
    this.#request = request;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#onIssued = options.onIssued;
  }

  /** The current token for spec, requesting a new one when the cached one is due for refresh. */
  async get(spec: TokenSpec): Promise<string> {
    const key = keyOf(spec);
    const cached = this.#cache.get(key);
    const now = this.#clock.now();
    if (cached && !requiresRefresh(timesOf(cached), now, refreshJitterMs(this.#random))) {
      return cached.issued.token;
    }
    try {
      const issued = await this.#request(spec);
      this.#cache.set(key, { issued, expirationSeconds: spec.expirationSeconds });
      this.#onIssued?.(spec, issued);
      return issued.token;
    } catch (error) {
      if (cached && cached.issued.expirationTimestamp.getTime() > this.#clock.now())
        return cached.issued.token;
      throw new Error(`token ${describeKey(spec)} expired and refresh failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** The expiry of the cached token for spec, if any. */
  expiration(spec: TokenSpec): Date | undefined {
    return this.#cache.get(keyOf(spec))?.issued.expirationTimestamp;
  }

  /** Drops tokens bound to a Pod that is gone. */
  forgetPod(uid: string): void {
    for (const key of this.#cache.keys()) if (key.endsWith(`/${uid}`)) this.#cache.delete(key);
  }
}

function timesOf(entry: Entry) {
  return {
    expirationTimestamp: entry.issued.expirationTimestamp,
    expirationSeconds: entry.expirationSeconds,
  };
}

/** Upstream keyFunc: "<name>"/"<namespace>"/<audiences>/<expiration>/<bound object>. */
function keyOf(spec: TokenSpec): string {
  return `${JSON.stringify(spec.serviceAccount)}/${JSON.stringify(spec.namespace)}/${JSON.stringify(spec.audiences)}/${spec.expirationSeconds}/${spec.pod?.uid ?? ""}`;
}

function describeKey(spec: TokenSpec): string {
  const bound = spec.pod ? ` bound to pod ${spec.namespace}/${spec.pod.name}` : "";
  return `for ${spec.namespace}/${spec.serviceAccount}${bound}`;
}
