// The census against what CPython counted in the census scenario (corpus/scenarios/census.py) just
// before crashing: per type, gc.get_objects() counts and sum(sys.getsizeof()) for the program's
// own classes and dict, list, tuple and set; and exact numbers of str, bytes, int and float objects
// it made with values no other object has (a run-time prefix, a range). pycore must count the
// classes exactly, size the GC-tracked types to within 1%, and find exactly the marker objects.
import { beforeAll, describe, expect, it } from 'vitest';
import { census } from '../src/analysis/heap/census.js';
import { openHeap, type HeapSession } from '../src/analysis/heap/session.js';
import type { HeapReport } from '../src/analysis/heap/view-model.js';
import { openCore } from '../src/cli/open-core.js';
import { readUnicode, isFailure } from '../src/cpython/strings.js';
import { field } from '../src/cpython-layouts/layout.js';
import { corpusCores, SYSROOT } from './helpers/corpus.js';

interface CensusTruth {
  gc_types: [string, string, number, number, number][];
  classes: Record<string, number>;
  markers: {
    str: { prefix: string; length: number; count: number };
    bytes: { prefix_hex: string; length: number; count: number };
    int: { above: number; count: number };
    float: { above: number; count: number };
  };
}

// 2.7's census (its own kinds: str is bytes, unicode, int and long) is checked in heap-census27.test.ts.
const cores = corpusCores().filter((c) => c.truth.scenario === 'census' && c.truth.label !== '2.7');

/** Marker objects pycore's heap walk finds, by kind, read from the objects themselves. */
function markers(s: HeapSession, t: CensusTruth['markers']): Record<'str' | 'bytes' | 'int' | 'float', number> {
  const d = s.objects.decoder;
  const { r, L } = d;
  const found = { str: 0, bytes: 0, int: 0, float: 0 };
  const bprefix = Buffer.from(t.bytes.prefix_hex, 'hex');
  s.heap.walk(
    (o) => {
      if (o.profile.type.heap) return;
      switch (o.profile.kind) {
        case 'str': {
          const v = readUnicode(r, L, o.address, t.str.length + 1);
          if (!isFailure(v) && v.value.length === t.str.length && v.value.startsWith(t.str.prefix)) found.str++;
          break;
        }
        case 'bytes': {
          const n = r.ssize(o.address + field(L, 'var.size'));
          const b = n === t.bytes.length ? r.bytes(o.address + field(L, 'bytes.sval'), n) : null;
          if (b && b.subarray(0, bprefix.length).equals(bprefix)) found.bytes++;
          break;
        }
        case 'int': {
          const v = d.int(o.address);
          if (v !== null && v > BigInt(t.int.above) && v <= BigInt(t.int.above + t.int.count)) found.int++;
          break;
        }
        case 'float': {
          const v = r.bytes(o.address + field(L, 'float.value'), 8)?.readDoubleLE(0);
          if (v !== undefined && v > t.float.above && v <= t.float.above + t.float.count) found.float++;
          break;
        }
      }
    },
    { reachable: true },
  );
  return found;
}

describe('census truth', () => {
  it('has a census core for 3.8-3.13 and Debian 3.11', () => {
    for (const l of ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13', 'debian-3.11']) expect(cores.map((c) => c.truth.label)).toContain(l);
  });

  for (const c of cores) {
    describe(c.name, () => {
      let s: HeapSession;
      let report: HeapReport;
      let truth: CensusTruth;
      beforeAll(async () => {
        const opened = openHeap(await openCore(c.core, { sysroot: SYSROOT, progress: false }));
        if ('fatal' in opened) throw new Error(opened.fatal);
        s = opened;
        report = census(s, { top: 0, largest: 0 });
        truth = (c.truth as unknown as { snapshot: { extra: CensusTruth } }).snapshot.extra;
      });

      it("counts the program's classes exactly", () => {
        for (const [name, n] of Object.entries(truth.classes)) {
          const row = report.types.find((t) => t.name === name && t.module === '__main__');
          expect(row?.count, name).toBe(n);
          expect(row?.gc_tracked, name).toBe(n);
        }
      });

      it('counts the GC-tracked objects of each measured type exactly and sizes them to within 1% of sys.getsizeof()', () => {
        expect(truth.gc_types.length).toBe(6);
        for (const [module, qualname, id, count, bytes] of truth.gc_types) {
          const row = report.types.find((t) => Number(t.type_address) === id);
          expect(row?.name, `${module}.${qualname}`).toBe(qualname);
          expect(row?.gc_tracked, `${module}.${qualname}`).toBe(count);
          expect(Math.abs(row!.gc_tracked_bytes - bytes), `${module}.${qualname}: ${row!.gc_tracked_bytes} vs ${bytes}`).toBeLessThanOrEqual(bytes * 0.01);
        }
      });

      it('finds exactly the str, bytes, int and float objects the program made', () => {
        const m = truth.markers;
        expect(markers(s, m)).toEqual({ str: m.str.count, bytes: m.bytes.count, int: m.int.count, float: m.float.count });
      });

      it('keeps what it cannot stand behind out of the totals', () => {
        const exact = report.types.filter((t) => !t.estimated);
        expect(report.bytes_total).toBe(exact.reduce((a, t) => a + t.bytes, 0));
        expect(report.bytes_estimated).toBe(report.types.filter((t) => t.estimated).reduce((a, t) => a + t.bytes, 0));
        expect(report.objects_total).toBe(report.types.reduce((a, t) => a + t.count, 0));
        expect(report.rejected.total).toBe(report.rejected.reasons.reduce((a, r) => a + r.count, 0));
      });
    });
  }
});
