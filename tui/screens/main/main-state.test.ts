// The main screen's reducer over the models of real corpus cores (threads and frames as
// CPython recorded them in the cores' ground truth).
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeCore, corpusCores } from '../../../test/helpers/corpus.js';
import { loadCore } from '../../../test/helpers/tui.js';
import { buildModel, type MainModel } from '../../data/model.js';
import { findMatch, initialMainState, mainReducer, selectedFrame, selectedLocal, selectedThread, type MainAction, type MainState } from './main-state.js';

const run = (s: MainState, ...actions: MainAction[]) => actions.reduce(mainReducer, s);
const down: MainAction = { type: 'move', move: { kind: 'by', delta: 1 } };

describe('main screen state', () => {
  const core = corpusCores().find((c) => c.name === '3.12-segv-threads')!;
  const truth = core.truth;
  const current = truth.threads.find((t) => t.current)!;
  const others = truth.threads.filter((t) => !t.current);
  let model: MainModel;
  beforeAll(async () => {
    model = buildModel((await analyzeCore(core.core)).report);
  });

  it("starts on the current thread's newest frame, with the frames focused", () => {
    const s = initialMainState(model);
    expect(s.focus).toBe('frames');
    expect(selectedThread(s)!.row.title).toContain(current.thread_id);
    expect(selectedFrame(s)!.function).toBe(current.frames[0].function);
  });

  it('lists the current thread first, then the others in faulthandler order', () => {
    expect(model.threads.map((t) => t.row.title.split(' ')[1])).toEqual([current, ...others].map((t) => t.thread_id));
  });

  it('moves through frames within bounds and resets the frame when the thread changes', () => {
    let s = run(initialMainState(model), down, down);
    expect(selectedFrame(s)!.function).toBe(current.frames[2].function);
    s = run(s, { type: 'move', move: { kind: 'last' } }, down);
    expect(s.frame).toBe(current.frames.length - 1);
    s = run(s, { type: 'cycleFocus', delta: -1 }, down);
    expect(s.focus).toBe('threads');
    expect(selectedThread(s)!.row.title).toContain(others[0].thread_id);
    expect(s.frame).toBe(0);
    expect(selectedFrame(s)!.function).toBe(others[0].frames[0].function);
    expect(run(s, { type: 'open' }).focus).toBe('frames');
  });

  it('searches the focused list, finds the next match, and Esc restores the cursor', () => {
    let s = run(initialMainState(model), { type: 'searchStart' }, ...[...'run_'].map((text): MainAction => ({ type: 'searchInput', text })));
    const runJob = current.frames.findIndex((f) => f.function === 'run_job');
    expect(s.frame).toBe(runJob);
    expect(s.search).toMatchObject({ query: 'run_', failed: false });
    s = run(s, { type: 'searchCommit' });
    expect(s.search).toBeNull();
    expect(s.lastQuery).toBe('run_');
    s = run(s, { type: 'searchStart' }, { type: 'searchInput', text: 'zzz-nothing' });
    expect(s.search!.failed).toBe(true);
    expect(run(s, { type: 'searchCancel' }).frame).toBe(runJob);
    s = run(initialMainState(model), { type: 'searchStart' }, { type: 'searchInput', text: 'segv_threads' }, { type: 'searchCommit' });
    const first = s.frame;
    s = run(s, { type: 'searchAgain', direction: 1 });
    expect(s.frame).toBe(first + 1);
    expect(run(s, { type: 'searchAgain', direction: -1 }).frame).toBe(first);
  });

  it('wraps around when searching', () => {
    expect(findMatch(['a', 'b', 'ab'], 'A', 2, 1)).toBe(2);
    expect(findMatch(['a', 'b', 'ab'], 'b', 2, -1)).toBe(2);
    expect(findMatch(['a', 'b', 'c'], 'b', 2, 1)).toBe(1);
    expect(findMatch([], 'b', 0, 1)).toBeNull();
  });

  it('reaches the locals pane only when the frame has locals', async () => {
    const locals = corpusCores().find((c) => c.name === '3.12-locals')!;
    const m = buildModel((await loadCore(locals.name)).report);
    const frameTruth = locals.truth.threads.find((t) => t.current)!.frames.findIndex((f) => f.function === 'crash_here');
    let s = run(initialMainState(m), ...Array.from({ length: frameTruth }, () => down));
    expect(selectedFrame(s)!.function).toBe('crash_here');
    s = run(s, { type: 'open' });
    expect(s.focus).toBe('locals');
    s = run(s, { type: 'searchStart' }, { type: 'searchInput', text: 'nested' }, { type: 'searchCommit' });
    expect(selectedLocal(s)!.name).toBe('nested');
    // Without locals (analyze ran without them), Tab cycles threads <-> frames only.
    const bare = initialMainState(model);
    expect(run(bare, { type: 'cycleFocus', delta: 1 }).focus).toBe('frames');
    expect(run(bare, { type: 'focus', pane: 'locals' }).focus).toBe('frames');
  });
});
