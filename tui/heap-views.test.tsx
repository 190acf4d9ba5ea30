// The heap views of the TUI (h census, instances, r referrers, p path, m pymalloc, e memory
// errors) on real corpus cores, checked against what CPython recorded in those runs: gc counts
// per type, gc.get_referrers(TARGET), sys._debugmallocstats() and the debug allocator's report.
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CORES, corpusCores, SYSROOT } from '../test/helpers/corpus.js';
import { pycore } from '../test/helpers/cli.js';
import type { HeapReport } from '../src/analysis/heap/view-model.js';
import { censusTitle } from './screens/heap/census-screen.js';
import { KEY, loadCore, renderTui, type CoreData, type Screen } from '../test/helpers/tui.js';
import { join } from 'node:path';

const hex = (n: number) => `0x${n.toString(16)}`;
const WALK_MS = 30_000;
const BIG = { columns: 140, rows: 60 };

interface HeapTruth {
  gc_types: [string, string, number, number, number][];
  known: Record<string, number>;
  referrers: { target: number; referrers: [string, string, number, number][]; recording_frame: number };
}
const extraOf = <T,>(name: string) => (corpusCores().find((c) => c.name === name)!.truth as unknown as { snapshot: { extra: T } }).snapshot.extra;

let screen: Screen | null = null;
afterEach(() => screen?.unmount());
async function open(core: CoreData, size = BIG): Promise<Screen> {
  screen = await renderTui(core.data, size);
  return screen;
}
const rowOf = (text: string, needle: string) => text.split('\n').find((l) => l.includes(needle)) ?? '';

