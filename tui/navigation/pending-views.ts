// What each not-yet-built view needs, in one place: the pending screens and keys say it.
import type { PendingView } from './screens.js';

export const pendingViews: Record<PendingView, { title: string; needs: string }> = {
  heap: { title: 'Heap census', needs: 'issue 5 (pycore heap: object enumeration and census by type)' },
  malloc: { title: 'pymalloc statistics', needs: 'issue 5 (pycore heap: the pymalloc arena walk)' },
  errors: { title: 'Memory errors', needs: 'issue 6 (memory-corruption diagnostics)' },
};

export const inspectorPending = {
  open: 'the object inspector is not available yet: needs issue 4 (objects and locals)',
  referrers: 'referrers are not available yet: needs issue 5 (pycore heap: references)',
  path: 'the path from a root is not available yet: needs issue 5 (pycore heap: references)',
};

export function notAvailable(view: PendingView): string {
  return `not available yet: needs ${pendingViews[view].needs}`;
}
