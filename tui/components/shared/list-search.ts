// `/` search over any list or text: the state (query typed so far, where the cursor was, the
// last committed query for n/N) and the scan, which pauses every few hundred items so a list of
// 100 000 items whose text is fetched on demand (the inspector's pages) never freezes the screen.

export interface ListSearchState {
  /** The prompt is open: typed characters go to the query. */
  editing: boolean;
  query: string;
  /** Where the cursor was when the search began (Esc returns there). */
  origin: number;
  /** The query matched nothing. */
  failed: boolean;
  /** A scan is running (a long list whose items are fetched). */
  scanning: boolean;
}

export const idleSearch: ListSearchState = { editing: false, query: '', origin: 0, failed: false, scanning: false };

export type ListSearchAction =
  | { type: 'start'; origin: number }
  | { type: 'input'; text: string }
  | { type: 'backspace' }
  | { type: 'commit' }
  | { type: 'clear' }
  | { type: 'scanning' }
  | { type: 'found'; found: boolean };

export function listSearchReducer(s: ListSearchState, a: ListSearchAction): ListSearchState {
  switch (a.type) {
    case 'start':
      return { ...idleSearch, editing: true, origin: a.origin };
    case 'input':
      return s.editing ? { ...s, query: s.query + a.text } : s;
    case 'backspace':
      return s.editing ? { ...s, query: [...s.query].slice(0, -1).join('') } : s;
    case 'commit':
      // An empty query leaves nothing to repeat.
      return s.query === '' ? idleSearch : { ...s, editing: false };
    case 'clear':
      return idleSearch;
    case 'scanning':
      return { ...s, scanning: true };
    case 'found':
      return { ...s, scanning: false, failed: !a.found };
  }
}

/** The search is shown (prompt open, or a kept query that n/N repeat). */
export function searchShown(s: ListSearchState): boolean {
  return s.editing || s.query !== '';
}

/** Items compared between two pauses of findSteps. */
const ITEMS_PER_STEP = 256;

/**
 * The first of `count` items at or after `from` (cyclically, in `direction`) whose text contains
 * `query` (any case), or null; pauses every few hundred items, yielding how many it compared.
 */
export function* findSteps(count: number, text: (i: number) => string, query: string, from: number, direction: 1 | -1): Generator<number, number | null, void> {
  const q = query.toLowerCase();
  for (let k = 0; k < count; k++) {
    if (k % ITEMS_PER_STEP === ITEMS_PER_STEP - 1) yield k;
    const i = (((from + direction * k) % count) + count) % count;
    if (text(i).toLowerCase().includes(q)) return i;
  }
  return null;
}
