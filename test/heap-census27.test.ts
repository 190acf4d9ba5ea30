// The 2.7 heap against what CPython 2.7 counted in census27.py (corpus/scenarios/census27.py) just
// before crashing: per type, gc.get_objects() counts and sum(sys.getsizeof()) of the program's own
// classes (new-style, with a __dict__ or __slots__, and old-style, whose instances are all of type
// `instance` and are counted per class) and of dict, list, tuple and set; exact numbers of the str,
// unicode, int, long and float objects it made; gc.get_referrers()/get_referents() of one
// old-style instance, gc.get_referents() of one object of each kind 2.7 traverses its own way. Also: pymalloc's geometry on every 2.7 core (pool by pool), and the memory
// check on every 2.7 core (none of them has a memory error).
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.js';
import { census } from '../src/analysis/heap/census.js';
import { path, referrers, refs } from '../src/analysis/heap/references.js';
import { openHeap, type HeapSession } from '../src/analysis/heap/session.js';
import type { HeapReport } from '../src/analysis/heap/view-model.js';
import { openCore } from '../src/cli/open-core.js';
import { arenaPools } from '../src/cpython/pymalloc.js';
import { isFailure, readUnicode, readUnicode27 } from '../src/cpython/strings.js';
import { field } from '../src/cpython-layouts/layout.js';
import { corpusCores, SYSROOT } from './helpers/corpus.js';

interface Census27Truth {
  gc_types: [string, string, number, number, number][];
  old_classes: [string, string, number, number, number][];
  classes: Record<string, number>;
  known: { id: number; referrers: [string, number][]; referents: number[]; old_list: number; module_dict: number };
  samples: Record<string, { id: number; referents: number[] }>;
  markers: {
    str: { prefix: string; length: number; count: number };
    unicode: { prefix: string; length: number; count: number };
    int: { above: number; count: number };
    long: { above: string; count: number };
    float: { above: number; count: number };
  };
}

const all27 = corpusCores().filter((c) => c.truth.label === '2.7');
const cores = all27.filter((c) => c.truth.scenario === 'census');
const hex = (n: number) => `0x${n.toString(16)}`;

type Kind = 'str' | 'unicode' | 'int' | 'long' | 'float';

/** Marker objects pycore's heap walk finds, by kind, read from the objects themselves. */
function markers(s: HeapSession, t: Census27Truth['markers']): Record<Kind, number> {
  const d = s.objects.decoder;
  const { r, L } = d;
  const found = { str: 0, unicode: 0, int: 0, long: 0, float: 0 };
  const longAbove = BigInt(t.long.above);
  s.heap.walk((o) => {
    if (o.profile.type.heap) return;
    switch (o.profile.kind) {
      case 'str': {
        const v = readUnicode(r, L, o.address, t.str.length + 1);
        if (!isFailure(v) && v.value.length === t.str.length && v.value.startsWith(t.str.prefix)) found.str++;
        break;
      }
      case 'unicode': {
        const v = readUnicode27(r, L, o.address, t.unicode.length + 1, d.unicodeUnit);
        if (!isFailure(v) && v.value.length === t.unicode.length && v.value.startsWith(t.unicode.prefix)) found.unicode++;
        break;
      }
      case 'int': {
        const b = r.bytes(o.address + field(L, 'int.ival'), 8);
        const v = b ? b.readBigInt64LE(0) : null;
        if (v !== null && v > BigInt(t.int.above) && v <= BigInt(t.int.above + t.int.count)) found.int++;
        break;
      }
      case 'long': {
        const v = d.int(o.address);
        if (v !== null && v > longAbove && v <= longAbove + BigInt(t.long.count)) found.long++;
        break;
      }
      case 'float': {
        const v = r.bytes(o.address + field(L, 'float.value'), 8)?.readDoubleLE(0);
        if (v !== undefined && v > t.float.above && v <= t.float.above + t.float.count) found.float++;
        break;
      }
    }
  });
  return found;
}

