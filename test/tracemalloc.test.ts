// Allocation tracebacks from tracemalloc's tables (corpus/scenarios/debugmalloc_trace.py, run
// with PYTHONMALLOC=debug and PYTHONTRACEMALLOC=5): the tripped block's report, traceback
// included, equals what CPython printed byte for byte; every damaged object's traceback equals
// tracemalloc.get_object_traceback() recorded by the scenario. Without tracemalloc (the
// debugmalloc scenario) the report ends with CPython's hint, as CPython's did.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { debugBlockText } from '../src/reports/debug-block-text.js';
import { allocationTracebackText } from '../src/reports/tracemalloc-text.js';
import type { MemoryErrorView } from '../src/analysis/memory-check.js';
import { analyzeCore, corpusCores } from './helpers/corpus.js';

interface Fact { address: string; requested: number; written: string; traceback?: [string, number][] | null }
type Facts = Record<'survivor' | 'victim' | 'hidden', Fact>;

const facts = (c: { truth: unknown }) => (c.truth as { snapshot: { extra: { debugmalloc: Facts } } }).snapshot.extra.debugmalloc;

/** CPython's report of the block that tripped: from its dump's first line to the fatal error line. */
function printedReport(core: string): string {
  const stderr = readFileSync(core.replace(/\.core\.gz$/, '.stderr.txt'), 'utf8');
  const start = stderr.indexOf('Debug memory block at address p=');
  const end = stderr.indexOf('Fatal Python error:', start);
  return stderr.slice(start, end);
}

const cpythonText = (e: MemoryErrorView) => [...debugBlockText(e), ...allocationTracebackText(e)].join('\n') + '\n';

const traced = corpusCores().filter((c) => c.truth.scenario === 'debugmalloc-trace');

describe('allocation tracebacks (tracemalloc)', () => {
  it('has a debugmalloc-trace core for 3.8 to 3.13', () => expect(traced.map((c) => c.truth.label).sort()).toEqual(['3.10', '3.11', '3.12', '3.13', '3.8', '3.9']));

  for (const c of traced) {
    it(`${c.name}: the tripped block and where it was allocated, as CPython printed them; every damaged object's traceback`, async () => {
      const f = facts(c);
      const { report } = await analyzeCore(c.core);
      const byAddress = new Map(report.memory_errors.map((e) => [e.address, e]));
      expect([...byAddress.keys()].sort()).toEqual([f.victim.address, f.survivor.address, f.hidden.address].sort());
      const victim = byAddress.get(f.victim.address)!;
      expect(cpythonText(victim)).toBe(printedReport(c.core));
      expect(printedReport(c.core)).toContain('Memory block allocated at (most recent call first):');
      for (const which of ['victim', 'survivor', 'hidden'] as const) {
        const e = byAddress.get(f[which].address)!;
        expect(e.tracemalloc, which).toBe('traced');
        expect(e.allocated_at!.map((x) => [x.filename, x.lineno]), which).toEqual(f[which].traceback);
      }
    });
  }

  for (const c of corpusCores().filter((x) => x.truth.scenario === 'debugmalloc')) {
    it(`${c.name}: tracemalloc off, and the report ends with CPython's hint`, async () => {
      const { report } = await analyzeCore(c.core);
      const victim = report.memory_errors.find((e) => e.address === facts(c).victim.address)!;
      expect(victim.tracemalloc).toBe('not-tracing');
      expect(victim.allocated_at).toBeNull();
      expect(cpythonText(victim)).toBe(printedReport(c.core));
    });
  }
});
