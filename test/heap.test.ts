// pycore heap, --malloc-stats, referrers, path and leak hints against what CPython recorded in
// the heap scenario (corpus/scenarios/heap.py) just before crashing: gc.get_objects() counts
// and sys.getsizeof() sums per type, every GC-tracked dict's size, the GC generations'
// lengths, gc.get_referrers(TARGET), the garbage a forked gc.collect() found, gc.garbage,
// sys.getallocatedblocks() and sys._debugmallocstats()'s report (on stderr).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { census } from '../src/analysis/heap/census.js';
import { gcTracked } from '../src/cpython/gc.js';
import { field } from '../src/cpython-layouts/layout.js';
import { path, referrers, refs } from '../src/analysis/heap/references.js';
import { mallocStatsViews, openHeap, type HeapSession } from '../src/analysis/heap/session.js';
import type { HeapReport } from '../src/analysis/heap/view-model.js';
import { openCore } from '../src/cli/open-core.js';
import { renderAllMallocStats } from '../src/reports/malloc-stats.js';
import { expectOneLineError, pycore } from './helpers/cli.js';
import { CORES, corpusCores, nonPythonCore, SYSROOT } from './helpers/corpus.js';

type TypeKey = [string, string, number];
interface HeapTruth {
  gc_types: [...TypeKey, number, number][];
  /** null before 3.8 (no gc.get_objects(generation=)). */
  gc_generations: number[] | null;
  dict_sizes: number[];
  referrers: { target: number; referrers: [...TypeKey, number][]; recording_frame: number };
  garbage: { collected: number; types: { module: string; qualname: string; type_id: number; has_del: boolean; count: number }[] };
  gc_garbage: [...TypeKey, number][];
  big: Record<string, { id: number; size: number; type: string }>;
  known: Record<string, number>;
}

/** Py_TRACE_REFS builds: live objects per type from sys.getobjects(0) just before the crash, [module, qualname, id of type, count]. */
interface RefchainTruth {
  types: [string, string, number, number][];
  objects: number;
}

const cores = corpusCores().filter((c) => c.truth.scenario === 'heap');
const hex = (n: number) => `0x${n.toString(16)}`;

/** sys._debugmallocstats()'s whole report (pymalloc, then the free lists) and the recorded sys.getallocatedblocks(), from the run's stderr. */
function recordedStderr(name: string): { stats: string; allocatedBlocks: number } {
  const text = readFileSync(join(CORES, `${name}.stderr.txt`), 'latin1');
  const blocks = /^pycore-heap: allocated blocks (\d+)$/m.exec(text);
  // From the header to faulthandler's report of the abort that follows it (or, on a Py_TRACE_REFS
  // build, to the refchain census printed in between).
  const refchain = text.indexOf('pycore-refchain: ');
  const end = refchain >= 0 ? refchain : text.indexOf('Fatal Python error: Aborted');
  return { stats: text.slice(text.indexOf('Small block threshold'), end), allocatedBlocks: Number(blocks![1]) };
}

