// The inspector's state: the path from the local it was opened on down to the object shown,
// with the cursor of each level (so Back returns to the item it came from).
import { moveCursor, type CursorMove } from '../../components/shared/cursor.js';

export interface InspectorLevel {
  address: string;
  /** How the parent reaches it (the local's name at the root), escaped. */
  label: string;
  selected: number;
}

export interface InspectorState {
  path: InspectorLevel[];
}

export type InspectorAction =
  | { type: 'move'; move: CursorMove; count: number }
  | { type: 'select'; index: number }
  | { type: 'enter'; address: string; label: string }
  | { type: 'back' };

export const MAX_INSPECTOR_DEPTH = 64;

export function initialInspectorState(root: { address: string; label: string }): InspectorState {
  return { path: [{ address: root.address, label: root.label, selected: 0 }] };
}

export function currentLevel(s: InspectorState): InspectorLevel {
  return s.path[s.path.length - 1];
}

/** "x › [0] › .attr" */
export function breadcrumb(s: InspectorState): string {
  return s.path.map((l) => l.label).join(' › ');
}

export function inspectorReducer(s: InspectorState, a: InspectorAction): InspectorState {
  switch (a.type) {
    case 'move': {
      const top = currentLevel(s);
      const selected = moveCursor(top.selected, a.move, a.count);
      return selected === top.selected ? s : { path: [...s.path.slice(0, -1), { ...top, selected }] };
    }
    case 'select': {
      const top = currentLevel(s);
      return top.selected === a.index ? s : { path: [...s.path.slice(0, -1), { ...top, selected: a.index }] };
    }
    case 'enter':
      if (s.path.length >= MAX_INSPECTOR_DEPTH) return s;
      return { path: [...s.path, { address: a.address, label: a.label, selected: 0 }] };
    case 'back':
      return s.path.length > 1 ? { path: s.path.slice(0, -1) } : s;
  }
}
