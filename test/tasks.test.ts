// `analyze --tasks` against what CPython itself recorded just before the crash
// (corpus/scenarios/tasks.py): every task of asyncio.all_tasks(), its name and address, and its
// coroutine's await chain via cr_await with each coroutine's qualname, address and f_lineno.
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.js';
import { openCore } from '../src/cli/open-core.js';
import { pycore } from './helpers/cli.js';
import { corpusCores, SYSROOT } from './helpers/corpus.js';

interface TaskTruth {
  name: string;
  id: string;
  type: string;
  current: boolean;
  chain: { coroutines: { qualname: string; line: number | null; id: string }[]; awaits: string | null };
}

// tasks: the C _asyncio.Task in every version; tasks-py: asyncio's pure-Python Task (3.13).
const cores = corpusCores().filter((c) => c.truth.scenario === 'tasks' || c.truth.scenario === 'tasks-py');
const truthOf = (c: (typeof cores)[number]) => (c.truth as unknown as { snapshot: { extra: { tasks: TaskTruth[] } } }).snapshot.extra.tasks;

describe('analyze --tasks', () => {
  it('has a tasks core for every version, and one with pure-Python tasks', () => {
    expect(cores.filter((c) => c.truth.scenario === 'tasks').length).toBeGreaterThanOrEqual(7);
    expect(cores.some((c) => c.truth.scenario === 'tasks-py')).toBe(true);
  });

  for (const c of cores) {
    it(`${c.name}: every task with its await chain and suspended lines`, async () => {
      const target = await openCore(c.core, { sysroot: SYSROOT });
      const { report, fatal } = analyze(target, { tasks: true });
      expect(fatal).toBeNull();
      const found = report.tasks!;
      const truth = truthOf(c);
      expect(found.tasks.map((t) => t.name).sort()).toEqual(truth.map((t) => t.name).sort());
      for (const want of truth) {
        const task = found.tasks.find((t) => t.name === want.name)!;
        expect(task.address, want.name).toBe(want.id);
        expect(task.type.endsWith(`.${want.type}`), task.type).toBe(true);
        const coros = task.chain.filter((s) => s.qualname !== null);
        expect(coros.map((s) => s.qualname), want.name).toEqual(want.chain.coroutines.map((x) => x.qualname));
        expect(coros.map((s) => s.address), want.name).toEqual(want.chain.coroutines.map((x) => x.id));
        if (want.current) {
          // The running task moved on after the record: its line is where the crash happened,
          // as faulthandler printed it.
          const frame = c.truth.threads.find((t) => t.current)!.frames.find((f) => f.function === want.chain.coroutines[0].qualname)!;
          expect(coros[0].line).toBe(frame.line);
          expect(coros[0].state).not.toBe('suspended');
          expect(task.chain).toHaveLength(1);
          continue;
        }
        expect(coros.map((s) => s.line), want.name).toEqual(want.chain.coroutines.map((x) => x.line));
        expect(coros.every((s) => s.state === 'suspended')).toBe(true);
        const end = task.chain[task.chain.length - 1];
        expect(end.qualname === null ? end.type : null, want.name).toBe(want.chain.awaits);
      }
      // Every coroutine of the program belongs to a task: nothing else is suspended.
      expect(found.coroutines).toEqual([]);
    });
  }

  // The hostile scenario corrupts objects on purpose and never starts an event loop.
  for (const c of corpusCores().filter((x) => x.truth.scenario === 'hostile')) {
    it(`${c.name}: the scan ends, with no tasks, on a heap with damaged objects`, async () => {
      const target = await openCore(c.core, { sysroot: SYSROOT });
      const { report } = analyze(target, { tasks: true });
      expect(report.tasks!.tasks).toEqual([]);
    });
  }

  it('text and JSON output list the tasks', () => {
    const c = cores.find((x) => x.truth.label === '3.12' && x.truth.scenario === 'tasks') ?? cores[0];
    const sleeper = truthOf(c).find((t) => t.name === 'sleeper')!;
    const text = pycore(['analyze', c.core, '--sysroot', SYSROOT, '--tasks']);
    expect(text.stdout).toContain('Asyncio tasks (7):');
    expect(text.stdout).toContain(`Task "sleeper" ${sleeper.id} (_asyncio.Task)\n    top_sleep (coroutine, suspended) at `);
    expect(text.stdout).toContain(`tasks.py:${sleeper.chain.coroutines[0].line} ${sleeper.chain.coroutines[0].id}\n    -> awaits mid_sleep`);
    const json = JSON.parse(pycore(['analyze', c.core, '--sysroot', SYSROOT, '--tasks', '--format', 'json']).stdout) as { tasks: { name: string; chain: { qualname: string | null }[] }[] };
    expect(json.tasks.find((t) => t.name === 'eventer')!.chain.map((s) => s.qualname)).toEqual(['waiter_top', 'wait_event', 'Event.wait', null]);
  });
});
