import { describe, expect, it } from 'vitest';
import { MAX_PASTE_CHARS } from '../../data/explain-log.js';
import { scrollReducer } from '../text/scroll-state.js';
import { explainReducer, initialExplainState, isSingleLine, type ExplainAction, type ExplainState } from './explain-state.js';

const run = (s: ExplainState, ...a: ExplainAction[]) => a.reduce(explainReducer, s);

describe('explain state', () => {
  it('collects typed and pasted text, turning terminal CRs into newlines', () => {
    const s = run(initialExplainState, { type: 'input', text: 'Fatal Python error: x\r\nThread 0x1' }, { type: 'newline' }, { type: 'input', text: 'ab' }, { type: 'backspace' });
    expect(s).toMatchObject({ phase: 'input', text: 'Fatal Python error: x\nThread 0x1\na' });
    expect(isSingleLine('/tmp/crash.log')).toBe(true);
    expect(isSingleLine((s as { text: string }).text)).toBe(false);
  });

  it('cuts a paste that is too large and says so', () => {
    const s = run(initialExplainState, { type: 'input', text: 'x'.repeat(MAX_PASTE_CHARS - 1) }, { type: 'input', text: 'yyy' });
    expect(s).toMatchObject({ phase: 'input', cut: true });
    expect((s as { text: string }).text.length).toBe(MAX_PASTE_CHARS);
  });

  it('runs, reports progress, shows the findings scrolled, and returns to input on failure', () => {
    let s = run(initialExplainState, { type: 'started', source: 'a.log' }, { type: 'progress', read: 10, total: 20 });
    expect(s).toEqual({ phase: 'running', source: 'a.log', read: 10, total: 20 });
    s = run(s, { type: 'done', lines: ['a', 'b', 'c'] });
    expect(s).toEqual({ phase: 'done', lines: ['a', 'b', 'c'] });
    expect(run(s, { type: 'input', text: 'x' })).toBe(s);
    expect(run(s, { type: 'failed', message: 'no such file' })).toEqual({ ...initialExplainState, error: 'no such file' });
  });

  it('scrolls text screens within their length, and shows a search match at the top as far as it can', () => {
    expect(scrollReducer({ top: 0 }, { type: 'scroll', move: { kind: 'by', delta: 5 }, maxTop: 3 })).toEqual({ top: 3 });
    const s = { top: 0 };
    expect(scrollReducer(s, { type: 'scroll', move: { kind: 'by', delta: -1 }, maxTop: 3 })).toBe(s);
    expect(scrollReducer(s, { type: 'show', line: 2, maxTop: 3 })).toEqual({ top: 2, match: 2 });
    expect(scrollReducer(s, { type: 'show', line: 9, maxTop: 3 })).toEqual({ top: 3, match: 9 });
  });
});
