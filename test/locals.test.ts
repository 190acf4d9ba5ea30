// --locals and `show` against CPython's own repr() of every local and of chosen objects,
// recorded by corpus/scenarios/locals.py just before the crash.
import { describe, expect, it } from 'vitest';
import { findRuntime } from '../src/cpython/runtime.js';
import { Objects } from '../src/analysis/objects.js';
import { openCore } from '../src/cli/open-core.js';
import { analyzeCore, corpusCores, SYSROOT } from './helpers/corpus.js';
import { analyze } from '../src/analysis/analyze.js';

interface LocalsTruth {
  locals: Record<string, Record<string, string>>;
  objects: Record<string, { id: string; type: string; repr: string; getsizeof: number }>;
}

const cores = corpusCores().filter((c) => c.truth.scenario === 'locals');
const extra = (c: (typeof cores)[number]) => (c.truth as unknown as { snapshot: { extra: LocalsTruth } }).snapshot.extra;

describe('locals and objects', () => {
  it('has a locals core for every version', () => expect(cores.length).toBeGreaterThanOrEqual(7));

  for (const c of cores) {
    it(`${c.name}: every recorded local equals repr()`, async () => {
      const target = await openCore(c.core, { sysroot: SYSROOT });
      const { report } = analyze(target, { locals: true });
      const thread = report.threads.find((t) => t.current)!;
      const truth = extra(c).locals;
      for (const [fn, vars] of Object.entries(truth)) {
        const frame = thread.frames.find((f) => f.function === fn);
        expect(frame, fn).toBeDefined();
        const mine = Object.fromEntries((frame!.locals ?? []).map((l) => [l.name, l.repr]));
        for (const [name, repr] of Object.entries(vars)) {
          // repr() of classes with their own __repr__ cannot be computed offline; pycore says so.
          if (mine[name]?.endsWith('(its __repr__ cannot run offline)>')) continue;
          expect(mine[name], `${fn}.${name}`).toBe(repr);
        }
      }
    });

    it(`${c.name}: show gives the recorded type and repr of chosen objects`, async () => {
      const target = await openCore(c.core, { sysroot: SYSROOT });
      const rt = findRuntime(target);
      if (!rt.ok) throw new Error('no runtime');
      const objects = Objects.create(rt.value, target);
      for (const [name, o] of Object.entries(extra(c).objects)) {
        const v = objects.inspect(o.id);
        expect(v.repr, name).toBe(o.repr);
        expect(v.type.split('.').pop(), name).toBe(o.type);
        expect(v.refcount, name).toBeGreaterThan(0);
        // Every object gets a size; it is sys.getsizeof() exactly unless marked an estimate.
        expect(v.size, `getsizeof(${name})`).not.toBeNull();
        if (!v.size_estimated) expect(v.size, `getsizeof(${name})`).toBe(o.getsizeof);
      }
    });
  }

  it('marks garbage addresses invalid instead of decoding them', async () => {
    const c = cores[0];
    const { report } = await analyzeCore(c.core);
    expect(report.threads.length).toBeGreaterThan(0);
    const target = await openCore(c.core, { sysroot: SYSROOT });
    const rt = findRuntime(target);
    if (!rt.ok) throw new Error('no runtime');
    const objects = Objects.create(rt.value, target);
    expect(objects.inspect('0x10').repr).toBe('<invalid object at 0x10: memory not readable>');
    expect(objects.inspect('0x7').repr).toMatch(/misaligned/);
    // The middle of a code object's bytes is not an object.
    const frameAddr = rt.value.runtimeAddress + 8;
    expect(objects.inspect(`0x${frameAddr.toString(16)}`).repr).toMatch(/^<invalid object at 0x[0-9a-f]+: /);
  });
});

describe('generators and exception chains', () => {
  // (2.7 has no exception chaining, and its locals scenario records no facts.)
  for (const c of cores.filter((x) => x.truth.label !== '2.7')) {
    it(`${c.name}: a suspended generator's line and an exception's cause and context`, async () => {
      const facts = (c.truth as unknown as { snapshot: { extra: { facts: { generator: { id: string; line: number; function: string }; chained: { id: string; cause: string; context: string } } } } }).snapshot.extra.facts;
      const target = await openCore(c.core, { sysroot: SYSROOT });
      const rt = findRuntime(target);
      if (!rt.ok) throw new Error('no runtime');
      const objects = Objects.create(rt.value, target);
      const g = Object.fromEntries(objects.inspect(facts.generator.id).details);
      expect(g['state']).toBe('suspended');
      const file = c.truth.threads.find((t) => t.current)!.frames.find((f) => f.function === 'crash_here')!.file;
      expect(g['suspended at']).toBe(`File "${file}", line ${facts.generator.line} in ${facts.generator.function}`);
      const wstr = (facts as unknown as { wstr_only: { id: string; repr: string } | null }).wstr_only;
      // 3.8-3.11: a str never made ready is read from its wchar_t buffer.
      if (wstr) expect(objects.inspect(wstr.id).repr).toBe(wstr.repr);
      const e = Object.fromEntries(objects.inspect(facts.chained.id).details);
      expect(e['__cause__']).toBe(facts.chained.cause);
      expect(e['__context__']).toBe(facts.chained.context);
    });
  }
});
