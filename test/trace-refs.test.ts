// Py_TRACE_REFS builds: every object header starts with _ob_next/_ob_prev (3.8-3.12), so every
// field sits 16 bytes later, and the refchain those links form lists every live object. Checked on
// the corpus label 3.12-tracerefs (CPython 3.12.1 --with-trace-refs --with-pydebug) two ways: the
// hermetic sysroot (stripped binaries: the built-in 3.12-trace-refs table), and the build's own
// DWARF at run time where the build is installed (/opt/py312-tracerefs), as its users have it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.js';
import { openCore } from '../src/cli/open-core.js';
import { generatedLayouts } from '../src/cpython-layouts/generated/index.js';
import { builtinLayout, formatLayoutError, selectLayout } from '../src/cpython-layouts/layout.js';
import { parseVersionString } from '../src/cpython-layouts/version.js';
import { walkCircularList } from '../src/cpython/gc.js';
import { defaultHeapLimits, Heap, SOURCE } from '../src/cpython/heap.js';
import { openHeap } from '../src/analysis/heap/session.js';
import type { HeapMemory } from '../src/cpython/heap-memory.js';
import { err, ok } from '../src/io/result.js';
import { expectOneLineError, pycore } from './helpers/cli.js';
import { corpusCores, ROOT, SYSROOT, type CorpusCore } from './helpers/corpus.js';

const tmp = mkdtempSync(join(tmpdir(), 'pycore-tracerefs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cores = corpusCores().filter((c) => c.truth.label === '3.12-tracerefs');
const v312 = parseVersionString('3.12.1')!;

interface RefchainTruth {
  types: [string, string, number, number][];
  objects: number;
}

function expectTracebacks(report: ReturnType<typeof analyze>['report'], c: CorpusCore): void {
  expect(report.python?.build).toBe('trace-refs');
  expect(report.threads.map((t) => t.thread_id)).toEqual(c.truth.threads.map((t) => t.thread_id));
  for (const [i, tt] of c.truth.threads.entries()) {
    expect(report.threads[i].frames.length).toBe(tt.depth);
    expect(report.threads[i].frames.map((f) => ({ function: f.function, file: f.file, line: f.line }))).toEqual(tt.frames.map((f) => ({ function: f.function, file: f.file, line: f.line })));
  }
}

/** `pycore heap --format json` with its own cache directory (DWARF layouts are cached there). */
function heapJson(args: string[], cache: string): { census: Record<string, unknown> & { types: { type_address: string; count: number }[]; objects_total: number; sources: Record<string, unknown> } } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'pycore.js'), 'heap', ...args, '--format', 'json', '--top', '0'], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PYCORE_CACHE_DIR: cache },
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return { census: JSON.parse(r.stdout) };
}

function expectRefchainCensus(census: ReturnType<typeof heapJson>['census'], truth: RefchainTruth): void {
  const mine = new Map(census.types.map((t) => [Number(t.type_address), t.count]));
  const want = new Map(truth.types.map(([, , id, n]) => [id, n]));
  expect(mine).toEqual(want);
  expect(census.objects_total).toBe(truth.objects);
  expect(census.sources.refchain).toMatchObject({ objects: truth.objects, complete: true });
}

describe('Py_TRACE_REFS corpus cores', () => {
  it('has the segv-threads, heap and locals cores of the trace-refs build', () => {
    expect(cores.map((c) => c.truth.scenario).sort()).toEqual(['heap', 'locals', 'segv-threads']);
    for (const c of cores) expect(c.truth.python.build).toBe('trace-refs');
  });

  it.each(cores.map((c) => [c.name, c] as const))('%s: hermetic (stripped sysroot): built-in trace-refs table, the recorded tracebacks', async (_n, c) => {
    const { report, fatal } = analyze(await openCore(c.core, { sysroot: SYSROOT }), { runtime: { cacheRoot: join(tmp, 'hermetic') } });
    expect(fatal).toBeNull();
    expect(report.python?.layout_source).toBe('builtin');
    expectTracebacks(report, c);
  });

  it('--layouts dwarf on the stripped sysroot fails with one line saying what to pass', () => {
    const heap = cores.find((c) => c.truth.scenario === 'heap')!;
    const r = pycore(['analyze', heap.core, '--sysroot', SYSROOT, '--layouts', 'dwarf']);
    expect(r.code).not.toBe(0);
    expect(expectOneLineError(r)).toMatch(/--layouts dwarf: .*pass another --layouts source/);
  });
});

