// `pycore path` roots and speed against what CPython recorded in the heap scenario
// (corpus/scenarios/heap.py): id(sys.intern("TARGET")) is the interned string the interned dict holds;
// gc.get_referents() of a generator suspended with a local `held` and of one object of each of
// several C types (descriptors, classmethod, traceback, weakref, deque, partial, ...).
import { beforeAll, describe, expect, it } from 'vitest';
import { path, pathRoots, refs } from '../src/analysis/heap/references.js';
import { openHeap, type HeapSession } from '../src/analysis/heap/session.js';
import { openCore } from '../src/cli/open-core.js';
import { corpusCores, SYSROOT } from './helpers/corpus.js';

interface Truth {
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

      it('reaches TARGET from its module globals in one hop', () => {
        const p = path(s, truth.referrers.target);
        expect(p.root).toMatch(/, global TARGET$/);
        expect(p.levels).toBe(0);
        expect(p.hops.map((x) => x.address)).toEqual([hex(truth.referrers.target)]);
      });
    });
  }
});
