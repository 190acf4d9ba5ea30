// Retained sizes and the dominator tree against what CPython recorded in the retained scenario
// (corpus/scenarios/retained.py): sys.getsizeof() of a dict cache and of every key and value it
// alone holds, and of two holders that share their items (each retains itself and its own list).
import { beforeAll, describe, expect, it } from 'vitest';
import { census } from '../src/analysis/heap/census.js';
import { censusAndDominators } from '../src/analysis/heap/census-and-dominators.js';
import { dominators, dominatorsReport, listedPositions, type DominatorTree } from '../src/analysis/heap/dominators.js';
import { openHeap, type HeapSession } from '../src/analysis/heap/session.js';
import { openCore } from '../src/cli/open-core.js';
import { pycore } from './helpers/cli.js';
import { corpusCores, SYSROOT } from './helpers/corpus.js';

interface Truth {
  cache: { id: number; len: number; retained_bytes: number; retained_objects: number };
  holders: { id: number; list_id: number; type: string; retained_bytes: number; retained_objects: number }[];
  shared: { items: number; bytes: number };
}

const cores = corpusCores().filter((c) => c.truth.scenario === 'retained');

describe('dominators (retained scenario)', () => {
  it('has the retained cores of 3.8-3.13 and debian-3.11', () => {
    expect(cores.map((c) => c.truth.label).sort()).toEqual(['3.10', '3.11', '3.12', '3.13', '3.8', '3.9', 'debian-3.11']);
  });
  for (const c of cores) {
    describe(c.name, () => {
      let s: HeapSession;
      let t: DominatorTree;
      let truth: Truth;
      beforeAll(async () => {
        const opened = openHeap(await openCore(c.core, { sysroot: SYSROOT, progress: false }));
        if ('fatal' in opened) throw new Error(opened.fatal);
        s = opened;
        t = dominators(s);
        truth = (c.truth as unknown as { snapshot: { extra: { retained: Truth } } }).snapshot.extra.retained;
      });

      it('the cache is among the top 10 dominators, retaining its getsizeof sum within 1%', () => {
        const top = t.top(10).map((p) => t.address(p));
        expect(top).toContain(truth.cache.id);
        const p = t.find(truth.cache.id);
        expect(Math.abs(t.bytes[p] - truth.cache.retained_bytes)).toBeLessThanOrEqual(truth.cache.retained_bytes * 0.01);
        expect(t.count[p]).toBe(truth.cache.retained_objects);
        expect(t.unsizedOf(p)).toBe(0);
        expect(t.estimatedOf(p)).toBe(0);
      });

      it('each holder retains only itself and its own list', () => {
        for (const h of truth.holders) {
          const p = t.find(h.id);
          expect(p).toBeGreaterThan(0);
          expect(t.count[p]).toBe(h.retained_objects);
          expect(t.bytes[p]).toBe(h.retained_bytes);
          expect(t.children(p).map((q) => t.address(q))).toEqual([h.list_id]);
        }
        // The shared items are dominated by neither holder nor list.
        const lists = new Set(truth.holders.map((h) => t.find(h.list_id)));
        const holders = new Set(truth.holders.map((h) => t.find(h.id)));
        for (const l of lists) expect(t.children(l)).toEqual([]);
        expect(holders.size).toBe(2);
      });

      it('one walk gives the census and the tree (pycore report): the same as two, and they count the same objects and bytes', () => {
        const both = censusAndDominators(s, { top: 50, largest: 10 });
        const alone = census(s, { top: 50, largest: 10 });
        expect(both.census).toEqual(alone);
        expect(both.tree.summary).toEqual(t.summary);
        // What no root reaches plus what the roots reach is the census, exact and estimated bytes
        // apart: the unreachable objects' estimated bytes are counted, not lost.
        const u = t.summary.unreachable;
        expect(t.summary.heapBytes + u.bytes).toBe(alone.bytes_total);
        expect(t.summary.heapEstimatedBytes + u.estimatedBytes).toBe(alone.bytes_estimated);
        expect(t.summary.reachable + u.objects).toBe(alone.objects_total);
        // The treemap's cells partition the reachable objects.
        const cells = dominatorsReport(s, t, 1).retained_by_type;
        expect(cells.reduce((a, c) => a + c.bytes, 0)).toBe(t.summary.heapBytes);
        expect(cells.reduce((a, c) => a + c.objects, 0)).toBe(t.summary.reachable);
        expect(cells.reduce((a, c) => a + c.estimated_bytes, 0)).toBe(t.summary.heapEstimatedBytes);
        // The cache is held by a global only: a root, in the dict cell with all it retains.
        expect(cells.find((c) => c.module === 'builtins' && c.type === 'dict')!.bytes).toBeGreaterThanOrEqual(truth.cache.retained_bytes * 0.99);
      });

      it('reports the cache with its path and as a leak suspect when it retains over 10%', () => {
        const r = dominatorsReport(s, t, 10);
        const d = r.dominators.find((x) => x.address === `0x${truth.cache.id.toString(16)}`)!;
        expect(d.type).toBe('dict');
        expect(d.retained_objects).toBe(truth.cache.retained_objects);
        expect(d.path.hops[d.path.hops.length - 1].address).toBe(d.address);
        expect(d.path.root).toMatch(/CACHE/);
        if (d.heap_fraction > 0.1) {
          const suspect = r.leak_suspects.find((x) => x.address === d.address)!;
          expect(suspect.holds.map((h) => h.type).sort()).toEqual(['bytearray', 'dict', 'str']);
          expect(suspect.holds.find((h) => h.type === 'str')!.objects).toBe(truth.cache.len);
        }
      });
    });
  }
});