// The build itself, with its DWARF: what a user of such a build has.
const lib = '/opt/py312-tracerefs/lib/libpython3.12d.so.1.0';
if (!existsSync(lib)) console.log(`trace-refs: skipping DWARF at run time: ${lib} is not installed (corpus/README.md says how to build it)`);

describe.runIf(existsSync(lib))('Py_TRACE_REFS build with its DWARF at run time', () => {
  it.each(cores.map((c) => [c.name, c] as const))('%s: layouts from DWARF equal the built-in table and give the recorded tracebacks', async (_n, c) => {
    const cacheRoot = join(tmp, 'dwarf');
    const target = await openCore(c.core, {});
    const { report, fatal } = analyze(target, { runtime: { cacheRoot } });
    expect(fatal).toBeNull();
    expect(report.python?.layout_source).toBe('dwarf');
    expectTracebacks(report, c);
    // What src/dwarf extracted at run time (cached per build-id) is the committed table.
    const cached = readdirSync(join(cacheRoot, 'layouts')).filter((f) => f.endsWith('.json'));
    expect(cached).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(cacheRoot, 'layouts', cached[0]), 'utf8')).structs).toEqual(generatedLayouts['3.12-trace-refs'].structs);
  });

  it('the heap census from the refchain equals sys.getobjects(0), with DWARF as with the table', () => {
    const c = cores.find((x) => x.truth.scenario === 'heap')!;
    const truth = (c.truth as unknown as { refchain_census: RefchainTruth }).refchain_census;
    const viaDwarf = heapJson([c.core], join(tmp, 'heap-dwarf')).census;
    expectRefchainCensus(viaDwarf, truth);
    const viaTable = heapJson([c.core, '--sysroot', SYSROOT], join(tmp, 'heap-table')).census;
    expectRefchainCensus(viaTable, truth);
  });
});

