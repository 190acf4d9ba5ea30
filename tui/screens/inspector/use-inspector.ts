// The inspector's hook: owns the breadcrumb state (inspectorReducer), fetches pages of the
// object shown through the explorer, and turns keys into actions.
import { useEffect, useMemo } from 'react';
import { useSyncedReducer } from '../../hooks/use-synced-reducer.js';
import type { ObjectExplorer } from '../../../src/analysis/object-view.js';
import { escapeForTerminal } from '../../../src/reports/sanitize.js';
import { commandFor, type Command } from '../../keys/bindings.js';
import { Priority, useKeypress } from '../../keys/keypress.js';
import type { AppActions } from '../../navigation/app-actions.js';
import { inspectorPending } from '../../navigation/pending-views.js';
import { cursorCommands, cursorMove } from '../../keys/cursor-commands.js';
import { breadcrumb, currentLevel, initialInspectorState, inspectorReducer, type InspectorState } from './inspector-state.js';
import { ObjectPages, type ChildRow, type ObjectHeader } from './object-pages.js';
import type { ListSearchState } from '../../components/shared/list-search.js';
import { useListSearch } from '../../hooks/use-list-search.js';

const inspectorCommands = [...cursorCommands, 'open', 'back', 'referrers', 'pathFromRoot'] as const satisfies readonly Command[];

export interface InspectorView {
  state: InspectorState;
  header: ObjectHeader | null;
  /** Why the object could not be fetched (the explorer failed). */
  error: string | null;
  child(index: number): ChildRow | null;
  search: ListSearchState;
}

function attempt<T>(f: () => T): { value: T; error: null } | { value: null; error: string } {
  try {
    return { value: f(), error: null };
  } catch (e) {
    return { value: null, error: escapeForTerminal(e instanceof Error ? e.message : String(e)) };
  }
}

export interface InspectorOptions {
  isActive: () => boolean;
  pageSize: number;
  actions: AppActions;
  /** The heap is there: `r` and `p` open the referrers and the path from a root. */
  heap: boolean;
}

export function useInspector(explorer: ObjectExplorer, root: { address: string; label: string }, o: InspectorOptions): InspectorView {
  const [state, dispatch, latest] = useSyncedReducer(inspectorReducer, root, initialInspectorState);
  const pages = useMemo(() => new ObjectPages(explorer), [explorer]);
  const level = currentLevel(state);
  const fetched = attempt(() => pages.header(level.address));
  const header = fetched.value;
  const child = (i: number) => attempt(() => pages.child(level.address, i)).value;

  // `/` searches the items of the object shown (labels, types and reprs), page by page.
  const [search] = useListSearch({
    isActive: o.isActive,
    count: () => attempt(() => pages.header(currentLevel(latest()).address)).value?.total ?? 0,
    text: (i) => {
      const c = attempt(() => pages.child(currentLevel(latest()).address, i)).value;
      return c ? `${c.label} (${c.type}) = ${c.repr}` : '';
    },
    cursor: () => currentLevel(latest()).selected,
    moveTo: (index) => dispatch({ type: 'select', index }),
  });

  useEffect(() => {
    if (fetched.error) o.actions.notify('error', `cannot inspect ${level.address}: ${fetched.error}`);
  }, [fetched.error, level.address]);

  useKeypress(
    (input, key) => {
      const c = commandFor(inspectorCommands, input, key);
      if (c === null) return false;
      const now = currentLevel(latest());
      const move = cursorMove(c, o.pageSize);
      if (move) dispatch({ type: 'move', move, count: attempt(() => pages.header(now.address)).value?.total ?? 0 });
      else if (c === 'open') {
        const target = attempt(() => pages.child(now.address, now.selected)).value;
        if (target) dispatch({ type: 'enter', address: target.address, label: target.label });
      } else if (c === 'back') {
        if (latest().path.length > 1) dispatch({ type: 'back' });
        else o.actions.pop();
      } else if (!o.heap) o.actions.notify('info', c === 'referrers' ? inspectorPending.referrers : inspectorPending.path);
      else {
        const shown = { address: now.address, label: breadcrumb(latest()) };
        o.actions.push(c === 'referrers' ? { kind: 'referrers', ...shown } : { kind: 'path', ...shown });
      }
      return true;
    },
    Priority.screen,
    o.isActive,
  );
  return { state, header, error: fetched.error, child, search };
}
