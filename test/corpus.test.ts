// Every corpus core gives exactly the ground truth CPython recorded when it was made:
// faulthandler's own output for crashes, sys._current_frames() for live snapshots.
import { describe, expect, it } from 'vitest';
import { renderAnalyzeJson } from '../src/reports/json.js';
import { faulthandlerBlock } from '../src/reports/faulthandler-text.js';
import { analyzeCore, corpusCores } from './helpers/corpus.js';

const cores = corpusCores();

describe('corpus', () => {
  it('has cores for every version and scenario', () => {
    const labels = new Set(cores.map((c) => c.truth.label));
    for (const l of ['2.7', '3.6', '3.7', '3.8', '3.9', '3.10', '3.11', '3.12', '3.13', '3.13t', 'debian-3.11']) expect(labels).toContain(l);
    const scenarios = new Set(cores.map((c) => c.truth.scenario));
    for (const s of ['segv-threads', 'abort', 'gcore-live', 'recursion']) expect(scenarios).toContain(s);
  });

  for (const c of cores) {
    describe(c.name, () => {
      it('matches the recorded threads, frames, current thread and signal', async () => {
        const { report, fatal } = await analyzeCore(c.core);
        expect(fatal).toBeNull();
        const t = c.truth;
        expect(report.python?.version).toBe(t.python.version);
        expect(report.python?.build).toBe(t.python.build);
        expect(report.process.pid).toBe(t.process.pid);
        expect(report.process.argv).toEqual(t.process.argv);
        expect(report.signal?.number ?? null).toBe(t.signal?.number ?? null);
        expect(report.threads.map((x) => x.thread_id)).toEqual(t.threads.map((x) => x.thread_id));
        for (const [i, tt] of t.threads.entries()) {
          const mine = report.threads[i];
          expect(mine.current, `current flag of ${tt.thread_id}`).toBe(tt.current);
          expect(mine.native_id, `native id of ${tt.thread_id}`).toBe(tt.native_id);
          expect(mine.frames.length, `depth of ${tt.thread_id}`).toBe(tt.depth);
          const got = mine.frames.slice(0, tt.frames.length).map((f) => ({ function: f.function, file: f.file, line: f.line }));
          expect(got).toEqual(tt.frames.map((f) => ({ function: f.function, file: f.file, line: f.line })));
          tt.frames.forEach((f, k) => {
            if (f.qualname !== null) expect(mine.frames[k].qualname, `qualname of frame ${k}`).toBe(f.qualname);
          });
        }
        // The one expected note: a Py_FatalError abort, where CPython (not faulthandler) printed the dump.
        const expected: unknown[] = (t as { fatal_error?: string | null }).fatal_error ? [expect.stringMatching(/^the process aborted in Py_FatalError, called by /)] : [];
        // qemu-user's cores of its guest have no NT_FILE: the files are rebuilt, and that is said.
        if ((t as { machine?: string }).machine?.includes('qemu-user')) expected.unshift(expect.stringMatching(/^the core has no NT_FILE note: mapped files rebuilt from AT_PHDR and the dynamic linker's list \(\d+ files\)$/));
        expect(report.warnings).toEqual(expected);
      });

      if (c.truth.faulthandler_text !== null) {
        it("reproduces faulthandler's text byte for byte", async () => {
          const { report } = await analyzeCore(c.core);
          expect(faulthandlerBlock(report).join('\n') + '\n').toBe(c.truth.faulthandler_text);
        });
      }

      it('gives JSON with the documented names', async () => {
        const { report } = await analyzeCore(c.core);
        const j = JSON.parse(renderAnalyzeJson(report));
        expect(Object.keys(j)).toEqual(expect.arrayContaining(['python', 'process', 'signal', 'crash_site', 'threads', 'warnings']));
        expect(j.python).toMatchObject({ version: c.truth.python.version, executable: expect.any(String), build: c.truth.python.build });
        for (const th of j.threads) {
          expect(Object.keys(th)).toEqual(expect.arrayContaining(['native_id', 'thread_id', 'current', 'frames']));
          for (const f of th.frames) expect(Object.keys(f)).toEqual(expect.arrayContaining(['function', 'qualname', 'file', 'line']));
        }
      });
    });
  }
});
