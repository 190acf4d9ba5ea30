// The binary search over ascending keys that every sorted lookup by address shares (unit
// offsets, function and symbol addresses, line rows, FDE starts).

/** Index of the last of `count` ascending keys that is <= `value`, or -1. */
export function lastAtOrBelow(count: number, key: (i: number) => number, value: number): number {
  let lo = 0;
  let hi = count - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (key(mid) <= value) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}
