// State of a read-only text screen (help, warnings, findings...): how far it is scrolled, and
// the line a search found (shown at the top, like less does).
import { moveCursor, type CursorMove } from '../../components/shared/cursor.js';

export interface ScrollState {
  top: number;
  /** The line the last search found; -1: none. */
  match?: number;
}

export type ScrollAction = { type: 'scroll'; move: CursorMove; maxTop: number } | { type: 'show'; line: number; maxTop: number };

export function scrollReducer(s: ScrollState, a: ScrollAction): ScrollState {
  if (a.type === 'show') return { top: Math.min(Math.max(a.line, 0), a.maxTop), match: a.line };
  const top = moveCursor(s.top, a.move, a.maxTop + 1);
  return top === s.top ? s : { ...s, top };
}
