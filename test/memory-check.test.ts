// PYTHONMALLOC=debug cores (corpus/scenarios/debugmalloc.py): the block whose damage tripped
// CPython's check is found and reported in CPython's own words, byte for byte as it printed
// them; the other damaged block, which CPython never checked, is found too.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { debugBlockText } from '../src/reports/debug-block-text.js';
import { analyzeCore, corpusCores } from './helpers/corpus.js';

const cores = corpusCores().filter((c) => c.truth.scenario === 'debugmalloc');

interface Facts {
  survivor: { address: string; requested: number; written: string };
  victim: { address: string; requested: number; written: string };
  /** Held only inside a list: found by the walk of pymalloc's pools (or a stale stack pointer). */
  hidden: { address: string; requested: number; written: string };
}

describe('debug allocator checks', () => {
  it('has a debugmalloc core for every version', () => expect(cores.length).toBeGreaterThanOrEqual(7));

  for (const c of cores) {
    it(`${c.name}: both damaged blocks found; the tripped one printed exactly as CPython printed it`, async () => {
      const facts = (c.truth as unknown as { snapshot: { extra: { debugmalloc: Facts } } }).snapshot.extra.debugmalloc;
      const { report } = await analyzeCore(c.core);
      const byAddress = new Map(report.memory_errors.map((e) => [e.address, e]));
      // Exactly the two damaged blocks: nothing else is blamed.
      expect([...byAddress.keys()].sort()).toEqual([facts.victim.address, facts.survivor.address, facts.hidden.address].sort());
      for (const which of ['victim', 'survivor', 'hidden'] as const) {
        const f = facts[which];
        const e = byAddress.get(f.address);
        expect(e, which).toBeDefined();
        expect(e!.kind).toBe('trailing-pad');
        expect(e!.requested).toBe(f.requested);
        expect(e!.api).toBe('o');
        const written = Buffer.from(f.written, 'hex');
        expect(e!.bad_pads).toEqual([...written].map((v, i) => ({ base: 'tail', offset: i, value: `0x${v.toString(16).padStart(2, '0')}` })));
      }
      const stderr = readFileSync(c.core.replace(/\.core\.gz$/, '.stderr.txt'), 'utf8');
      const start = stderr.indexOf('Debug memory block at address p=');
      const end = stderr.indexOf('\n\n', start);
      const printed = stderr.slice(start, end + 1);
      expect(debugBlockText(byAddress.get(facts.victim.address)!).join('\n')).toBe(printed);
      expect(report.fatal_error_from).toBeDefined();
    });
  }
});

describe("debug allocator checks: pymalloc's pools", () => {
  it('finds a damaged block no local names and no stack points at, by walking the pools', async () => {
    const { openCore } = await import('../src/cli/open-core.js');
    const { findRuntime } = await import('../src/cpython/runtime.js');
    const { readInterpreters } = await import('../src/cpython/threads.js');
    const { walkFrames } = await import('../src/cpython/frames.js');
    const { defaultLimits } = await import('../src/cpython/limits.js');
    const { Objects } = await import('../src/analysis/objects.js');
    const { Heap } = await import('../src/cpython/heap.js');
    const { usedBlocks } = await import('../src/cpython/pymalloc.js');
    const { checkMemory } = await import('../src/analysis/memory-check.js');
    const { SYSROOT } = await import('./helpers/corpus.js');
    for (const c of cores.filter((x) => !x.truth.label.startsWith('debian'))) {
      const facts = (c.truth as unknown as { snapshot: { extra: { debugmalloc: Facts } } }).snapshot.extra.debugmalloc;
      const t = await openCore(c.core, { sysroot: SYSROOT });
      const rt = findRuntime(t);
      if (!rt.ok) throw new Error('runtime');
      const { interpreters } = readInterpreters(rt.value, defaultLimits);
      const o = Objects.create(rt.value, t);
      const frames = interpreters.flatMap((i) => i.threads.flatMap((ts) => walkFrames(rt.value, ts, o.decoder.codes, defaultLimits).frames));
      const heap = new Heap(rt.value, t, o.decoder, interpreters);
      const blocks = function* () {
        for (const h of heap.pymalloc.heaps) yield* usedBlocks(h, rt.value.layout, heap.mem, 1_000_000);
      };
      // No crashing thread: the stack scan is off, so only locals and the pools remain.
      const errs = checkMemory(t, o.decoder, frames, undefined, blocks);
      expect(errs.find((e) => e.address === facts.hidden.address)?.found_via, c.name).toBe("pymalloc's pools (a block in use)");
      expect(errs.find((e) => e.address === facts.survivor.address)?.found_via, c.name).toBe('local survivor in main');
    }
  });
});
