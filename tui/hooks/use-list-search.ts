// `/` in a list or a text screen: typing moves the cursor to the first item (or line) that
// contains the query, n/N go to the next/previous one, Enter keeps the query for n/N, Esc
// clears it (and while typing, returns the cursor where it was). The scan runs in slices, so a
// long list whose items are read on demand keeps the keys working; a newer query stops it.
import { useEffect, useRef } from 'react';
import { findSteps, idleSearch, listSearchReducer, type ListSearchState } from '../components/shared/list-search.js';
import { runInSlices, SLICE_MS } from '../data/steps.js';
import { commandFor, type Command } from '../keys/bindings.js';
import { Priority, useKeypress } from '../keys/keypress.js';
import { promptAction } from '../screens/main/use-main-screen.js';
import { useSyncedReducer } from './use-synced-reducer.js';

export interface ListSearchOptions {
  isActive: () => boolean;
  /** Items now, their searchable text, the cursor now, and moving it. */
  count: () => number;
  text: (index: number) => string;
  cursor: () => number;
  moveTo: (index: number) => void;
}

const searchCommands = ['search', 'searchNext', 'searchPrev'] as const satisfies readonly Command[];

/** The search as last rendered, and as it is now (for key handlers). */
export function useListSearch(o: ListSearchOptions): [ListSearchState, () => ListSearchState] {
  const [state, dispatch, latest] = useSyncedReducer(listSearchReducer, idleSearch, (s) => s);
  const scan = useRef<AbortController | null>(null);
  const opts = useRef(o);
  opts.current = o;
  useEffect(() => () => scan.current?.abort(), []);

  const find = (query: string, from: number, direction: 1 | -1, otherwise: number | null) => {
    scan.current?.abort();
    const stop = (scan.current = new AbortController());
    const { count, text, moveTo } = opts.current;
    const n = count();
    if (query === '' || n === 0) {
      if (otherwise !== null) moveTo(otherwise);
      dispatch({ type: 'found', found: query === '' });
      return;
    }
    const settle = (hit: number | null) => {
      if (hit !== null) moveTo(hit);
      else if (otherwise !== null) moveTo(otherwise);
      dispatch({ type: 'found', found: hit !== null });
    };
    // A short list is searched at once (the keys that follow in a burst then see the match);
    // a long one goes on in slices.
    const steps = findSteps(n, text, query, from, direction);
    const until = Date.now() + SLICE_MS;
    for (;;) {
      const r = steps.next();
      if (r.done) return settle(r.value);
      if (Date.now() >= until) break;
    }
    dispatch({ type: 'scanning' });
    runInSlices(() => steps, (k) => ({ objects: k, where: 'search' }), { signal: stop.signal }).then(
      (hit) => !stop.signal.aborted && settle(hit),
      () => undefined,
    );
  };

  useKeypress(
    (input, key) => {
      const a = promptAction(input, key);
      if (a === null) return true;
      const s = latest();
      if (a.type === 'searchCancel') {
        scan.current?.abort();
        opts.current.moveTo(s.origin);
        dispatch({ type: 'clear' });
      } else if (a.type === 'searchCommit') {
        dispatch({ type: 'commit' });
      } else {
        dispatch(a.type === 'searchInput' ? { type: 'input', text: a.text } : { type: 'backspace' });
        find(latest().query, s.origin, 1, s.origin);
      }
      return true;
    },
    Priority.prompt,
    () => o.isActive() && latest().editing,
  );

  useKeypress(
    (input, key) => {
      const s = latest();
      if (key.escape && s.query !== '') {
        scan.current?.abort();
        dispatch({ type: 'clear' });
        return true;
      }
      const c = commandFor(searchCommands, input, key);
      if (c === null) return false;
      if (c === 'search') dispatch({ type: 'start', origin: opts.current.cursor() });
      else if (s.query === '') return false;
      else {
        const direction = c === 'searchNext' ? 1 : -1;
        find(s.query, opts.current.cursor() + direction, direction, null);
      }
      return true;
    },
    Priority.screen + 1,
    o.isActive,
  );
  return [state, latest];
}
