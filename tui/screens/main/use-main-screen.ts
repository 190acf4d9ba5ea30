// The main screen's hook: owns its state (mainReducer) and turns keys into actions.
import type { Key } from 'ink';
import { commandFor, type Command } from '../../keys/bindings.js';
import { Priority, useKeypress } from '../../keys/keypress.js';
import { useSyncedReducer } from '../../hooks/use-synced-reducer.js';
import type { MainModel } from '../../data/model.js';
import { inspectorPending } from '../../navigation/pending-views.js';
import type { AppActions } from '../../navigation/app-actions.js';
import { cursorCommands, cursorMove } from '../../keys/cursor-commands.js';
import { initialMainState, mainReducer, selectedLocal, type MainAction, type MainState } from './main-state.js';

const screenCommands = [...cursorCommands, 'nextPane', 'prevPane', 'open', 'search', 'searchNext', 'searchPrev'] as const satisfies readonly Command[];

/** Keys while the search prompt is open: everything goes to the prompt. */
export function promptAction(input: string, key: Key): MainAction | null {
  if (key.escape) return { type: 'searchCancel' };
  if (key.return) return { type: 'searchCommit' };
  if (key.backspace || key.delete) return { type: 'searchBackspace' };
  if (input && !key.ctrl && !key.meta && !key.tab && !key.upArrow && !key.downArrow && !key.leftArrow && !key.rightArrow) return { type: 'searchInput', text: input };
  return null;
}

export interface MainScreenOptions {
  isActive: () => boolean;
  pageSize: number;
  actions: AppActions;
  canInspect: boolean;
}

export function useMainScreen(model: MainModel, o: MainScreenOptions): MainState {
  const [state, dispatch, latest] = useSyncedReducer(mainReducer, model, initialMainState);

  useKeypress(
    (input, key) => {
      const a = promptAction(input, key);
      if (a) dispatch(a);
      return true;
    },
    Priority.prompt,
    () => o.isActive() && latest().search !== null,
  );

  useKeypress(
    (input, key) => {
      const c = commandFor(screenCommands, input, key);
      if (c === null) return false;
      const move = cursorMove(c, o.pageSize);
      if (move) dispatch({ type: 'move', move });
      else if (c === 'nextPane' || c === 'prevPane') dispatch({ type: 'cycleFocus', delta: c === 'nextPane' ? 1 : -1 });
      else if (c === 'search') dispatch({ type: 'searchStart' });
      else if (c === 'searchNext' || c === 'searchPrev') dispatch({ type: 'searchAgain', direction: c === 'searchNext' ? 1 : -1 });
      else if (c === 'open' && latest().focus === 'locals') openLocal(latest(), o);
      else dispatch({ type: 'open' });
      return true;
    },
    Priority.screen,
    o.isActive,
  );
  return state;
}

function openLocal(state: MainState, o: MainScreenOptions): void {
  const local = selectedLocal(state);
  if (!local) return;
  if (!o.canInspect) o.actions.notify('info', inspectorPending.open);
  else o.actions.push({ kind: 'inspector', address: local.address, label: local.name });
}
