// The explain screen's hook: owns its state (explainReducer), takes the typed or pasted text,
// and runs the explainer in the background.
import { useRef } from 'react';
import { useSyncedReducer } from '../../hooks/use-synced-reducer.js';
import { renderExplainText } from '../../../src/reports/explain-text.js';
import type { ExplainReport } from '../../../src/analysis/log/explain.js';
import { wrapLines } from '../../components/shared/truncate.js';
import { explainFile, explainPasted, type Explained } from '../../data/explain-log.js';
import { matches } from '../../keys/bindings.js';
import { Priority, useKeypress } from '../../keys/keypress.js';
import type { AppActions } from '../../navigation/app-actions.js';
import { explainReducer, initialExplainState, isSingleLine, type ExplainState } from './explain-state.js';

export interface ExplainOptions {
  isActive: () => boolean;
  width: number;
  /** Rows for the findings. */
  height: number;
  actions: AppActions;
}

export function reportLines(report: ExplainReport, width: number): string[] {
  return wrapLines(renderExplainText(report).replace(/\n$/, '').split('\n'), width);
}

export function useExplain(o: ExplainOptions): ExplainState {
  const [state, dispatch, latest] = useSyncedReducer(explainReducer, initialExplainState, (s: ExplainState) => s);
  const run = useRef(0);

  const submit = (text: string) => {
    const id = ++run.current;
    const path = text.trim();
    const finish = (r: Explained) => {
      if (id !== run.current) return;
      if (r.ok) dispatch({ type: 'done', lines: reportLines(r.report, o.width - 2) });
      else dispatch({ type: 'failed', message: r.message });
    };
    if (isSingleLine(text) && path !== '' && !/^(Fatal Python error|Current thread|Thread 0x|Traceback)/.test(path)) {
      dispatch({ type: 'started', source: path });
      explainFile(path, (p) => id === run.current && dispatch({ type: 'progress', ...p })).then(finish);
    } else if (text.trim() !== '') finish(explainPasted(text));
  };

  // Typing: everything goes to the text (Enter submits a single line, Ctrl+D anything).
  useKeypress(
    (input, key) => {
      const now = latest();
      if (now.phase !== 'input') return false;
      if (key.escape) o.actions.pop();
      else if (matches('submit', input, key) || (key.return && isSingleLine(now.text))) submit(now.text);
      else if (key.return) dispatch({ type: 'newline' });
      else if (key.backspace || key.delete) dispatch({ type: 'backspace' });
      else if (input && !key.ctrl && !key.meta) dispatch({ type: 'input', text: input });
      return true;
    },
    Priority.prompt,
    o.isActive,
  );

  // Reading the findings (they scroll and search on their own): `x` explains another log.
  useKeypress(
    (input, key) => {
      if (latest().phase !== 'done' || !matches('explain', input, key)) return false;
      run.current++;
      dispatch({ type: 'reset' });
      return true;
    },
    Priority.screen,
    o.isActive,
  );
  return state;
}
