// The screen stack: the root shows the top one. Every screen below stays mounted (hidden), so
// going back finds it as it was left.

/** Views whose data comes from issues that have not landed yet. */
export type PendingView = 'heap' | 'malloc' | 'errors';

export type Screen =
  | { kind: 'main' }
  | { kind: 'inspector'; address: string; label: string }
  | { kind: 'help' }
  | { kind: 'warnings' }
  | { kind: 'explain' }
  | { kind: 'pending'; view: PendingView };

export type NavAction = { type: 'push'; screen: Screen } | { type: 'pop' };

function isView(s: Screen | undefined): boolean {
  return s !== undefined && s.kind !== 'main' && s.kind !== 'inspector';
}

export function navReducer(stack: readonly Screen[], a: NavAction): readonly Screen[] {
  if (a.type === 'pop') return stack.length > 1 ? stack.slice(0, -1) : stack;
  const top = stack[stack.length - 1];
  if (JSON.stringify(top) === JSON.stringify(a.screen)) return stack;
  // A view (help, warnings, pending) opened from another view replaces it rather than piling up.
  return [...(isView(top) ? stack.slice(0, -1) : stack), a.screen];
}

export const initialStack: readonly Screen[] = [{ kind: 'main' }];
