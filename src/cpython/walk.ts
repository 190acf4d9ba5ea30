// Bounded walks over linked structures in core memory: every list in a core may be cut short by
// unreadable memory, loop back on itself, or run absurdly long.
export interface WalkEnd {
  /** Why the walk stopped early; absent when it reached the natural end of the list. */
  reason?: 'unreadable' | 'cycle' | 'limit' | 'invalid';
  /** Address where the walk stopped. */
  at?: number;
}

/** Follows `next` from `first` until 0, yielding each address once; records why it stopped. */
export function* followList(first: number | null, next: (address: number) => number | null, limit: number, end: WalkEnd): Generator<number> {
  const seen = new Set<number>();
  let cur = first;
  if (cur === null) {
    end.reason = 'unreadable';
    return;
  }
  while (cur !== 0) {
    if (seen.has(cur)) {
      end.reason = 'cycle';
      end.at = cur;
      return;
    }
    if (seen.size >= limit) {
      end.reason = 'limit';
      end.at = cur;
      return;
    }
    seen.add(cur);
    // Read the link first: an entry whose own memory is unreadable is not an entry at all.
    const n = next(cur);
    if (n === null) {
      end.reason = 'unreadable';
      end.at = cur;
      return;
    }
    yield cur;
    cur = n;
  }
}
