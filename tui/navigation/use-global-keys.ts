// Keys that work on every screen, at the lowest priority: quit, help, the views, back. A key
// also clears the previous status-bar message before anyone handles it.
import { useApp } from 'ink';
import { commandFor, type Command } from '../keys/bindings.js';
import { Priority, useKeypress } from '../keys/keypress.js';
import type { AppActions } from './app-actions.js';
import type { Screen } from './screens.js';

const globalCommands = ['quit', 'help', 'warnings', 'heap', 'mallocStats', 'leaks', 'dominators', 'memoryErrors', 'explain', 'back'] as const satisfies readonly Command[];

const views: Partial<Record<Command, Screen>> = { heap: { kind: 'census' }, mallocStats: { kind: 'malloc' }, leaks: { kind: 'leaks' }, dominators: { kind: 'dominators' }, memoryErrors: { kind: 'errors' } };

export function useGlobalKeys(top: () => Screen, actions: AppActions, clearStatus: () => void): void {
  const { exit } = useApp();
  useKeypress(
    () => {
      clearStatus();
      return false;
    },
    Priority.prompt + 1,
  );
  useKeypress((input, key) => {
    const c = commandFor(globalCommands, input, key);
    if (c === null) return false;
    const view = views[c];
    if (c === 'quit') exit();
    else if (c === 'help') actions.push({ kind: 'help' });
    else if (c === 'warnings') actions.push({ kind: 'warnings' });
    else if (c === 'explain') actions.push({ kind: 'explain' });
    else if (view) actions.push(view);
    else if (top().kind !== 'main') actions.pop();
    else return false;
    return true;
  }, Priority.global);
}
