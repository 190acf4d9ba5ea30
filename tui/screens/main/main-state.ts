// The main screen's state: which pane has the focus, which thread, frame and local are
// selected, and the `/` search. A pure reducer over a typed action union.
import { clampIndex, moveCursor, type CursorMove } from '../../components/shared/cursor.js';
import { frameSearchText, localSearchText, threadSearchText, type FrameRow, type MainModel, type ThreadModel } from '../../data/model.js';
import type { LocalRow } from '../../data/locals.js';

export type PaneId = 'threads' | 'frames' | 'locals';

export interface SearchState {
  query: string;
  /** Where the cursor was when the search began (Esc returns there). */
  origin: number;
  /** The query matched nothing. */
  failed: boolean;
}

export interface MainState {
  model: MainModel;
  focus: PaneId;
  thread: number;
  frame: number;
  local: number;
  /** Non-null while the search prompt is open. */
  search: SearchState | null;
  lastQuery: string | null;
}

export type MainAction =
  | { type: 'move'; move: CursorMove }
  | { type: 'cycleFocus'; delta: 1 | -1 }
  | { type: 'focus'; pane: PaneId }
  | { type: 'open' }
  | { type: 'searchStart' }
  | { type: 'searchInput'; text: string }
  | { type: 'searchBackspace' }
  | { type: 'searchCommit' }
  | { type: 'searchCancel' }
  | { type: 'searchAgain'; direction: 1 | -1 };

export function initialMainState(model: MainModel): MainState {
  return { model, focus: 'frames', thread: 0, frame: 0, local: 0, search: null, lastQuery: null };
}

export function selectedThread(s: MainState): ThreadModel | null {
  return s.model.threads[s.thread] ?? null;
}

export function selectedFrame(s: MainState): FrameRow | null {
  return selectedThread(s)?.frames[s.frame] ?? null;
}

export function selectedLocal(s: MainState): LocalRow | null {
  return selectedFrame(s)?.locals?.[s.local] ?? null;
}

/** The searchable text of every item of a pane. */
function texts(s: MainState, pane: PaneId): string[] {
  if (pane === 'threads') return s.model.threads.map(threadSearchText);
  if (pane === 'frames') return (selectedThread(s)?.frames ?? []).map(frameSearchText);
  return (selectedFrame(s)?.locals ?? []).map(localSearchText);
}

function count(s: MainState, pane: PaneId): number {
  if (pane === 'threads') return s.model.threads.length;
  if (pane === 'frames') return selectedThread(s)?.frames.length ?? 0;
  return selectedFrame(s)?.locals?.length ?? 0;
}

function cursorOf(s: MainState, pane: PaneId): number {
  return pane === 'threads' ? s.thread : pane === 'frames' ? s.frame : s.local;
}

/** Moves the cursor of `pane`; a new thread starts at its newest frame, a new frame at its first local. */
function setCursor(s: MainState, pane: PaneId, index: number): MainState {
  const i = clampIndex(index, count(s, pane));
  if (pane === 'threads') return i === s.thread ? s : { ...s, thread: i, frame: 0, local: 0 };
  if (pane === 'frames') return i === s.frame ? s : { ...s, frame: i, local: 0 };
  return { ...s, local: i };
}

/** Panes that can take the focus now: locals only when the frame has some. */
function panes(s: MainState): PaneId[] {
  return (selectedFrame(s)?.locals?.length ?? 0) > 0 ? ['threads', 'frames', 'locals'] : ['threads', 'frames'];
}

/** The first item at or after `from` (cyclically, in `direction`) whose text contains `query`. */
export function findMatch(items: readonly string[], query: string, from: number, direction: 1 | -1): number | null {
  const q = query.toLowerCase();
  const n = items.length;
  for (let k = 0; k < n; k++) {
    const i = (((from + direction * k) % n) + n) % n;
    if (items[i].toLowerCase().includes(q)) return i;
  }
  return null;
}

function searchTo(s: MainState, query: string, from: number, direction: 1 | -1): { state: MainState; found: boolean } {
  if (query === '') return { state: s, found: true };
  const hit = findMatch(texts(s, s.focus), query, from, direction);
  return hit === null ? { state: s, found: false } : { state: setCursor(s, s.focus, hit), found: true };
}

export function mainReducer(s: MainState, a: MainAction): MainState {
  switch (a.type) {
    case 'move':
      return setCursor(s, s.focus, moveCursor(cursorOf(s, s.focus), a.move, count(s, s.focus)));
    case 'cycleFocus': {
      const list = panes(s);
      const i = list.indexOf(s.focus);
      return { ...s, focus: list[clampIndex(i + a.delta, list.length)] };
    }
    case 'focus':
      return panes(s).includes(a.pane) ? { ...s, focus: a.pane } : s;
    case 'open':
      if (s.focus === 'threads') return { ...s, focus: 'frames' };
      if (s.focus === 'frames' && panes(s).includes('locals')) return { ...s, focus: 'locals' };
      return s;
    case 'searchStart':
      return { ...s, search: { query: '', origin: cursorOf(s, s.focus), failed: false } };
    case 'searchInput':
    case 'searchBackspace': {
      if (!s.search) return s;
      const query = a.type === 'searchInput' ? s.search.query + a.text : [...s.search.query].slice(0, -1).join('');
      const base = setCursor(s, s.focus, s.search.origin);
      const { state, found } = searchTo(base, query, s.search.origin, 1);
      return { ...state, search: { ...s.search, query, failed: !found } };
    }
    case 'searchCommit':
      if (!s.search) return s;
      return { ...s, search: null, lastQuery: s.search.query === '' ? s.lastQuery : s.search.query };
    case 'searchCancel':
      if (!s.search) return s;
      return { ...setCursor(s, s.focus, s.search.origin), search: null };
    case 'searchAgain': {
      if (s.lastQuery === null) return s;
      return searchTo(s, s.lastQuery, cursorOf(s, s.focus) + a.direction, a.direction).state;
    }
  }
}