describe('pycore heap --dominators and show --retained (3.12-retained)', () => {
  const c = cores.find((x) => x.name === '3.12-retained')!;
  const truth = (c.truth as unknown as { snapshot: { extra: { retained: Truth } } }).snapshot.extra.retained;
  it('JSON lists the cache with the documented fields; show --retained gives a holder its own size and its list', () => {
    const r = pycore(['heap', c.core, '--sysroot', SYSROOT, '--dominators', '--top', '10', '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { dominators: Record<string, unknown>[]; leak_suspects: { address: string; holds: unknown[] }[] };
    const d = j.dominators.find((x) => x.address === `0x${truth.cache.id.toString(16)}`)!;
    expect(Object.keys(d)).toEqual(expect.arrayContaining(['address', 'type', 'shallow_bytes', 'retained_bytes', 'retained_objects', 'path']));
    expect(d.retained_bytes).toBe(truth.cache.retained_bytes);
    expect(j.leak_suspects.map((x) => x.address)).toContain(d.address);
    const h = truth.holders[0];
    const show = pycore(['show', c.core, `0x${h.id.toString(16)}`, '--sysroot', SYSROOT, '--retained', '--limit', '0', '--format', 'json']);
    expect(show.code).toBe(0);
    const v = JSON.parse(show.stdout) as { retained_bytes: number; retained_objects: number };
    expect([v.retained_bytes, v.retained_objects]).toEqual([h.retained_bytes, h.retained_objects]);
  }, 120_000);

  it('--top N means the same in heap --dominators and report (both list what listedPositions gives; 0: every reachable object)', () => {
    const rows = (html: string) => {
      const table = html.slice(html.indexOf('<h2 id="dominators">'), html.indexOf('<h2 id="leak-suspects">'));
      return [...table.matchAll(/<tr><td class="n">.*?<td class="mono">(0x[0-9a-f]+)<\/td>/g)].map((m) => m[1]);
    };
    const j = JSON.parse(pycore(['heap', c.core, '--sysroot', SYSROOT, '--dominators', '--top', '3', '--format', 'json']).stdout) as { dominators: { address: string }[] };
    const r = pycore(['report', c.core, '--sysroot', SYSROOT, '--top', '3', '-o', '-']);
    expect(r.code).toBe(0);
    expect(rows(r.stdout)).toEqual(j.dominators.map((d) => d.address));
    expect(j.dominators.length).toBe(3);
    // The cache (CPython's id) is the largest in both.
    expect(j.dominators[0].address).toBe(`0x${truth.cache.id.toString(16)}`);
  }, 300_000);

  it('--top 0 lists every reachable object, largest retained size first (rendering them all takes minutes: the positions are checked)', async () => {
    const opened = openHeap(await openCore(c.core, { sysroot: SYSROOT, progress: false }));
    if ('fatal' in opened) throw new Error(opened.fatal);
    const t = dominators(opened);
    const all = listedPositions(t, 0);
    expect(all.length).toBe(t.summary.reachable);
    expect(new Set(all).size).toBe(all.length);
    for (let i = 1; i < all.length; i++) expect(t.bytes[all[i - 1]] >= t.bytes[all[i]]).toBe(true);
    expect(listedPositions(t, 5)).toEqual(all.slice(0, 5));
    expect(listedPositions(t, 2000)).toEqual(all.slice(0, 2000));
  }, 120_000);

  it('the unreachable line names the estimated bytes and unsized objects apart from the exact bytes', () => {
    const j = JSON.parse(pycore(['heap', c.core, '--sysroot', SYSROOT, '--dominators', '--top', '1', '--format', 'json']).stdout) as { summary: { unreachable: { objects: number; bytes: number; estimatedBytes: number; unsized: number } } };
    const u = j.summary.unreachable;
    expect(Object.keys(u)).toEqual(['objects', 'bytes', 'estimatedBytes', 'unsized']);
    const text = pycore(['heap', c.core, '--sysroot', SYSROOT, '--dominators', '--top', '1']).stdout;
    const line = text.split('\n').find((l) => l.includes('unreachable from every root'))!;
    const n = (x: number) => x.toLocaleString('en-US');
    expect(line).toContain(`${n(u.objects)} objects, ${n(u.bytes)} bytes`);
    expect(line.includes(`+${n(u.estimatedBytes)} bytes estimated`)).toBe(u.estimatedBytes > 0);
    expect(line.includes('objects of unknown size')).toBe(u.unsized > 0);
  }, 120_000);
});
