// Pod IPs: every Pod gets its own loopback address from 127.0.1.1 upwards. Linux routes all of
// 127.0.0.0/8 to `lo`, so a container can bind its Pod IP without any network setup; other Pods and the
// host reach it there. This is addressing only — there is no isolation between Pods.

export const HOST_IP = "127.0.0.1";

const FIRST = (127 << 24) | (0 << 16) | (1 << 8) | 1; // 127.0.1.1
const LAST = (127 << 24) | (255 << 16) | (255 << 8) | 254; // 127.255.255.254

function toAddress(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

function toNumber(address: string): number | undefined {
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export const DEFAULT_FIRST_POD_IP = "127.0.1.1";

/** Hands out loopback addresses, skipping .0 and .255 so no address looks like a network or broadcast. */
export class LoopbackIpPool {
  readonly #byPod = new Map<string, string>();
  readonly #used = new Set<string>();
  #cursor: number;

  /** `first`: where allocation starts; two runtimes on one host should start far apart. */
  constructor(first = DEFAULT_FIRST_POD_IP) {
    const start = toNumber(first);
    if (start === undefined || start < FIRST || start > LAST) {
      throw new Error(
        `the first Pod IP must be a loopback address from 127.0.1.1 to 127.255.255.254, not ${first}`,
      );
    }
    this.#cursor = start;
  }

  /** The Pod's address, allocating one the first time. Keeps a previous address when it is still free. */
  allocate(podUid: string, previous?: string): string {
    const existing = this.#byPod.get(podUid);
    if (existing) return existing;
    const wanted = previous ? toNumber(previous) : undefined;
    if (wanted !== undefined && wanted >= FIRST && wanted <= LAST && !this.#used.has(previous!)) {
      return this.#assign(podUid, previous!);
    }
    for (let tries = 0; tries <= LAST - FIRST; tries++) {
      const candidate = this.#cursor;
      this.#cursor = candidate >= LAST ? FIRST : candidate + 1;
      const last = candidate & 255;
      if (last === 0 || last === 255) continue;
      const address = toAddress(candidate);
      if (!this.#used.has(address)) return this.#assign(podUid, address);
    }
    throw new Error("no free loopback address for another Pod");
  }

  release(podUid: string): void {
    const address = this.#byPod.get(podUid);
    if (!address) return;
    this.#byPod.delete(podUid);
    this.#used.delete(address);
  }

  #assign(podUid: string, address: string): string {
    this.#byPod.set(podUid, address);
    this.#used.add(address);
    return address;
  }
}
