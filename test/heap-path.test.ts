// `pycore path` roots and speed against what CPython recorded in the heap scenario
// (corpus/scenarios/heap.py): id(sys.intern("TARGET")) is the interned string the interned dict holds;
// gc.get_referents() of a generator suspended with a local `held` and of one object of each of
// several C types (descriptors, classmethod, traceback, weakref, deque, partial, ...).
import { beforeAll, describe, expect, it } from 'vitest';
import { path, pathRoots, referrers, refs } from '../src/analysis/heap/references.js';
import { openHeap, type HeapSession } from '../src/analysis/heap/session.js';
import { openCore } from '../src/cli/open-core.js';
import { corpusCores, SYSROOT } from './helpers/corpus.js';

type Referrer = [string, string, number, number];
/** The heap-worker thread's objects that only its frame, thread-state dict or handled exception hold. */
interface ThreadTruth {
  ident: number;
  frame: number;
  frame_function: string;
  frame_varnames: string[];
  held: number;
  tstate_dict: number;
  tstate_held: number;
  exc: number;
  exc_held: number;
  referrers: Record<'held' | 'tstate_dict' | 'tstate_held' | 'exc' | 'exc_held', Referrer[]>;
}

/** int.__dict__["from_bytes"], the dict gc.get_referrers() found holding it, and gc.get_referrers(int) with a subclass MyInt defined. */
interface StaticDictTruth {
  type: number;
  subclass: number;
  name: string;
  descriptor: number;
  referrers: Referrer[];
  type_referrers: Referrer[];
}

interface Truth {
  thread?: ThreadTruth;
  static_dict?: StaticDictTruth;
  interned: { TARGET: number };
  generator: { id: number; held: number; referents: [string, string, number, number][] };
  samples: Record<string, { id: number; referents: number[] }>;
  referrers: { target: number; recording_frame: number };
}

const cores = corpusCores().filter((c) => c.truth.scenario === 'heap');
const hex = (n: number) => `0x${n.toString(16)}`;