describe('layout selection for a Py_TRACE_REFS build', () => {
  it('takes the trace-refs table when there is no DWARF, and never the release one', () => {
    const r = selectLayout({ version: v312, debugOffsets: null, traceRefs: true, dwarf: () => err('no DWARF here') });
    expect(r.ok && r.value.source).toBe('builtin');
    expect(r.ok && r.value.offsets['object.type']).toBe(generatedLayouts['3.12-trace-refs'].structs.PyObject.fields.ob_type);
    expect(r.ok && r.value.offsets['object.next']).toBe(0);
  });

  it('passes over debug info of another build (no _ob_next) with a note', () => {
    const r = selectLayout({ version: v312, debugOffsets: null, traceRefs: true, dwarf: () => ok(generatedLayouts['3.12']) });
    expect(r.ok && r.value.source).toBe('builtin');
    expect(r.ok && r.value.offsets['object.type']).toBe(24);
    expect(r.ok && r.value.notes?.[0]).toMatch(/^layouts not from DWARF: .*_ob_next/);
  });

  it('refuses a version without a trace-refs table, naming what to pass', () => {
    const r = builtinLayout(parseVersionString('3.11.7')!, { traceRefs: true });
    expect(r.ok).toBe(false);
    expect(!r.ok && formatLayoutError(r.error)).toMatch(/no built-in layout for a Py_TRACE_REFS build of 3\.11 .*pass the build's debug info/);
    // 3.13 keeps the release header (its refchain is a hashtable): the release table applies.
    const t13 = builtinLayout(parseVersionString('3.13.0')!, { traceRefs: true });
    expect(t13.ok && t13.value.offsets['object.type']).toBe(8);
  });

  it('moves the stable-ABI PyModuleDef fields by the bigger header', () => {
    const rel = builtinLayout(v312);
    const tr = builtinLayout(v312, { traceRefs: true });
    expect(rel.ok && rel.value.offsets['moduledef.methods']).toBe(64);
    expect(tr.ok && tr.value.offsets['moduledef.methods']).toBe(80);
  });
});

describe('refchain bound', () => {
  it('a refchain longer than the bound is used for what it gives; the other sources still count everything', async () => {
    const c = cores.find((x) => x.truth.scenario === 'heap')!;
    const s = openHeap(await openCore(c.core, { sysroot: SYSROOT }));
    if ('fatal' in s) throw new Error(s.fatal);
    const full = s.heap.walk(() => {});
    const bounded = new Heap(s.rt, s.target, s.objects.decoder, s.interpreters, { ...defaultHeapLimits, maxRefchain: 1000 });
    let marked = 0;
    const sum = bounded.walk((o) => {
      if (o.sources & SOURCE.refchain) marked++;
    });
    expect(sum.refchain).toMatchObject({ onChain: 1000, complete: false, offChain: 0 });
    expect(marked).toBe(1000);
    expect(sum.problems.some((p) => /^refchain of interpreter 0: list limit at 0x[0-9a-f]+ after 1000 objects$/.test(p))).toBe(true);
    // Without the refchain's word the census is the union of the other sources: of the objects only
    // the refchain lists, only those within the bound remain. The one pymalloc block that looked like
    // an object but is not on the refchain (a dead object) is refused by the validation already, so
    // the refchain has nothing left to veto.
    const offChain = full.refchain && 'offChain' in full.refchain ? full.refchain.offChain : -1;
    expect(offChain).toBe(0);
    expect(full.rejected.dead?.count).toBeGreaterThan(0);
    expect(sum.objects).toBe(full.objects + offChain - full.bySource.refchainOnly + sum.bySource.refchainOnly);
    expect({ ...sum.bySource, refchainOnly: 0 }).toEqual({ ...full.bySource, pymalloc: full.bySource.pymalloc + offChain, refchainOnly: 0 });
    bounded.close();
    s.heap.close();
  });
});

describe('refchain walk on a damaged list', () => {
  // Nodes are objects whose _ob_next is at 0 and _ob_prev at 8 (as in the trace-refs header).
  function memory(links: Record<number, [number, number]>): HeapMemory {
    return { u64: (a: number) => (links[a - (a % 16)] ? links[a - (a % 16)][(a % 16) / 8] : null) } as unknown as HeapMemory;
  }
  const L = { next: 0, prev: 8, object: 0, tagBits: 1 };

  it('walks a sound list back to its head', () => {
    const seen: number[] = [];
    const w = walkCircularList(memory({ 0x100: [0x200, 0x300], 0x200: [0x300, 0x100], 0x300: [0x100, 0x200] }), 0x100, L, false, 100, (p) => seen.push(p));
    expect(w).toEqual({ count: 2 });
    expect(seen).toEqual([0x200, 0x300]);
  });

  it('stops at a loop that does not pass the head, at a broken back link, at unreadable memory and at the bound', () => {
    // 0x300 -> 0x200 again: 0x200's back link names the head, not 0x300.
    expect(walkCircularList(memory({ 0x100: [0x200, 0x300], 0x200: [0x300, 0x100], 0x300: [0x200, 0x200] }), 0x100, L, false, 100, () => {}).stopped).toEqual({ reason: 'broken-link', at: 0x200 });
    expect(walkCircularList(memory({ 0x100: [0x200, 0x300], 0x200: [0x900, 0x100] }), 0x100, L, false, 100, () => {}).stopped).toEqual({ reason: 'unreadable', at: 0x900 });
    expect(walkCircularList(memory({ 0x100: [0x200, 0x300], 0x200: [0x300, 0x100], 0x300: [0x100, 0x200] }), 0x100, L, false, 1, () => {}).stopped).toEqual({ reason: 'limit', at: 0x300 });
  });
});
