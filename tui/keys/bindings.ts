// Key bindings as data: every command, the keys that trigger it and what it does. The help
// screen and the status-bar hints are generated from this table; handlers ask `matches`.
import type { Key } from 'ink';

export type Command =
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'first'
  | 'last'
  | 'nextPane'
  | 'prevPane'
  | 'open'
  | 'back'
  | 'search'
  | 'searchNext'
  | 'searchPrev'
  | 'referrers'
  | 'pathFromRoot'
  | 'heap'
  | 'sort'
  | 'mallocStats'
  | 'leaks'
  | 'dominators'
  | 'memoryErrors'
  | 'explain'
  | 'submit'
  | 'warnings'
  | 'help'
  | 'quit';

type NamedKey = 'upArrow' | 'downArrow' | 'leftArrow' | 'rightArrow' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape' | 'tab' | 'backspace' | 'delete';

/** One key: a named key (with or without shift), or a typed character (with or without ctrl). */
export type KeySpec = { key: NamedKey; shift?: boolean } | { input: string; ctrl?: boolean };

export interface Binding {
  keys: KeySpec[];
  description: string;
  /** The word shown in the status-bar hints. */
  hint: string;
  group: 'Move' | 'Inspect' | 'Views' | 'General';
}

export const keyBindings: Record<Command, Binding> = {
  up: { keys: [{ key: 'upArrow' }, { input: 'k' }], description: 'select the previous item', hint: 'move', group: 'Move' },
  down: { keys: [{ key: 'downArrow' }, { input: 'j' }], description: 'select the next item', hint: 'move', group: 'Move' },
  pageUp: { keys: [{ key: 'pageUp' }, { input: 'b', ctrl: true }], description: 'one page up', hint: 'page', group: 'Move' },
  pageDown: { keys: [{ key: 'pageDown' }, { input: 'f', ctrl: true }], description: 'one page down', hint: 'page', group: 'Move' },
  first: { keys: [{ key: 'home' }, { input: 'g' }], description: 'first item', hint: 'first', group: 'Move' },
  last: { keys: [{ key: 'end' }, { input: 'G' }], description: 'last item', hint: 'last', group: 'Move' },
  nextPane: { keys: [{ key: 'tab' }, { key: 'rightArrow' }], description: 'next pane (threads -> frames -> locals)', hint: 'pane', group: 'Move' },
  prevPane: { keys: [{ key: 'tab', shift: true }, { key: 'leftArrow' }], description: 'previous pane', hint: 'pane', group: 'Move' },
  open: { keys: [{ key: 'return' }], description: 'open: a frame shows its locals, a local or an item opens in the inspector', hint: 'open', group: 'Inspect' },
  back: { keys: [{ key: 'escape' }, { key: 'backspace' }, { key: 'delete' }], description: 'back: one level up in the inspector, or close the view', hint: 'back', group: 'Inspect' },
  search: { keys: [{ input: '/' }], description: 'search the current list or text (Enter keeps the query, Esc clears it)', hint: 'search', group: 'Move' },
  searchNext: { keys: [{ input: 'n' }], description: 'next match of the last search', hint: 'next', group: 'Move' },
  searchPrev: { keys: [{ input: 'N' }], description: 'previous match of the last search', hint: 'prev', group: 'Move' },
  referrers: { keys: [{ input: 'r' }], description: 'inspector: objects that refer to this one', hint: 'referrers', group: 'Inspect' },
  pathFromRoot: { keys: [{ input: 'p' }], description: 'inspector: path from a root to this object', hint: 'path', group: 'Inspect' },
  heap: { keys: [{ input: 'h' }], description: 'heap census by type', hint: 'heap', group: 'Views' },
  sort: { keys: [{ input: 's' }], description: 'heap census: sort by count or by bytes', hint: 'sort', group: 'Views' },
  mallocStats: { keys: [{ input: 'm' }], description: 'pymalloc statistics', hint: 'malloc', group: 'Views' },
  leaks: { keys: [{ input: 'l' }], description: 'leak hints: uncollected cycles, big classes, gc.garbage, GC counts', hint: 'leaks', group: 'Views' },
  dominators: { keys: [{ input: 'd' }], description: 'dominator tree: what holds the memory, by retained size', hint: 'retained', group: 'Views' },
  memoryErrors: { keys: [{ input: 'e' }], description: 'memory errors found by the diagnostics', hint: 'errors', group: 'Views' },
  explain: { keys: [{ input: 'x' }], description: "explain a fatal error log (paste or open a file)", hint: 'explain', group: 'Views' },
  submit: { keys: [{ input: 'd', ctrl: true }], description: 'explain: explain the pasted log', hint: 'explain', group: 'Views' },
  warnings: { keys: [{ input: 'w' }], description: 'what could not be read or verified', hint: 'warnings', group: 'Views' },
  help: { keys: [{ input: '?' }], description: 'this help', hint: 'help', group: 'General' },
  quit: { keys: [{ input: 'q' }, { input: 'c', ctrl: true }], description: 'quit pycore', hint: 'quit', group: 'General' },
};

export const commands = Object.keys(keyBindings) as Command[];

function matchesSpec(spec: KeySpec, input: string, key: Key): boolean {
  if ('key' in spec) return key[spec.key] && Boolean(spec.shift) === key.shift;
  return input === spec.input && Boolean(spec.ctrl) === key.ctrl;
}

export function matches(command: Command, input: string, key: Key): boolean {
  return keyBindings[command].keys.some((s) => matchesSpec(s, input, key));
}

/** The first command of `candidates` that the key triggers. */
export function commandFor<C extends Command>(candidates: readonly C[], input: string, key: Key): C | null {
  return candidates.find((c) => matches(c, input, key)) ?? null;
}

const keyNames: Record<NamedKey, string> = {
  upArrow: '↑',
  downArrow: '↓',
  leftArrow: '←',
  rightArrow: '→',
  pageUp: 'PgUp',
  pageDown: 'PgDn',
  home: 'Home',
  end: 'End',
  return: 'Enter',
  escape: 'Esc',
  tab: 'Tab',
  backspace: 'Backspace',
  delete: 'Del',
};

export function keyLabel(spec: KeySpec): string {
  if ('key' in spec) return `${spec.shift ? 'Shift+' : ''}${keyNames[spec.key]}`;
  return spec.ctrl ? `Ctrl+${spec.input.toUpperCase()}` : spec.input;
}

export interface HelpLine {
  group: Binding['group'];
  keys: string;
  description: string;
}

/** Every command with all its keys, grouped: the `?` screen. */
export function helpLines(): HelpLine[] {
  const order: Binding['group'][] = ['Move', 'Inspect', 'Views', 'General'];
  return order.flatMap((group) =>
    commands
      .filter((c) => keyBindings[c].group === group)
      .map((c) => ({ group, keys: keyBindings[c].keys.map(keyLabel).join(' '), description: keyBindings[c].description })),
  );
}

/** "↑↓ move  Tab pane  ? help  q quit" for the given commands (first key of each; equal hints merge). */
export function hints(list: readonly Command[]): string {
  const parts: { keys: string; hint: string }[] = [];
  for (const c of list) {
    const b = keyBindings[c];
    const label = keyLabel(b.keys[0]);
    const same = parts.find((p) => p.hint === b.hint);
    if (same) same.keys += label;
    else parts.push({ keys: label, hint: b.hint });
  }
  return parts.map((p) => `${p.keys} ${p.hint}`).join('  ');
}
