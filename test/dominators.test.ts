// Retained sizes and the dominator tree against what CPython recorded in the retained scenario
// (corpus/scenarios/retained.py): sys.getsizeof() of a dict cache and of every key and value it
// alone holds, and of two holders that share their items (each retains itself and its own list).
import { beforeAll, describe, expect, it } from 'vitest';
import { dominators, dominatorsReport, type DominatorTree } from '../src/analysis/heap/dominators.js';
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
});
