// Go slice semantics (a length and capacity over a shared array) for ports whose results depend on them.

/**
 * A Go slice header over a shared backing array. Upstream deletes list items in place and appends into
 * spare capacity, so the caller's view of the live list (used to order the result) changes with them.
 */
export class GoSlice {
  private backing: unknown[];
  private length: number;
  private capacity: number;

  constructor(backing: unknown[], length = backing.length, capacity = backing.length) {
    this.backing = backing;
    this.length = length;
    this.capacity = capacity;
  }

  items(): unknown[] {
    return this.backing.slice(0, this.length);
  }

  header(): GoSlice {
    return new GoSlice(this.backing, this.length, this.capacity);
  }

  set(i: number, v: unknown): void {
    this.backing[i] = v;
  }

  /** append(s[:i], s[i+1:]...) */
  removeAt(i: number): void {
    for (let k = i; k < this.length - 1; k++) this.backing[k] = this.backing[k + 1];
    this.length--;
  }

  /** append(s, v): fills spare capacity, otherwise moves to a new array. */
  push(v: unknown): void {
    if (this.length === this.capacity) {
      this.backing = this.backing.slice(0, this.length);
      this.capacity = Math.max(1, this.length * 2);
    }
    this.backing[this.length++] = v;
  }
}
