// Bounded, rv-ordered ring of recent events (the watch cache's event window). floorRV is the lowest
// resourceVersion a watch or snapshot list may start from: every event newer than it is still held.
import type { StoreEvent } from "./entry.ts";

export class History {
  private readonly ring: (StoreEvent | undefined)[];
  private start = 0;
  private size = 0;
  private floor: number;

  constructor(capacity: number, floorRV: number) {
    this.ring = new Array(Math.max(0, capacity));
    this.floor = floorRV;
  }

  get floorRV(): number {
    return this.floor;
  }

  get capacity(): number {
    return this.ring.length;
  }

  push(ev: StoreEvent): void {
    const cap = this.ring.length;
    if (cap === 0) {
      this.floor = ev.rv;
      return;
    }
    if (this.size === cap) {
      this.floor = (this.ring[this.start] as StoreEvent).rv;
      this.ring[this.start] = ev;
      this.start = (this.start + 1) % cap;
    } else {
      this.ring[(this.start + this.size) % cap] = ev;
      this.size++;
    }
  }

  /** Events with rv > afterRV, oldest first; a copy, so consumers may write (and push) while iterating. */
  since(afterRV: number): StoreEvent[] {
    const out: StoreEvent[] = [];
    for (let i = this.firstAfter(afterRV); i < this.size; i++) out.push(this.at(i));
    return out;
  }

  private at(i: number): StoreEvent {
    return this.ring[(this.start + i) % this.ring.length] as StoreEvent;
  }

  private firstAfter(rv: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
