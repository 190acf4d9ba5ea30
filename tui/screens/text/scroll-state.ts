// State of a read-only text screen (help, warnings, pending views): how far it is scrolled.
import { moveCursor, type CursorMove } from '../../components/shared/cursor.js';

export interface ScrollState {
  top: number;
}

export type ScrollAction = { type: 'scroll'; move: CursorMove; maxTop: number };

export function scrollReducer(s: ScrollState, a: ScrollAction): ScrollState {
  const top = moveCursor(s.top, a.move, a.maxTop + 1);
  return top === s.top ? s : { top };
}
