// Which of a set of disjoint address ranges holds an address: a binary search over sorted
// starts, with the last hit tried first (heap walks ask about nearby addresses in a row).
export class RangeIndex {
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  private last = -1;

  /** `ranges` must not overlap; they are sorted here. Positions refer to the sorted order. */
  constructor(ranges: readonly { start: number; end: number }[]) {
    const sorted = [...ranges].sort((a, b) => a.start - b.start);
    this.starts = Float64Array.from(sorted.map((r) => r.start));
    this.ends = Float64Array.from(sorted.map((r) => r.end));
  }

  /** Position of the range holding `address`, or -1. */
  find(address: number): number {
    const l = this.last;
    if (l >= 0 && address >= this.starts[l] && address < this.ends[l]) return l;
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid] <= address) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi >= 0 && address < this.ends[hi]) {
      this.last = hi;
      return hi;
    }
    return -1;
  }

  get length(): number {
    return this.starts.length;
  }
}