describe('2.7 census truth', () => {
  it('has a 2.7 census core', () => {
    expect(cores.map((c) => c.name)).toEqual(['2.7-census']);
  });

  for (const c of cores) {
    describe(c.name, () => {
      let s: HeapSession;
      let report: HeapReport;
      let truth: Census27Truth;
      beforeAll(async () => {
        const opened = openHeap(await openCore(c.core, { sysroot: SYSROOT, progress: false }));
        if ('fatal' in opened) throw new Error(opened.fatal);
        s = opened;
        report = census(s, { top: 0, largest: 0 });
        truth = (c.truth as unknown as { snapshot: { extra: Census27Truth } }).snapshot.extra;
      });

      it("counts the program's new- and old-style classes exactly, old-style instances by their class", () => {
        expect(Object.keys(truth.classes).sort()).toEqual(['CensusOld', 'CensusPlain', 'CensusSlots']);
        for (const [name, n] of Object.entries(truth.classes)) {
          const row = report.types.find((t) => t.name === name && t.module === '__main__');
          expect(row?.count, name).toBe(n);
          expect(row?.gc_tracked, name).toBe(n);
        }
      });

      it('sizes the instances of each old-style class as sys.getsizeof() did, at the class object', () => {
        expect(truth.old_classes.length).toBe(1);
        for (const [module, name, id, count, bytes] of truth.old_classes) {
          const row = report.types.find((t) => Number(t.type_address) === id);
          expect(row && `${row.module}.${row.name}`).toBe(`${module}.${name}`);
          expect(row?.gc_tracked).toBe(count);
          expect(row?.gc_tracked_bytes).toBe(bytes);
          expect(row?.estimated).toBe(false);
        }
      });

      it('counts the GC-tracked objects of each measured type and sums sys.getsizeof() exactly', () => {
        expect(truth.gc_types.length).toBe(6);
        for (const [module, name, id, count, bytes] of truth.gc_types) {
          const row = report.types.find((t) => Number(t.type_address) === id);
          expect(row?.name, `${module}.${name}`).toBe(name);
          expect(row?.gc_tracked, `${module}.${name}`).toBe(count);
          expect(row?.gc_tracked_bytes, `${module}.${name}`).toBe(bytes);
        }
      });

      it('finds exactly the str, unicode, int, long and float objects the program made', () => {
        const m = truth.markers;
        expect(markers(s, m)).toEqual({ str: m.str.count, unicode: m.unicode.count, int: m.int.count, long: m.long.count, float: m.float.count });
      });

      it("lists an old-style instance's referrers and referents as gc.get_referrers()/get_referents() did, and a path to it", () => {
        const k = truth.known;
        const [byReferrers] = referrers(s, [k.id]);
        expect([...new Set(byReferrers.references.map((x) => x.address))].sort()).toEqual(k.referrers.map(([, id]) => hex(id)).sort());
        const mine = refs(s, k.id);
        expect(mine.unreadable).toBeUndefined();
        expect([...new Set(mine.references.map((x) => x.address))].sort()).toEqual(k.referents.map(hex).sort());
        const p = path(s, k.id);
        expect(p.root).not.toBeNull();
        expect(p.hops[p.hops.length - 1].address).toBe(hex(k.id));
        // Held by the module's globals (KNOWN, or OLD[7]), a root: the <module> frame's f_locals.
        expect(k.referrers).toContainEqual(['dict', k.module_dict]);
        expect(p.root).toMatch(/, frame <module> \(.*census27\.py:\d+\), global (KNOWN|OLD)$/);
      });

      it('lists the references of an old-style class, a bound method, a dict, new-style instances, a set and a generator as gc.get_referents() did', () => {
        expect(Object.keys(truth.samples).sort()).toEqual(['bound_method', 'generator', 'new_instance', 'old_class', 'old_instance_dict', 'set', 'slots_instance']);
        for (const [name, x] of Object.entries(truth.samples)) {
          const mine = refs(s, x.id);
          expect(mine.unreadable, name).toBeUndefined();
          expect([...new Set(mine.references.map((r) => r.address))].sort(), name).toEqual(x.referents.map(hex).sort());
        }
      });

      it('keeps what it cannot stand behind out of the totals', () => {
        const exact = report.types.filter((t) => !t.estimated);
        expect(report.bytes_total).toBe(exact.reduce((a, t) => a + t.bytes, 0));
        expect(report.objects_total).toBe(report.types.reduce((a, t) => a + t.count, 0));
        expect(report.rejected.total).toBe(report.rejected.reasons.reduce((a, r) => a + r.count, 0));
      });
    });
  }
});

describe('2.7 pymalloc and memory check', () => {
  for (const c of all27) {
    it(`${c.name}: every used pool is of 2.7.18's geometry (16-byte size classes: maxnextoffset = pool size - block size)`, async () => {
      const opened = openHeap(await openCore(c.core, { sysroot: SYSROOT, progress: false }));
      if ('fatal' in opened) throw new Error(opened.fatal);
      const [h] = opened.heap.pymalloc.heaps;
      expect(opened.heap.pymalloc.unreadable).toBeUndefined();
      expect(h.arenas.length).toBeGreaterThan(0);
      const maxnextAt = field(opened.rt.layout, 'pool.maxnextoffset');
      let used = 0;
      for (const a of h.arenas) {
        for (const p of arenaPools(h, opened.rt.layout, opened.heap.mem, a)) {
          if ('unreadable' in p || p.count === 0) continue;
          used++;
          expect(opened.heap.mem.u32(p.address + maxnextAt), `pool ${hex(p.address)}`).toBe(h.layout.poolSize - p.blockSize);
        }
      }
      expect(used).toBeGreaterThan(50);
    });

    it(`${c.name}: the memory check runs and finds no error`, async () => {
      const { report } = analyze(await openCore(c.core, { sysroot: SYSROOT, progress: false }));
      expect(report.memory_errors).toEqual([]);
      expect(report.warnings).toEqual([]);
    });
  }
});
