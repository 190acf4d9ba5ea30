// `pycore explain LOG --core CORE` on the corpus's paired logs and cores (the stderr each crashed
// run printed, and its core): the addresses and thread ids of the log are found in the core and
// decoded as the running program recorded them itself (corpus/scenarios/debugmalloc_trace.py's
// side file, faulthandler's threads and their kernel ids).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainWithCore, type FindingCore } from '../src/analysis/explain-core.js';
import { explainText } from '../src/analysis/log/explain.js';
import { openCore } from '../src/cli/open-core.js';
import { expectOneLineError, pycore } from './helpers/cli.js';
import { CORES, SYSROOT, corpusCores, type CorpusCore } from './helpers/corpus.js';

interface Fact { address: string; requested: number; traceback: [string, number][] }
interface Extra { debugmalloc: Record<'survivor' | 'victim' | 'hidden', Fact>; dumped: { address: string; type: string; repr: string } }

const stderrOf = (c: CorpusCore) => c.core.replace(/\.core\.gz$/, '.stderr.txt');

async function explainPaired(c: CorpusCore, log = stderrOf(c)) {
  const report = explainText(log, readFileSync(log));
  report.core = explainWithCore(report, await openCore(c.core, { sysroot: SYSROOT }), c.core);
  return report;
}

const coreOf = (f: { details: Record<string, unknown> }) => f.details.core as FindingCore | undefined;

describe('explain --core: debug blocks, objects and threads of the log, in the core', () => {
  for (const c of corpusCores().filter((x) => x.truth.scenario === 'debugmalloc-trace')) {
    it(`${c.name}: the tripped block, the dumped object and the thread`, async () => {
      const extra = (c.truth as unknown as { snapshot: { extra: Extra } }).snapshot.extra;
      const f = extra.debugmalloc;
      const r = await explainPaired(c);
      expect(r.core).toMatchObject({ threads_matched: 1, threads_in_log: 1, warnings: [] });

      const block = coreOf(r.findings.find((x) => x.kind === 'trailing-pad')!)!.block!;
      expect(block.address).toBe(f.victim.address);
      expect(block.state).toBe('trailing-pad');
      expect(block.memory_error?.requested).toBe(f.victim.requested);
      expect(block.allocated_at!.map((x) => [x.filename, x.lineno])).toEqual(f.victim.traceback);
      expect(block.referrers).toBeDefined();

      // `object address  : 0x...` of _PyObject_Dump: the object as repr() and type() saw it.
      const obj = coreOf(r.findings.find((x) => x.kind === 'object-dump')!)!.objects![0];
      expect(obj).toMatchObject({ address: extra.dumped.address, type: extra.dumped.type, repr: extra.dumped.repr });
      expect(extra.dumped.address).toBe(f.survivor.address);
      expect(obj.allocated_at!.map((x) => [x.filename, x.lineno])).toEqual(f.survivor.traceback);
      expect(obj.referrers!.list.length).toBe(Math.min(obj.referrers!.total, 20));
      // Held by main's local `survivor` (the only name for it), whether or not the frame is a heap object.
      expect(obj.referrers!.root).toMatch(/, frame main \(.*debugmalloc_trace\.py:\d+\), local survivor$/);

      const [t] = coreOf(r.findings.find((x) => x.kind === 'thread-dump')!)!.threads!;
      const truth = c.truth.threads[0];
      expect(t).toMatchObject({ thread_id: truth.thread_id, found: true, native_id: truth.native_id, current: true });
      expect(t.frames).toEqual(truth.frames.map((x) => ({ function: x.function, file: x.file, line: x.line })));
    });
  }

  // (2.7 has no faulthandler: its crash log holds no thread dump to pair with the core.)
  for (const c of corpusCores().filter((x) => x.truth.scenario === 'segv-threads' && x.truth.faulthandler_text !== null)) {
    it(`${c.name}: every thread faulthandler printed is found, with its kernel id and its whole stack`, async () => {
      const r = await explainPaired(c);
      expect(r.core).toMatchObject({ threads_matched: c.truth.threads.length, threads_in_log: c.truth.threads.length });
      const dump = r.findings.find((x) => x.kind === 'thread-dump')!;
      const threads = coreOf(dump)!.threads!;
      for (const tt of c.truth.threads) {
        const t = threads.find((x) => x.thread_id === tt.thread_id)!;
        expect(t, tt.thread_id).toMatchObject({ found: true, native_id: tt.native_id, current: tt.current });
        expect(t.frames!.length).toBe(tt.depth);
        expect(t.frames!.slice(0, tt.frames.length)).toEqual(tt.frames.map((x) => ({ function: x.function, file: x.file, line: x.line })));
      }
    });
  }

  it('a log and a core of different runs: no thread matches, and the report says so', async () => {
    const [abort] = corpusCores().filter((x) => x.name === '3.12-abort');
    const r = await explainPaired(abort, join(CORES, '3.12-segv-threads.stderr.txt'));
    expect(r.core!.threads_matched).toBe(0);
    expect(r.core!.warnings.join('\n')).toMatch(/probably from different runs/);
    const threads = r.findings.flatMap((x) => coreOf(x)?.threads ?? []);
    expect(threads.length).toBeGreaterThan(0);
    expect(threads.every((t) => !t.found)).toBe(true);
  });

  it('a core without Python: the log is still explained, and the summary says why nothing was looked up', async () => {
    const [abort] = corpusCores().filter((x) => x.name === '3.12-abort');
    const r = await explainPaired({ ...abort, core: join(CORES, 'nonpython-sleep.core.gz') }, stderrOf(abort));
    expect(r.findings.length).toBeGreaterThan(0);
    expect(r.findings.every((f) => f.details.core === undefined)).toBe(true);
    expect(r.core).toMatchObject({ python: null, threads_matched: 0, threads_in_log: abort.truth.threads.length });
    expect(r.core!.warnings[0]).toMatch(/^no Python state in the core: no Python interpreter found/);
  });

  it('through the CLI: text "In the core" sections and JSON details.core; a bad --core is one line', () => {
    const log = join(CORES, '3.11-debugmalloc-trace.stderr.txt');
    const core = join(CORES, '3.11-debugmalloc-trace.core.gz');
    const text = pycore(['explain', log, '--core', core, '--sysroot', SYSROOT]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Core: .*3\.11-debugmalloc-trace\.core\.gz \(Python 3\.11\.7, SIGABRT\); 1 of the log's 1 thread id found in it$/m);
    expect(text.stdout).toMatch(/^ {6}Block p=0x[0-9a-f]+: trailing-pad /m);
    expect(text.stdout).toMatch(/^ {6}Object 0x[0-9a-f]+: bytes b's{20}' \(refcount \d+\)$/m);
    expect(text.stdout).toMatch(/^ {8}Py {2}File ".*debugmalloc_trace\.py", line \d+ in main$/m);
    const json = JSON.parse(pycore(['explain', log, '--core', core, '--sysroot', SYSROOT, '--format', 'json']).stdout);
    expect(json.core.threads_matched).toBe(1);
    expect(json.findings.find((x: { kind: string }) => x.kind === 'trailing-pad').details.core.block.state).toBe('trailing-pad');
    const bad = pycore(['explain', log, '--core', join(CORES, 'no-such.core')]);
    expect(bad.code).not.toBe(0);
    expectOneLineError(bad);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/no-such\.core/);
  });
});