describe('path roots', () => {
  for (const c of cores) {
    describe(c.name, () => {
      let s: HeapSession;
      let truth: Truth;
      beforeAll(async () => {
        const opened = openHeap(await openCore(c.core, { sysroot: SYSROOT, progress: false }));
        if ('fatal' in opened) throw new Error(opened.fatal);
        s = opened;
        const extra = (c.truth as unknown as { snapshot: { extra: { more: Truth; referrers: Truth['referrers'] } } }).snapshot.extra;
        truth = { ...extra.more, referrers: extra.referrers };
      });

      it('has the interned-strings dict as a root, holding sys.intern("TARGET")', () => {
        const interned = [...pathRoots(s)].filter(([, r]) => r.label === 'interned strings').map(([a]) => a);
        // Debian's stripped 3.11 has no .symtab, so its static `interned` cannot be found.
        if (c.truth.label === 'debian-3.11') {
          expect(interned).toEqual([]);
          return;
        }
        expect(interned).toHaveLength(1);
        const keys = refs(s, interned[0]).references.filter((x) => x.label.startsWith('<key')).map((x) => x.address);
        expect(keys).toContain(hex(truth.interned.TARGET));
      });

      it("lists a suspended generator's references as gc.get_referents() did", () => {
        const g = truth.generator;
        const r = refs(s, g.id);
        expect(r.unreadable).toBeUndefined();
        expect([...new Set(r.references.map((x) => x.address))].sort()).toEqual([...new Set(g.referents.map((x) => hex(x[3])))].sort());
        // 3.11+ embeds the frame in the generator: its locals are the generator's references.
        if (!g.referents.some((x) => x[1] === 'frame')) expect(r.references.find((x) => x.label === '<local held>')?.address).toBe(hex(g.held));
      });

      it('lists the references of C-type objects as gc.get_referents() did', () => {
        const got = (id: number) => [...new Set(refs(s, id).references.map((x) => x.address))].sort();
        const want = (refsOf: number[]) => [...new Set(refsOf.map(hex))].sort();
        for (const [name, x] of Object.entries(truth.samples)) {
          // A struct sequence also holds hidden fields past its length.
          if (name === 'structseq') for (const a of got(x.id)) expect(want(x.referents), name).toContain(a);
          else expect(got(x.id), name).toEqual(want(x.referents));
        }
      });

      // Recorded by every heap core but debian-3.11d's (its interpreter package is no longer available to regenerate it).
      const recordsRoots = (c.truth as unknown as { snapshot: { extra: { more: Truth } } }).snapshot.extra.more.thread !== undefined;
      if (recordsRoots) {
        it("finds a thread's frame local as a root: the frame sys._current_frames() gave for that thread", () => {
          const t = truth.thread!;
          // CPython: only the running frame holds it, and (3.7+) a running frame's locals are invisible to
          // gc.get_referrers(); 3.6's gc.get_referrers() reports that frame itself.
          expect(t.referrers.held.map((x) => x[3]).filter((a) => a !== t.frame)).toEqual([]);
          expect(t.frame_function).toBe('thread_worker');
          expect(t.frame_varnames).toContain('held');
          const p = path(s, t.held);
          expect(p.root).toMatch(new RegExp(`^thread 0x${t.ident.toString(16).padStart(16, '0')}, frame thread_worker \\(.*heap\\.py:\\d+\\), local held$`));
          expect(p.levels).toBe(0);
          expect(p.hops.map((h) => h.address)).toEqual([hex(t.held)]);
          expect(pathRoots(s).get(t.held)?.frame).toBe(t.frame);
        });

        it("finds a thread state's dict as a root", () => {
          const t = truth.thread!;
          // CPython: the dict (PyThreadState_GetDict()) holds the object; no object holds the dict.
          expect(t.referrers.tstate_held.map((x) => x[3])).toEqual([t.tstate_dict]);
          expect(t.referrers.tstate_dict).toEqual([]);
          const p = path(s, t.tstate_held);
          expect(p.root).toBe(`thread state 0x${t.ident.toString(16).padStart(16, '0')}, dict`);
          expect(p.hops.map((h) => [h.label, h.address])).toEqual([['', hex(t.tstate_dict)], ["['pycore-heap']", hex(t.tstate_held)]]);
        });

        it('finds the exception a thread is handling as a root', () => {
          const t = truth.thread!;
          // CPython: the exception's args tuple holds the object; nothing GC-visible holds the exception.
          expect(t.referrers.exc).toEqual([]);
          expect(t.referrers.exc_held.map((x) => x[1])).toEqual(['tuple']);
          const p = path(s, t.exc_held);
          expect(p.root).toBe(`thread state 0x${t.ident.toString(16).padStart(16, '0')}, exc_info value`);
          expect(p.hops.map((h) => [h.label, h.address])).toEqual([['', hex(t.exc)], ['.args', hex(t.referrers.exc_held[0][3])], ['[0]', hex(t.exc_held)]]);
        });

        it("finds the referrers gc.get_referrers() found of the thread's objects, plus the running frame it cannot see", () => {
          const t = truth.thread!;
          const names = ['held', 'tstate_held', 'tstate_dict', 'exc', 'exc_held'] as const;
          const got = referrers(s, names.map((n) => t[n]));
          names.forEach((n, i) => {
            const want = t.referrers[n].map((x) => hex(x[3]));
            if (n === 'held' && !want.includes(hex(t.frame))) want.push(hex(t.frame));
            expect(got[i].references.map((x) => x.address).sort(), n).toEqual(want.sort());
          });
        });
      }

      if (recordsRoots) {
        it("reaches a static builtin type's __dict__ (3.12+: kept in the interpreter state, tp_dict is NULL)", () => {
          const t = truth.static_dict!;
          expect(t.referrers.map((x) => x[1])).toEqual(['dict']);
          const dict = t.referrers[0][3];
          const p = path(s, t.descriptor);
          const tail = p.hops.slice(-3).map((h) => [h.label, h.address]);
          expect(tail).toEqual([[expect.any(String), hex(t.type)], ['.__dict__', hex(dict)], ["['from_bytes']", hex(t.descriptor)]]);
          expect(referrers(s, [t.descriptor])[0].references.map((x) => x.address)).toEqual([hex(dict)]);
        });

        it("finds every referrer gc.get_referrers() found of a static type with a subclass (the subclass's __mro__, __bases__)", () => {
          const t = truth.static_dict!;
          const got = new Set(referrers(s, [t.type])[0].references.map((x) => x.address));
          for (const x of t.type_referrers) expect(got, `${x[1]} ${hex(x[3])}`).toContain(hex(x[3]));
          // A free-threaded 3.13 immortalizes heap types once a second thread starts, and its
          // gc.get_referrers() skips immortal objects: there the subclass is not among them.
          if (c.truth.python.build !== 'free-threaded') expect(t.type_referrers.map((x) => x[3])).toContain(t.subclass);
        });
      }

      it('reaches TARGET from its module globals in one hop', () => {
        const p = path(s, truth.referrers.target);
        expect(p.root).toMatch(/, global TARGET$/);
        expect(p.levels).toBe(0);
        expect(p.hops.map((x) => x.address)).toEqual([hex(truth.referrers.target)]);
      });
    });
  }
});