describe('heap', () => {
  it('has a heap core for every version', () => {
    for (const l of ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13', '3.13t', 'debian-3.11', '3.12-tracerefs']) expect(cores.map((c) => c.truth.label)).toContain(l);
  });

  for (const c of cores) {
    describe(c.name, () => {
      let s: HeapSession;
      let report: HeapReport;
      let truth: HeapTruth;
      beforeAll(async () => {
        const opened = openHeap(await openCore(c.core, { sysroot: SYSROOT, progress: false }));
        if ('fatal' in opened) throw new Error(opened.fatal);
        s = opened;
        report = census(s, { top: 0, leaks: true, threshold: 10_000, largest: 12 });
        truth = (c.truth as unknown as { snapshot: { extra: HeapTruth } }).snapshot.extra;
      });

      it('counts exactly the GC-tracked objects gc.get_objects() returned, per type', () => {
        const mine = new Map(report.types.filter((t) => t.gc_tracked > 0).map((t) => [Number(t.type_address), t]));
        for (const [module, qualname, id, count] of truth.gc_types) {
          expect(mine.get(id)?.gc_tracked, `${module}.${qualname}`).toBe(count);
          expect(mine.get(id)?.name).toBe(qualname);
          expect(mine.get(id)?.module).toBe(module);
        }
        expect([...mine.keys()].sort()).toEqual(truth.gc_types.map((t) => t[2]).sort());
        const leaky = report.types.find((t) => t.name === 'Leaky' && t.module === '__main__');
        expect(leaky?.count).toBe(12345);
        expect(report.types.find((t) => t.name === 'Node')?.count).toBe(4321);
      });

      it("sums sys.getsizeof() exactly for every type whose size it does not call an estimate", () => {
        const mine = new Map(report.types.map((t) => [Number(t.type_address), t]));
        let exact = 0;
        for (const [module, qualname, id, count, bytes] of truth.gc_types) {
          const t = mine.get(id)!;
          if (t.estimated) continue;
          exact++;
          // Only GC-tracked objects are in the truth: compare types whose objects all are.
          if (t.count === count) expect(t.bytes, `${module}.${qualname}`).toBe(bytes);
        }
        expect(exact).toBeGreaterThan(truth.gc_types.length * 0.8);
      });

      it("sizes every GC-tracked dict as sys.getsizeof() did", () => {
        const d = truth.dict_sizes;
        const wrong: string[] = [];
        for (let i = 0; i < d.length; i += 2) {
          const v = s.objects.decoder.validate(d[i]);
          const prof = v.ok ? s.heap.types.profile(v.type.address) : null;
          const size = prof ? s.heap.types.sizeof(d[i], prof, null, 0, 0) : null;
          if (size !== d[i + 1]) wrong.push(`${hex(d[i])}: ${size} != ${d[i + 1]}`);
        }
        expect(wrong).toEqual([]);
        expect(d.length / 2).toBeGreaterThan(400);
      });

      const refchainTruth = (c.truth as unknown as { refchain_census?: RefchainTruth }).refchain_census;
      if (refchainTruth) {
        it('counts every live object per type exactly as the refchain (sys.getobjects(0)) had them', () => {
          const rc = report.sources.refchain;
          expect(rc && 'objects' in rc ? rc : null).toMatchObject({ objects: refchainTruth.objects, complete: true });
          const truthByType = new Map(refchainTruth.types.map(([module, qualname, id, count]) => [id, { module, qualname, count }]));
          const mine = new Map(report.types.map((t) => [Number(t.type_address), t]));
          const wrong: string[] = [];
          for (const [id, t] of truthByType) {
            const m = mine.get(id);
            if (m?.count !== t.count || m.name !== t.qualname || m.module !== t.module) wrong.push(`${t.module}.${t.qualname} at ${hex(id)}: ${m?.count} != ${t.count}`);
          }
          for (const [id, m] of mine) if (!truthByType.has(id)) wrong.push(`${m.module}.${m.name} at ${hex(id)}: ${m.count} not on the refchain`);
          expect(wrong).toEqual([]);
          // The census is the refchain: every object it counts is on it, none is missing.
          expect(report.objects_total).toBe(refchainTruth.objects);
          // Far more than the GC sees: ints, str, bytes and the other untracked objects.
          expect(refchainTruth.objects).toBeGreaterThan(3 * truth.gc_types.reduce((a, t) => a + t[3], 0));
        });
      }

      const freeThreaded = c.truth.python.build === 'free-threaded';
      if (freeThreaded) {
        it('counts the GC-tracked objects of the mimalloc heaps as gc.get_objects(generation=g) did (one list for every g)', () => {
          expect(new Set(truth.gc_generations).size).toBe(1);
          expect(report.sources.mimalloc?.gc_tracked).toBe(truth.gc_generations[0]);
          expect(report.generations).toEqual([]);
          expect(report.pymalloc).toBeNull();
        });
      } else
      it('walks the GC generations to the lengths gc.get_objects(generation=g) had', () => {
        const gens = report.generations.filter((g) => g.generation !== 'permanent');
        // Before 3.8 only the total is recorded: the generations hold every object gc.get_objects() returned.
        if (truth.gc_generations === null) expect(gens.reduce((n, g) => n + g.objects, 0)).toBe(truth.gc_types.reduce((n, t) => n + t[3], 0));
        else expect(gens.map((g) => g.objects)).toEqual(truth.gc_generations);
        expect(report.leaks.generations).toEqual(report.generations);
      });

      it('lists the large objects with their recorded sizes, found outside pymalloc too', () => {
        for (const [name, b] of Object.entries(truth.big)) {
          const o = report.largest.find((x) => x.address === hex(b.id));
          expect(o, name).toBeDefined();
          expect(o!.size, name).toBe(b.size);
          expect(o!.type).toBe(b.type);
          // `show` sizes them the same way (a 5000-entry dict's size used to be null there).
          expect(s.objects.inspect(hex(b.id), 0, 1).size, `show ${name}`).toBe(b.size);
        }
        // Where each was found: big str/bytes live in malloc'ed memory no GC list holds; the big
        // tuple is GC-tracked but too big for pymalloc; the dict of ints is untracked.
        const foundBy = Object.fromEntries(Object.entries(truth.big).map(([name, b]) => [name, report.largest.find((x) => x.address === hex(b.id))!.found_by]));
        // A Py_TRACE_REFS build's refchain lists each of them too.
        const rc = c.truth.python.build === 'trace-refs' ? '+refchain' : '';
        // A free-threaded build allocates every object, big or not, from mimalloc's heaps.
        if (freeThreaded) expect(foundBy).toEqual({ BIG_STR: 'mimalloc', BIG_BYTES: 'mimalloc', BIG_LIST: 'gc+mimalloc', BIG_DICT: 'mimalloc', BIG_TUPLE: 'gc+mimalloc' });
        else expect(foundBy).toEqual({ BIG_STR: `reachable${rc}`, BIG_BYTES: `reachable${rc}`, BIG_LIST: `gc+pymalloc${rc}`, BIG_DICT: `pymalloc${rc}`, BIG_TUPLE: `gc${rc}` });
        expect(report.largest_containers.map((x) => x.address)).toContain(hex(truth.big.BIG_LIST.id));
        expect(report.largest_containers.find((x) => x.address === hex(truth.known.LEAKY))?.length).toBe(12345);
      });

      it('finds what a forked gc.collect() found: the uncollected cycles, with their finalizers', () => {
        const u = report.leaks.uncollected!;
        expect(u.objects).toBe(truth.garbage.collected);
        const want = truth.garbage.types.map((t) => ({ name: t.qualname, module: t.module, count: t.count })).sort((a, b) => a.name.localeCompare(b.name));
        expect(u.types.map((t) => ({ name: t.name, module: t.module, count: t.count })).sort((a, b) => a.name.localeCompare(b.name))).toEqual(want);
        expect(u.with_finalizers).toBe(truth.garbage.types.filter((t) => t.has_del).reduce((a, t) => a + t.count, 0));
      });

      it('reports gc.garbage, the classes over the threshold and that the GC was disabled', () => {
        expect(report.leaks.gc_enabled).toEqual([(c.truth as unknown as { snapshot: { extra: { gc_enabled: boolean } } }).snapshot.extra.gc_enabled]);
        expect(report.leaks.gc_garbage?.count).toBe(truth.gc_garbage.length);
        const want = new Map<string, number>();
        for (const [module, qualname] of truth.gc_garbage) want.set(`${module}.${qualname}`, (want.get(`${module}.${qualname}`) ?? 0) + 1);
        expect(new Map(report.leaks.gc_garbage!.types.map((t) => [`${t.module}.${t.name}`, t.count]))).toEqual(want);
        expect(want.get('__main__.Saved')).toBe(7);
        expect(report.leaks.classes_over_threshold).toEqual([{ name: 'Leaky', module: '__main__', count: 12345 }]);
      });

      it('finds the referrers gc.get_referrers() returned', () => {
        const t = truth.referrers;
        const [r] = referrers(s, [t.target]);
        const want = t.referrers.filter((x) => x[3] !== t.recording_frame).map((x) => hex(x[3])).sort();
        expect([...new Set(r.references.map((x) => x.address))].sort()).toEqual(want);
        const byAddr = new Map(r.references.map((x) => [x.address, x.label]));
        expect(byAddr.get(hex(truth.known.HOLDER_LIST))).toBe('[0]');
        expect(byAddr.get(hex(truth.known.HOLDER_DICT))).toBe("['target']");
        expect(byAddr.get(hex(truth.known.globals))).toBe("['TARGET']");
        expect(byAddr.get(hex(truth.known.SLOT_HOLDER))).toBe('.a');
      });

      it('finds a chain from a root to TARGET', () => {
        const p = path(s, truth.referrers.target, 4);
        expect(p.root).not.toBeNull();
        expect(p.hops[p.hops.length - 1].address).toBe(hex(truth.referrers.target));
        // Every hop is a reference its predecessor really holds (checked with refs()).
        for (let i = 1; i < p.hops.length; i++) expect(refs(s, Number(p.hops[i - 1].address)).references.map((x) => x.address)).toContain(p.hops[i].address);
        expect(p.root! + p.hops.map((h) => h.label).join('')).toMatch(/TARGET/);
      });

      const refcounts = (c.truth as unknown as { snapshot: { extra: { refcounts?: [number, number][] } } }).snapshot.extra.refcounts;
      if (refcounts) {
        it("reads each recorded object's reference count as sys.getrefcount() gave it (free-threaded: local + shared)", () => {
          const got = refcounts.map(([id]) => {
            const v = s.objects.decoder.validate(id);
            return [id, v.ok ? v.refcount : v.reason];
          });
          expect(got).toEqual(refcounts);
          // All of them are GC-tracked (instances and lists), as `show` says.
          const d = s.objects.decoder;
          expect(refcounts.map(([id]) => {
            const v = d.validate(id);
            return v.ok ? gcTracked(d.r, d.L, id, v.type) : v.reason;
          })).toEqual(refcounts.map(() => true));
          // The object the worker thread refers to has shared references besides its owner's.
          if (freeThreaded) expect(s.objects.decoder.r.i64(refcounts[0][0] + field(s.objects.decoder.L, 'object.ref_shared'))).toBeGreaterThan(0);
        });
      }

      it('refs lists what an object holds', () => {
        const r = refs(s, truth.known.HOLDER_TUPLE);
        expect(r.references.map((x) => x.label)).toEqual(['[0]', '[1]']);
        expect(r.references[0].address).toBe(hex(truth.referrers.target));
      });

      const stripped = c.truth.label === 'debian-3.11';
      if (stripped) {
        it('finds the arena table of a stripped binary by scanning, and prints all the stats but its counters', () => {
          expect(report.warnings.join('\n')).toMatch(/no symbol table: the arena table was found by scanning/);
          const mine = renderAllMallocStats(mallocStatsViews(s)).split('\n');
          const want = recordedStderr(c.name).stats.split('\n');
          expect(mine).toHaveLength(want.length);
          const unknown: string[] = [];
          mine.forEach((line, i) => {
            if (line.endsWith('?')) {
              unknown.push(line.split('=')[0].trim());
              expect(line.split('=')[0]).toBe(want[i].split('=')[0]);
            } else expect(line).toBe(want[i]);
          });
          expect(unknown).toEqual(['# arenas allocated total', '# arenas reclaimed', '# arenas highwater mark', '# arena map mid nodes', '# arena map bot nodes', '# bytes lost to arena map mid', '# bytes lost to arena map bot', 'Total']);
        });
      } else if (!freeThreaded) {
        it("prints --malloc-stats exactly as sys._debugmallocstats() printed it", () => {
          expect(renderAllMallocStats(mallocStatsViews(s))).toBe(recordedStderr(c.name).stats);
        });

        it("computes sys.getallocatedblocks() to within the block the recording allocated", () => {
          // The scenario keeps the int it got from sys.getallocatedblocks() (one more block) and
          // frees the bytes it printed it with; nothing else is allocated before the crash.
          const got = report.pymalloc!.allocated_blocks!;
          const recorded = recordedStderr(c.name).allocatedBlocks;
          expect(got - recorded).toBeGreaterThanOrEqual(0);
          expect(got - recorded).toBeLessThanOrEqual(1);
          expect(report.pymalloc!.used_blocks).toBe(mallocStatsViews(s)[0].classes.reduce((a, x) => a + x.blocks, 0));
        });
      }
    });
  }
});

describe('heap command line', () => {
  const core = cores.find((c) => c.truth.label === '3.12')!;
  const truth = () => (core.truth as unknown as { snapshot: { extra: HeapTruth } }).snapshot.extra;

  it('prints the documented JSON', () => {
    const r = pycore(['heap', core.core, '--sysroot', SYSROOT, '--format', 'json', '--type', 'Leaky']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['types', 'objects_total', 'bytes_total', 'pymalloc']));
    expect(j.types).toEqual([expect.objectContaining({ name: 'Leaky', module: '__main__', count: 12345, bytes: truth().gc_types.find((t) => t[1] === 'Leaky')![4] })]);
    expect(j.objects_total).toBe(12345);
  });

  it('lists every type in JSON whatever --top says; --type filters every section and lists the instances, saying when it cut', () => {
    const all = JSON.parse(pycore(['heap', core.core, '--sysroot', SYSROOT, '--format', 'json', '--top', '3']).stdout);
    expect(all.types.length).toBe(all.types_total);
    expect(all.types.length).toBeGreaterThan(100);
    // Every class gc.get_objects() saw is there, with its count.
    for (const [module, qualname, id, count] of truth().gc_types) {
      const row = all.types.find((t: { type_address: string }) => Number(t.type_address) === id);
      expect(row?.gc_tracked, `${module}.${qualname}`).toBe(count);
    }
    const r = pycore(['heap', core.core, '--sysroot', SYSROOT, '--format', 'json', '--type', '__main__.Saved', '--instances', '5', '--largest', '3', '--leaks']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const saved = truth().gc_garbage.filter((g) => g[1] === 'Saved').map((g) => g[3]);
    expect(saved).toHaveLength(7);
    expect(j.types.map((t: { name: string }) => t.name)).toEqual(['Saved']);
    expect(j.largest).toHaveLength(3);
    expect(j.largest.every((o: { type: string }) => o.type === '__main__.Saved')).toBe(true);
    expect(j.largest_containers).toEqual([]);
    expect(j.leaks.gc_garbage).toEqual({ count: 7, types: [{ name: 'Saved', module: '__main__', count: 7 }] });
    expect(j.leaks.uncollected.types.every((t: { name: string }) => t.name === 'Saved')).toBe(true);
    expect(j.instances.total).toBe(7);
    expect(j.instances.limit).toBe(5);
    expect(j.instances.listed).toHaveLength(5);
    for (const x of j.instances.listed) expect(saved).toContain(Number(x.address));
    const text = pycore(['heap', core.core, '--sysroot', SYSROOT, '--type', 'Saved', '--instances', '5']).stdout;
    expect(text).toContain('Instances of Saved: 7 (first 5 listed; --instances N for more)');
  });

  it('sorts by count and keeps the top N in text', () => {
    const r = pycore(['heap', core.core, '--sysroot', SYSROOT, '--sort', 'count', '--top', '3']);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^\s+[\d,]+\s+~?[\d,]+\s+\S/.test(l));
    expect(rows).toHaveLength(3);
    const counts = rows.map((l) => Number(l.trim().split(/\s+/)[0].replace(/,/g, '')));
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
    expect(r.stdout).toMatch(/\(3 of \d+ types, by count/);
  });

  it('--malloc-stats prints only the allocator report', () => {
    const r = pycore(['heap', core.core, '--sysroot', SYSROOT, '--malloc-stats']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(recordedStderr(core.name).stats);
  });

  it('writes a Graphviz graph of the referrers', () => {
    const r = pycore(['referrers', core.core, hex(truth().referrers.target), '--sysroot', SYSROOT, '--dot', '-']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^digraph pycore \{/);
    expect(r.stdout).toContain(`"${hex(truth().known.HOLDER_LIST)}" -> "${hex(truth().referrers.target)}" [label="[0]"]`);
  });

  it('refuses a bad address and a core without Python in one line', () => {
    const bad = pycore(['referrers', core.core, 'nothex', '--sysroot', SYSROOT]);
    expect(bad.code).toBe(2);
    expect(expectOneLineError(bad)).toMatch(/not an address/);
    const notObject = pycore(['path', core.core, '0x10', '--sysroot', SYSROOT]);
    expect(notObject.code).toBe(2);
    expect(expectOneLineError(notObject)).toMatch(/0x10 is not an object \(memory not readable\)/);
    const none = pycore(['heap', nonPythonCore()]);
    expect(none.code).toBe(1);
    expect(expectOneLineError(none)).toMatch(/no Python interpreter/);
  });

  it('says which pymalloc numbers a stripped binary leaves unknown', () => {
    const deb = cores.find((c) => c.truth.label === 'debian-3.11')!;
    const r = pycore(['heap', deb.core, '--sysroot', SYSROOT, '--malloc-stats']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# arenas highwater mark +=\s+\?$/m);
    expect(r.stdout).toMatch(/^\[!\] .*found by scanning/m);
  });
});