describe('heap views on 3.12-heap', () => {
  const name = '3.12-heap';
  let core: CoreData;
  let truth: HeapTruth;
  beforeAll(async () => {
    core = await loadCore(name, { locals: false });
    truth = extraOf<HeapTruth>(name);
  });

  it('h: census with the recorded counts, sorted and filtered; Enter lists the instances and opens one', async () => {
    const s = await open(core);
    await s.press('h');
    let text = await s.waitFor('Heap census:', WALK_MS);
    expect(text).toContain('sorted by bytes');
    await s.press('s');
    text = await s.waitFor('count ▼');
    // Sorted by count: the rows' counts never grow downwards.
    const counts = text.split('\n').map((l) => /^[›· ] \S.*?\s(\d+)\s+\d+~?\s*$/.exec(l)).filter((m) => m !== null).map((m) => Number(m![1]));
    expect(counts.length).toBeGreaterThan(10);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    const [, , , leakyCount, leakyBytes] = truth.gc_types.find((t) => t[0] === '__main__' && t[1] === 'Leaky')!;
    await s.press('/', ...'Leaky', KEY.enter);
    text = await s.waitFor('filter: Leaky');
    expect(rowOf(text, '__main__.Leaky').split(/\s+/).filter(Boolean).slice(-2)).toEqual([String(leakyCount), String(leakyBytes)]);
    await s.press(KEY.enter);
    text = await s.waitFor(`${leakyCount} instances of __main__.Leaky`, WALK_MS);
    expect(text).toContain(`1/${leakyCount}`);
    await s.press(KEY.end, KEY.enter);
    text = await s.waitFor('Inspector: #');
    expect(text).toMatch(/Leaky at 0x[0-9a-f]+ +refcount \d+/);
    await s.press(KEY.escape);
    await s.waitFor('Instances of __main__.Leaky');
    await s.press(KEY.escape);
    await s.waitFor('filter: Leaky');
  });

  it('r lists the referrers gc.get_referrers() returned; Enter opens one; p shows a path from a root', async () => {
    const s = await open(core);
    await s.press('h');
    await s.waitFor('Heap census:', WALK_MS);
    await s.press('/', ...'__main__.Target', KEY.enter, KEY.enter);
    await s.waitFor('1 instances of __main__.Target', WALK_MS);
    await s.press(KEY.enter);
    let text = await s.waitFor('Inspector: #0');
    expect(text).toContain(`Target at ${hex(truth.referrers.target)}`);
    await s.press('r');
    text = await s.waitFor(/\d+ referrers of __main__\.Target at/, WALK_MS);
    const want = truth.referrers.referrers.filter((x) => x[3] !== truth.referrers.recording_frame).map((x) => hex(x[3]));
    for (const a of want) expect(text).toContain(` ${a} `);
    expect(rowOf(text, hex(truth.known.HOLDER_LIST))).toMatch(/^[›· ] \[0\] /);
    // Enter opens the selected referrer in the inspector.
    const first = /^› (\S+) (0x[0-9a-f]+) /m.exec(text)!;
    await s.press(KEY.enter);
    text = await s.waitFor(`Inspector: ${first[1]}`);
    expect(text).toContain(` at ${first[2]}`);
    await s.press(KEY.escape);
    await s.waitFor(/Referrers of/);
    await s.press(KEY.escape);
    await s.waitFor(`Target at ${hex(truth.referrers.target)}`);
    await s.press('p');
    text = await s.waitFor(/root: /, WALK_MS);
    const rows = text.split('\n').filter((l) => /^[›· ] \S+ 0x[0-9a-f]+ \(/.test(l));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[rows.length - 1]).toContain(` ${hex(truth.referrers.target)} (__main__.Target)`);
  });

  it('m: pymalloc statistics with a size-class bar chart and the numbers sys._debugmallocstats() printed', async () => {
    const stderr = readFileSync(join(CORES, `${name}.stderr.txt`), 'latin1');
    const recorded = stderr.split('\n').filter((l) => /^# (bytes in allocated blocks|arenas allocated current)/.test(l));
    expect(recorded.length).toBe(2);
    const s = await open(core, { columns: 100, rows: 200 });
    await s.press('m');
    const text = await s.waitFor('As sys._debugmallocstats() prints it:', WALK_MS);
    expect(text).toMatch(/Blocks in use per size class/);
    expect(text).toMatch(/ B +[\d,]+ +█+/);
    for (const l of recorded) expect(text).toContain(l);
  });
});

describe('leak hints view on 3.12-heap', () => {
  const name = '3.12-heap';
  interface LeakTruth {
    garbage: { collected: number; types: { module: string; qualname: string; has_del: boolean; count: number }[] };
    gc_garbage: [string, string, number, number][];
    gc_generations: number[];
    gc_enabled: boolean;
    gc_types: [string, string, number, number, number][];
  }
  const n = (x: number) => x.toLocaleString('en-US');

  it('l: what gc.collect() would free, the objects with finalizers, big classes, gc.garbage and the GC counts; Enter opens them', async () => {
    const truth = extraOf<LeakTruth>(name);
    const s = await open(await loadCore(name, { locals: false }), { columns: 140, rows: 100 });
    await s.press('l');
    const finalizers = truth.garbage.types.filter((t) => t.has_del).reduce((a, t) => a + t.count, 0);
    let text = await s.waitFor('Uncollected cycles:', WALK_MS);
    expect(text).toContain(`Uncollected cycles: gc.collect() would free ${n(truth.garbage.collected)} objects, ${n(finalizers)} with finalizers (__del__)`);
    expect(text).toContain(truth.gc_enabled ? 'The cyclic GC was enabled' : 'The cyclic GC was disabled');
    for (const [g, count] of truth.gc_generations.entries()) expect(text).toMatch(new RegExp(`generation ${g}: ${n(count)} objects`));
    for (const t of truth.garbage.types) expect(rowOf(text, `${t.module === 'builtins' ? '' : `${t.module}.`}${t.qualname}  `)).toContain(`  ${n(t.count)}`);
    // gc.garbage, in order, and the first one opens in the inspector.
    await s.press('/', ...'gc.garbage holds', KEY.enter);
    text = await s.waitFor(`› gc.garbage holds ${truth.gc_garbage.length} objects`);
    for (const [i, [, qualname, , id]] of truth.gc_garbage.entries()) {
      await s.press(KEY.down);
      text = await s.waitFor(`› gc.garbage[${i}] ${hex(id)} `);
      expect(rowOf(text, `gc.garbage[${i}]`)).toContain(qualname);
    }
    await s.press(KEY.enter);
    text = await s.waitFor(`Inspector: gc.garbage[${truth.gc_garbage.length - 1}]`);
    expect(text).toContain(`at ${hex(truth.gc_garbage[truth.gc_garbage.length - 1][3])}`);
    await s.press(KEY.escape);
    // An object with a finalizer in an uncollected cycle.
    const withDel = truth.garbage.types.filter((t) => t.has_del).map((t) => t.qualname);
    await s.press('/', ...'cycle #0 ', KEY.enter);
    text = await s.waitFor(/› cycle #0 0x[0-9a-f]+ /);
    expect(withDel.some((q) => rowOf(text, 'cycle #0 ').includes(q))).toBe(true);
    await s.press(KEY.enter);
    text = await s.waitFor('Inspector: cycle #0');
    expect(withDel.some((q) => new RegExp(`${q} at 0x`).test(text))).toBe(true);
    await s.press(KEY.escape);
    // A class over the threshold lists its instances.
    const [, , , leaky] = truth.gc_types.find((t) => t[0] === '__main__' && t[1] === 'Leaky')!;
    await s.press('/', ...'Classes with', KEY.enter, KEY.down);
    text = await s.waitFor(/› +__main__\.Leaky  /);
    expect(rowOf(text, '__main__.Leaky  ')).toContain(n(leaky));
    await s.press(KEY.enter);
    await s.waitFor(`${leaky} instances of __main__.Leaky`, WALK_MS);
  });

  it('l without a heap says what it needs', async () => {
    const core = await loadCore(name, { locals: false });
    const s = await open({ ...core, data: { ...core.data, heap: null } });
    await s.press('l');
    await s.waitFor('Leak hints: not available');
  });
});

describe('memory errors view', () => {
  for (const name of ['3.12-debugmalloc', '3.8-debugmalloc']) {
    it(`${name}: e lists both damaged blocks, the tripped one in CPython's words`, async () => {
      const facts = extraOf<{ debugmalloc: Record<'victim' | 'survivor', { address: string }> }>(name).debugmalloc;
      // Eight findings with their neighbour and referrer lines: tall enough to show them all.
      const s = await open(await loadCore(name, { explorer: false }), { columns: 120, rows: 400 });
      await s.press('e');
      const text = await s.waitFor('Memory errors (');
      for (const b of [facts.victim, facts.survivor]) expect(text).toContain(`Debug memory block at address p=${b.address}: API 'o'`);
      const stderr = readFileSync(join(CORES, `${name}.stderr.txt`), 'utf8');
      const start = stderr.indexOf('Debug memory block at address p=');
      for (const l of stderr.slice(start, stderr.indexOf('\n\n', start)).split('\n')) expect(text).toContain(l);
    });
  }
});

describe('heap census in the TUI and on the command line', () => {
  // The same core through both: the TUI's census pane must show the very numbers `pycore heap
  // --format json` prints (totals, estimates and rejected candidates apart, and each row).
  const name = '3.12-census';
  let core: CoreData;
  let cli: HeapReport;
  beforeAll(async () => {
    core = await loadCore(name, { locals: false });
    const r = pycore(['heap', join(CORES, `${name}.core.gz`), '--sysroot', SYSROOT, '--format', 'json']);
    expect(r.code).toBe(0);
    cli = JSON.parse(r.stdout) as HeapReport;
  });

  it('shows the CLI totals in its title and the CLI counts and bytes in every row it shows', async () => {
    const s = await open(core);
    await s.press('h');
    const text = await s.waitFor('Heap census:', WALK_MS);
    expect(cli.rejected.total).toBeGreaterThan(0);
    expect(text).toContain(censusTitle(cli));
    expect(text).toContain(`Heap census: ${cli.types_total} types, ${cli.objects_total} objects, ${cli.bytes_total} bytes (+~${cli.bytes_estimated} estimated, ${cli.rejected.total} rejected)`);
    const rows = text.split('\n').map((l) => /^[›· ] (\S+)\s+(\d+)\s+(\d+)(~?)\s*$/.exec(l)).filter((m) => m !== null);
    expect(rows.length).toBeGreaterThan(20);
    const byName = new Map(cli.types.map((t) => [t.module === 'builtins' ? t.name : `${t.module}.${t.name}`, t]));
    for (const m of rows) {
      if (m![1].includes('…')) continue; // a name cut to fit the column
      const t = byName.get(m![1]);
      expect(t, m![1]).toBeDefined();
      expect([Number(m![2]), Number(m![3]), m![4] === '~']).toEqual([t!.count, t!.bytes, t!.estimated]);
    }
  });
});
