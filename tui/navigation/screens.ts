// The screen stack: the root shows the top one. Every screen below stays mounted (hidden), so
// going back finds it as it was left.

/** Views that need the heap, shown as pending when the TUI was given none. */
export type PendingView = 'heap' | 'malloc' | 'leaks' | 'dominators';

export type Screen =
  | { kind: 'main' }
  | { kind: 'inspector'; address: string; label: string }
  | { kind: 'help' }
  | { kind: 'warnings' }
  | { kind: 'explain' }
  | { kind: 'pending'; view: PendingView }
  | { kind: 'census' }
  | { kind: 'malloc' }
  | { kind: 'leaks' }
  /** The dominator tree's top (what only roots keep alive), and one object's dominated children (label escaped already). */
  | { kind: 'dominators' }
  | { kind: 'dominated'; address: string; label: string }
  | { kind: 'errors' }
  /** typeName and labels are escaped for the terminal already. */
  | { kind: 'instances'; typeAddress: string; typeName: string }
  | { kind: 'referrers'; address: string; label: string }
  | { kind: 'path'; address: string; label: string };

export type NavAction = { type: 'push'; screen: Screen } | { type: 'pop' };

/** Screens reached by drilling down (they stack); the others are views (they replace each other). */
const drillDown = new Set<Screen['kind']>(['main', 'inspector', 'instances', 'referrers', 'path', 'dominated']);

function isView(s: Screen | undefined): boolean {
  return s !== undefined && !drillDown.has(s.kind);
}

export function navReducer(stack: readonly Screen[], a: NavAction): readonly Screen[] {
  if (a.type === 'pop') return stack.length > 1 ? stack.slice(0, -1) : stack;
  const top = stack[stack.length - 1];
  if (JSON.stringify(top) === JSON.stringify(a.screen)) return stack;
  // A view (help, warnings, census...) opened from another view replaces it rather than piling up.
  return [...(isView(top) && isView(a.screen) ? stack.slice(0, -1) : stack), a.screen];
}

export const initialStack: readonly Screen[] = [{ kind: 'main' }];
