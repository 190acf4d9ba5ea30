// The explain screen's state: typing a path or pasting a log, then reading it (with progress),
// then the findings (they scroll and search in SearchableText), or why it failed.
import { MAX_PASTE_CHARS, normalizePaste } from '../../data/explain-log.js';

export type ExplainState =
  | { phase: 'input'; text: string; cut: boolean; error: string | null }
  | { phase: 'running'; source: string; read: number; total: number }
  | { phase: 'done'; lines: readonly string[] };

export type ExplainAction =
  | { type: 'input'; text: string }
  | { type: 'backspace' }
  | { type: 'newline' }
  | { type: 'started'; source: string }
  | { type: 'progress'; read: number; total: number }
  | { type: 'done'; lines: readonly string[] }
  | { type: 'failed'; message: string }
  | { type: 'reset' };

export const initialExplainState: Extract<ExplainState, { phase: 'input' }> = { phase: 'input', text: '', cut: false, error: null };

/** What Enter does with the text so far: a single line is a path (or a one-line log). */
export function isSingleLine(text: string): boolean {
  return !text.includes('\n');
}

export function explainReducer(s: ExplainState, a: ExplainAction): ExplainState {
  switch (a.type) {
    case 'input':
    case 'newline': {
      if (s.phase !== 'input') return s;
      const added = a.type === 'newline' ? '\n' : normalizePaste(a.text);
      const room = MAX_PASTE_CHARS - s.text.length;
      return { ...s, text: s.text + added.slice(0, Math.max(room, 0)), cut: s.cut || added.length > room, error: null };
    }
    case 'backspace':
      return s.phase === 'input' ? { ...s, text: [...s.text].slice(0, -1).join(''), error: null } : s;
    case 'started':
      return { phase: 'running', source: a.source, read: 0, total: 0 };
    case 'progress':
      return s.phase === 'running' ? { ...s, read: a.read, total: a.total } : s;
    case 'done':
      return { phase: 'done', lines: a.lines };
    case 'failed':
      return { ...initialExplainState, error: a.message };
    case 'reset':
      return initialExplainState;
  }
}
