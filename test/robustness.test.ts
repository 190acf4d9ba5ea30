// Objects far beyond the output limits (a 10**7-element list, a 1 GiB str, a 100 000-entry
// dict, a 10 000-deep list, a self-referential dict) are shown within the limits, in bounded
// time and memory (corpus/scenarios/big.py).
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.js';
import { openCore } from '../src/cli/open-core.js';
import { corpusCores, SYSROOT } from './helpers/corpus.js';

const big = corpusCores().find((c) => c.truth.scenario === 'big');

describe('robustness on huge objects', () => {
  it('has the big core', () => expect(big).toBeDefined());

  it('shows every local within the limits, quickly and in bounded memory', async () => {
    const target = await openCore(big!.core, { sysroot: SYSROOT });
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    const limits = { maxDepth: 6, maxItems: 100, maxStr: 1000 };
    const { report } = analyze(target, { locals: true, reprLimits: limits });
    const elapsed = performance.now() - t0;
    const grown = process.memoryUsage().rss - rssBefore;
    const frame = report.threads.find((t) => t.current)!.frames.find((f) => f.function === 'hold')!;
    const l = Object.fromEntries(frame.locals!.map((x) => [x.name, x.repr]));
    expect(l.huge_list.startsWith('[None, None')).toBe(true);
    expect(l.huge_list.endsWith(', ...]')).toBe(true);
    expect(l.huge_list.split('None').length - 1).toBe(limits.maxItems);
    expect(l.huge_str).toBe(`'${'x'.repeat(limits.maxStr)}'...`);
    expect(l.big_bytes.length).toBeLessThan(limits.maxStr * 4 + 10);
    expect(l.big_dict.split(': None').length - 1).toBe(limits.maxItems);
    expect(l.deep).toBe('[[[[[[[...]]]]]]]');
    expect(l.self_ref).toBe("{'me': {...}}");
    expect(elapsed).toBeLessThan(10_000);
    expect(grown).toBeLessThan(300 * 1024 * 1024);
  });
});
