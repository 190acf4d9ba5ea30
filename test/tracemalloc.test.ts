// Allocation tracebacks from tracemalloc's tables (corpus/scenarios/debugmalloc_trace.py, run
// with PYTHONMALLOC=debug and PYTHONTRACEMALLOC=5): the tripped block's report, traceback
// included, equals what CPython printed byte for byte; every damaged object's traceback equals
// tracemalloc.get_object_traceback() recorded by the scenario. Without tracemalloc (the
// debugmalloc scenario) the report ends with CPython's hint, as CPython's did.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { debugBlockText } from '../src/reports/debug-block-text.js';
import { allocationTracebackText } from '../src/reports/tracemalloc-text.js';
import { renderAnalyzeText } from '../src/reports/text.js';
import { renderAnalyzeMarkdown } from '../src/reports/markdown.js';
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
  it('has a debugmalloc-trace core for 3.6 to 3.13', () => expect(traced.map((c) => c.truth.label).sort()).toEqual(['3.10', '3.11', '3.12', '3.13', '3.6', '3.7', '3.8', '3.9']));

  for (const c of traced) {
    it(`${c.name}: the tripped block and where it was allocated, as CPython printed them; every damaged object's traceback`, async () => {
      const f = facts(c);
      const { report } = await analyzeCore(c.core);
      const byAddress = new Map(report.memory_errors.map((e) => [e.address, e]));
      expect([...byAddress.keys()].sort()).toEqual([f.victim.address, f.survivor.address, f.hidden.address].sort());
      const victim = byAddress.get(f.victim.address)!;
      expect(cpythonText(victim)).toBe(printedReport(c.core));
      expect(printedReport(c.core)).toContain('Memory block allocated at (most recent call first):');
      // analyze's text shows CPython's report of the block, traceback included, then pycore's own lines.
      expect(renderAnalyzeText(report)).toContain(printedReport(c.core).slice(0, -1) + '    pycore: trailing-pad;');
      expect(renderAnalyzeMarkdown(report)).toContain('```text\nMemory block allocated at (most recent call first):\n');
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

describe('show: where tracemalloc recorded an object', () => {
  for (const c of traced) {
    it(`${c.name}: get_object_traceback() of the objects the scenario recorded`, async () => {
      const { openCore } = await import('../src/cli/open-core.js');
      const { findRuntime } = await import('../src/cpython/runtime.js');
      const { Objects } = await import('../src/analysis/objects.js');
      const { defaultLimits } = await import('../src/cpython/limits.js');
      const { allocationTracer, objectAllocation } = await import('../src/analysis/allocation-traceback.js');
      const { SYSROOT } = await import('./helpers/corpus.js');
      const t = await openCore(c.core, { sysroot: SYSROOT });
      const rt = findRuntime(t);
      if (!rt.ok) throw new Error('runtime');
      const objects = Objects.create(rt.value, t);
      const tracer = allocationTracer(rt.value, t, defaultLimits);
      const f = facts(c);
      for (const which of ['survivor', 'hidden'] as const) {
        const got = objectAllocation(objects.decoder, Number.parseInt(f[which].address, 16), tracer);
        expect(got?.state, which).toBe('traced');
        expect(got!.frames.map((x) => [x.filename, x.lineno]), which).toEqual(f[which].traceback);
      }
      // The damaged block of the freed victim is no object any more: no traceback is claimed for it.
      expect(objectAllocation(objects.decoder, Number.parseInt(f.victim.address, 16), tracer)).toBeNull();
    });
  }
});

describe('tracemalloc tables: malformed input', () => {
  // A hand-made 3.9+ traces table in a flat memory image: config at 0x1000, table variable at 0x1100,
  // table at 0x1200, buckets at 0x1300, entries from 0x2000.
  async function setup(write: (b: Buffer) => void) {
    const { Reader } = await import('../src/cpython/reader.js');
    const { tracemallocLayout } = await import('../src/cpython-layouts/tracemalloc-layout.js');
    const { defaultLimits } = await import('../src/cpython/limits.js');
    const { lookupTrace } = await import('../src/cpython/tracemalloc.js');
    const img = Buffer.alloc(0x4000);
    const base = 0x10000;
    img.writeInt32LE(1, 0x1000 + 4); // tracing
    img.writeInt32LE(5, 0x1000 + 8); // max_nframe
    img.writeBigUInt64LE(BigInt(base + 0x1200), 0x1100);
    img.writeBigUInt64LE(4n, 0x1200 + 8); // nbuckets
    img.writeBigUInt64LE(BigInt(base + 0x1300), 0x1200 + 16);
    write(img);
    const mem = { read: (a: number, n: number) => (a >= base && a + n <= base + img.length ? img.subarray(a - base, a - base + n) : null), fault: () => null, pointerSize: 8, littleEndian: true };
    const T = tracemallocLayout({ major: 3, minor: 12, micro: 1, releaseLevel: 'final', serial: 0 } as never)!;
    return (ptr: number) => lookupTrace(new Reader(mem), {} as never, T, { config: base + 0x1000, tracesVar: base + 0x1100 }, ptr, { ...defaultLimits, maxHashChain: 50 });
  }

  it('a bucket chain that loops back on itself ends at the limit with a reason', async () => {
    const look = await setup((img) => {
      for (let b = 0; b < 4; b++) img.writeBigUInt64LE(BigInt(0x10000 + 0x2000), 0x1300 + b * 8);
      img.writeBigUInt64LE(BigInt(0x10000 + 0x2000), 0x2000); // next -> itself
    });
    const got = look(0x7f0000001000);
    expect(got.kind).toBe('unreadable');
    expect((got as { reason: string }).reason).toMatch(/longer than 50 entries/);
  });

  it('a config whose max_nframe is out of range is not tracemalloc\'s (a layout of another release)', async () => {
    const look = await setup((img) => img.writeInt32LE(0, 0x1000 + 8));
    expect(look(0x7f0000001000)).toEqual({ kind: 'unreadable', reason: expect.stringMatching(/max_nframe 0/) });
  });

  it('a table whose bucket count is not a power of two is not trusted', async () => {
    const look = await setup((img) => img.writeBigUInt64LE(6n, 0x1200 + 8));
    expect(look(0x7f0000001000)).toEqual({ kind: 'unreadable', reason: expect.stringMatching(/6 buckets, not a power of two/) });
  });

  it('a chain into unmapped memory and an empty bucket', async () => {
    const cut = await setup((img) => { for (let b = 0; b < 4; b++) img.writeBigUInt64LE(0xdead0000n, 0x1300 + b * 8); });
    expect(cut(0x7f0000001000).kind).toBe('unreadable');
    const empty = await setup(() => {});
    expect(empty(0x7f0000001000)).toEqual({ kind: 'untraced' });
  });

  it('a traceback claiming 65535 frames of unmapped memory is unreadable, not a huge allocation', async () => {
    const look = await setup((img) => {
      const ptr = 0x7f0000001000;
      const hash = ((BigInt(ptr) >> 4n) | (BigInt(ptr) << 60n)) & 0xffffffffffffffffn;
      img.writeBigUInt64LE(BigInt(0x10000 + 0x2000), 0x1300 + Number(hash & 3n) * 8);
      img.writeBigUInt64LE(hash, 0x2000 + 8);
      img.writeBigUInt64LE(BigInt(ptr), 0x2000 + 16);
      img.writeBigUInt64LE(BigInt(0x10000 + 0x2100), 0x2000 + 24); // trace_t
      img.writeBigUInt64LE(16n, 0x2100);
      img.writeBigUInt64LE(BigInt(0x10000 + 0x3f00), 0x2100 + 8); // traceback near the end of the image
      img.writeUInt16LE(65535, 0x3f00 + 8);
    });
    const got = look(0x7f0000001000);
    expect(got.kind).toBe('unreadable');
    expect((got as { reason: string }).reason).toMatch(/65535 frames/);
  });
});
