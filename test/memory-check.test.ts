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
}

describe('debug allocator checks', () => {
  it('has a debugmalloc core for every version', () => expect(cores.length).toBeGreaterThanOrEqual(7));

  for (const c of cores) {
    it(`${c.name}: both damaged blocks found; the tripped one printed exactly as CPython printed it`, async () => {
      const facts = (c.truth as unknown as { snapshot: { extra: { debugmalloc: Facts } } }).snapshot.extra.debugmalloc;
      const { report } = await analyzeCore(c.core);
      const byAddress = new Map(report.memory_errors.map((e) => [e.address, e]));
      // Exactly the two damaged blocks: nothing else is blamed.
      expect([...byAddress.keys()].sort()).toEqual([facts.victim.address, facts.survivor.address].sort());
      for (const which of ['victim', 'survivor'] as const) {
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
