// What each view needs when the TUI was given no heap (a caller other than `pycore tui`): the
// screens and keys say it, in one place.
import type { PendingView } from './screens.js';

const noHeap = 'the heap of the core, which was not opened in this session';

export const pendingViews: Record<PendingView, { title: string; needs: string }> = {
  heap: { title: 'Heap census', needs: noHeap },
  malloc: { title: 'pymalloc statistics', needs: noHeap },
  leaks: { title: 'Leak hints', needs: noHeap },
  dominators: { title: 'Dominator tree', needs: noHeap },
};

export const inspectorPending = {
  open: 'the object inspector is not available yet: needs issue 4 (objects and locals)',
  referrers: `referrers are not available: needs ${noHeap}`,
  path: `the path from a root is not available: needs ${noHeap}`,
};

export function notAvailable(view: PendingView): string {
  return `not available: needs ${pendingViews[view].needs}`;
}
