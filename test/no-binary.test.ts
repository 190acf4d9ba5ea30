// 3.13 cores analyzed with every binary hidden: _PyRuntime is found by scanning for the
// _Py_DebugOffsets cookie and the tracebacks still equal CPython's own.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCore, corpusCores } from './helpers/corpus.js';

const empty = mkdtempSync(join(tmpdir(), 'pycore-empty-sysroot-'));
// The free-threaded 3.13t cores too: the _Py_DebugOffsets flag says free-threaded, which picks its table.
const cores = corpusCores().filter((c) => (c.truth.label === '3.13' || c.truth.label === '3.13t') && c.truth.scenario !== 'big');

describe('3.13 without binaries', () => {
  it('has 3.13 cores', () => expect(cores.filter((c) => c.truth.label === '3.13').length).toBeGreaterThanOrEqual(4));
  it('has 3.13t cores', () => expect(cores.filter((c) => c.truth.label === '3.13t').length).toBeGreaterThanOrEqual(4));
  for (const c of cores) {
    it(`${c.name}: tracebacks equal the truth with an empty --sysroot`, async () => {
      const { report, fatal } = await analyzeCore(c.core, { sysroot: empty });
      expect(fatal).toBeNull();
      expect(report.python?.found_by).toBe('scan');
      expect(report.python?.version).toBe(c.truth.python.version);
      expect(report.python?.build).toBe(c.truth.python.build);
      expect(report.warnings.join('\n')).toMatch(/found by scanning the core for _Py_DebugOffsets/);
      expect(report.threads.map((t) => t.thread_id)).toEqual(c.truth.threads.map((t) => t.thread_id));
      for (const [i, tt] of c.truth.threads.entries()) {
        const mine = report.threads[i];
        expect(mine.current).toBe(tt.current);
        expect(mine.frames.slice(0, tt.frames.length).map((f) => [f.function, f.file, f.line])).toEqual(tt.frames.map((f) => [f.function, f.file, f.line]));
      }
    });
  }
});
