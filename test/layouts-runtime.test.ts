// Layouts at run time: the order DWARF > _Py_DebugOffsets > built-in table, --layouts forcing one,
// and the per-build-id cache of layouts extracted from DWARF. Tracebacks decoded with a layout
// from each source must equal the ground truth CPython recorded for the core.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.js';
import { openCore } from '../src/cli/open-core.js';
import { generatedLayouts } from '../src/cpython-layouts/generated/index.js';
import { layoutCachePath, readCachedLayout, writeCachedLayout } from '../src/cpython-layouts/layout-cache.js';
import { selectLayout } from '../src/cpython-layouts/layout.js';
import { parseVersionString } from '../src/cpython-layouts/version.js';
import { ok, err } from '../src/io/result.js';
import type { LayoutChoice } from '../src/cpython-layouts/layout.js';
import { corpusCores, SYSROOT, type CorpusCore } from './helpers/corpus.js';

const tmp = mkdtempSync(join(tmpdir(), 'pycore-layouts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const v312 = parseVersionString('3.12.1')!;
const v313 = parseVersionString('3.13.0')!;

describe('selectLayout', () => {
  const table = generatedLayouts['3.12'];
  it('prefers DWARF, then falls back to the built-in table with a note', () => {
    const d = selectLayout({ version: v312, debugOffsets: null, dwarf: () => ok(table) });
    expect(d.ok && d.value.source).toBe('dwarf');
    const b = selectLayout({ version: v312, debugOffsets: null, dwarf: () => err('no DWARF here') });
    expect(b.ok && b.value.source).toBe('builtin');
    expect(b.ok && b.value.notes).toEqual(['layouts not from DWARF: no DWARF here']);
    expect(b.ok && d.ok && b.value.offsets).toEqual(d.ok && d.value.offsets);
  });

  it('--layouts forces one source or fails naming it', () => {
    let asked = false;
    const builtin = selectLayout({ version: v312, debugOffsets: null, force: 'builtin', dwarf: () => ((asked = true), ok(table)) });
    expect(builtin.ok && builtin.value.source).toBe('builtin');
    expect(asked).toBe(false);
    const dwarf = selectLayout({ version: v312, debugOffsets: null, force: 'dwarf', dwarf: () => err('x has no DWARF') });
    expect(!dwarf.ok && dwarf.error).toEqual({ kind: 'unavailable', source: 'dwarf', reason: 'x has no DWARF' });
    const dbg = selectLayout({ version: v312, debugOffsets: null, force: 'debug-offsets', dwarf: () => ok(table) });
    expect(!dbg.ok && dbg.error.kind).toBe('unavailable');
  });

  it('a DWARF table missing required fields is passed over', () => {
    const empty = { ...table, structs: {} };
    const r = selectLayout({ version: v312, debugOffsets: null, dwarf: () => ok(empty) });
    expect(r.ok && r.value.source).toBe('builtin');
    expect(r.ok && r.value.notes?.[0]).toMatch(/^layouts not from DWARF: the DWARF layout for Python 3.12 lacks /);
  });
});

describe('layout cache', () => {
  it('round-trips a layout by build-id and ignores corrupt or foreign entries', () => {
    const g = { ...generatedLayouts['3.13'], generatedFrom: { ...generatedLayouts['3.13'].generatedFrom, buildId: 'abcdef0123' } };
    writeCachedLayout(tmp, 'abcdef0123', g);
    expect(readCachedLayout(tmp, 'abcdef0123')).toEqual(g);
    expect(readCachedLayout(tmp, '0123456789')).toBeNull();
    expect(readCachedLayout(tmp, '../../etc')).toBeNull();
    writeFileSync(layoutCachePath(tmp, 'abcdef0123'), '{"version": 3');
    expect(readCachedLayout(tmp, 'abcdef0123')).toBeNull();
  });
});

function expectTruth(report: Awaited<ReturnType<typeof analyze>>['report'], c: CorpusCore): void {
  expect(report.python?.version).toBe(c.truth.python.version);
  expect(report.threads.map((t) => t.thread_id)).toEqual(c.truth.threads.map((t) => t.thread_id));
  for (const [i, tt] of c.truth.threads.entries()) {
    expect(report.threads[i].frames.length).toBe(tt.depth);
    expect(report.threads[i].frames.slice(0, tt.frames.length).map((f) => ({ function: f.function, file: f.file, line: f.line }))).toEqual(tt.frames.map((f) => ({ function: f.function, file: f.file, line: f.line })));
  }
  expect(report.warnings).toEqual([]);
}

const segv = corpusCores().filter((c) => c.truth.scenario === 'segv-threads' && /^3\.\d+$/.test(c.truth.label));

describe.each(segv.map((c) => [c.truth.label, c] as const))('analyze %s with each layout source', (label, c) => {
  it.each(['builtin', 'debug-offsets', 'dwarf'] as LayoutChoice[])('--layouts %s gives the recorded tracebacks', async (force) => {
    const cacheRoot = join(tmp, `cache-${label}-${force}`);
    const target = await openCore(c.core, { sysroot: SYSROOT });
    if (force === 'dwarf') {
      // The sysroot copy is stripped: seed the cache (keyed by its build-id) with the table that
      // npm run layouts extracted from the same build's DWARF, as a first run would have written it.
      const lib = target.modules.find((m) => m.path.includes('libpython'))!;
      writeCachedLayout(cacheRoot, lib.elf!.buildId()!, generatedLayouts[label]);
    }
    const { report, fatal } = analyze(target, { runtime: { layouts: force, cacheRoot } });
    const hasOffsets = parseVersionString(label)!.minor >= 13;
    if (force === 'debug-offsets' && !hasOffsets) {
      expect(fatal).toMatch(/^--layouts debug-offsets: no _Py_DebugOffsets in this core/);
      return;
    }
    expect(fatal).toBeNull();
    expect(report.python?.layout_source).toBe(force);
    expectTruth(report, c);
  });
});

const pyenv = process.env.PYENV_ROOT ?? '/root/.pyenv';
const real = segv.filter((c) => existsSync(c.truth.python.executable ?? ''));
if (real.length === 0) console.log(`layouts-runtime: skipping extraction from real DWARF at run time: no CPython build under ${pyenv}`);

describe.runIf(real.length > 0)('layouts from the real builds’ DWARF at run time', () => {
  it.each(real.map((c) => [c.truth.label, c] as const))('%s: extracts, caches, and decodes the recorded tracebacks', async (label, c) => {
    const cacheRoot = join(tmp, `real-${label}`);
    const t0 = performance.now();
    const first = analyze(await openCore(c.core, {}), { runtime: { cacheRoot } });
    const cold = performance.now() - t0;
    expect(first.report.python?.layout_source).toBe('dwarf');
    expectTruth(first.report, c);
    const lib = first.report.python!.module;
    const cached = readdirJson(join(cacheRoot, 'layouts'));
    expect(cached).toHaveLength(1);
    expect(JSON.parse(readFileSync(cached[0], 'utf8')).structs).toEqual(generatedLayouts[label].structs);
    const second = analyze(await openCore(c.core, {}), { runtime: { cacheRoot } });
    expect(second.report.python?.layout_source).toBe('dwarf');
    expect(lib).toContain('libpython');
    expect(cold).toBeLessThan(10_000);
  });
});

function readdirJson(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f)) : [];
}
