// PYTHONMALLOC=debug cores (corpus/scenarios/debugmalloc.py): the block whose damage tripped
// CPython's check is found and reported in CPython's own words, byte for byte as it printed
// them; the other damaged blocks, which CPython never checked (in pools, and system-malloc
// blocks of big objects), are found too, each printed as CPython's _PyObject_DebugDumpAddress
// printed it at generation time (3.9+ and the Debian debug build; 3.8 inlines the function; so do
// 3.6 and 3.7, where a fork of the process per block printed it, serial number included);
// the block before a leading-pad hit is named with its object; --check reports any block; the
// ctypes use-after-free is found from the list items and the local that still point at it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.js';
import type { CheckedBlockView, MemoryErrorView } from '../src/analysis/memory-check.js';
import { openCore } from '../src/cli/open-core.js';
import { fillBytesOf } from '../src/cpython/debug-allocator.js';
import { capabilitiesOf } from '../src/cpython-layouts/layout.js';
import { parseVersionString } from '../src/cpython-layouts/version.js';
import { debugBlockText } from '../src/reports/debug-block-text.js';
import { expectOneLineError, pycore } from './helpers/cli.js';
import { corpusCores, SYSROOT } from './helpers/corpus.js';

const cores = corpusCores().filter((c) => c.truth.scenario === 'debugmalloc');

interface Damaged {
  address: string;
  requested: number;
  written: string;
}
interface Facts {
  survivor: Damaged;
  victim: Damaged;
  /** Held only inside a list: found by the walk of pymalloc's pools (or a stale stack pointer). */
  hidden: Damaged;
  /** System-malloc blocks (over 512 bytes): a bytes object only a list holds, and a GC-tracked tuple. */
  big: Damaged & { before: { address: string; repr: string } };
  bigtuple: Damaged & { object: string };
  /** Leading pad bytes p-3..p-1 overwritten; `before` is the object in the block just before it. */
  leading: Damaged & { before: { address: string; repr: string; where?: 'same pool' | 'previous malloc chunk' } };
  intact: { address: string; requested: number };
  /** Whether the hooks sat on pymalloc (absent: they did; 3.6's PYTHONMALLOC=debug puts them on malloc). */
  pymalloc?: boolean;
  uaf: { small: string; big: string; list: string; local: string; function: string };
  /** What CPython's _PyObject_DebugDumpAddress printed for each block, when the generator could call it. */
  cpython_dumps: Record<'survivor' | 'hidden' | 'big' | 'bigtuple' | 'leading' | 'intact', string> | null;
}

const factsOf = (c: (typeof cores)[number]) => (c.truth as unknown as { snapshot: { extra: { debugmalloc: Facts } } }).snapshot.extra.debugmalloc;
/** CPython's dump up to the blank line after "Data at p" (what follows is tracemalloc's part). */
const dumpBlock = (text: string) => text.slice(0, text.indexOf('\n\n') + 1);
const padValue = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;

describe('debug allocator checks', () => {
  it('has a debugmalloc core for every version', () => expect(cores.length).toBeGreaterThanOrEqual(7));

  for (const c of cores) {
    describe(c.name, () => {
      const facts = factsOf(c);
      const run = (async () => {
        const t = await openCore(c.core, { sysroot: SYSROOT });
        return analyze(t, { checkAddresses: [Number.parseInt(facts.intact.address, 16), Number.parseInt(facts.bigtuple.object, 16), Number.parseInt(facts.uaf.small, 16), 0x10], referrers: true }).report;
      })();
      const damaged = ['victim', 'survivor', 'hidden', 'big', 'bigtuple', 'leading'] as const;

      it('finds exactly the damaged blocks; the tripped one is printed exactly as CPython printed it', async () => {
        const report = await run;
        const blocks = report.memory_errors.filter((e) => e.kind !== 'use-after-free');
        const byAddress = new Map(blocks.map((e) => [e.address, e]));
        expect([...byAddress.keys()].sort()).toEqual(damaged.map((w) => facts[w].address).sort());
        for (const which of damaged) {
          const f = facts[which];
          const e = byAddress.get(f.address)!;
          expect(e.requested, which).toBe(f.requested);
          expect(e.api).toBe('o');
          const written = [...Buffer.from(f.written, 'hex')];
          if (which === 'leading') {
            expect(e.kind).toBe('leading-pad');
            expect(e.bad_pads).toEqual(written.map((v, i) => ({ base: 'p', offset: i - written.length, value: padValue(v) })));
          } else {
            expect(e.kind, which).toBe('trailing-pad');
            expect(e.bad_pads).toEqual(written.map((v, i) => ({ base: 'tail', offset: i, value: padValue(v) })));
          }
        }
        const stderr = readFileSync(c.core.replace(/\.core\.gz$/, '.stderr.txt'), 'utf8');
        const printed = dumpBlock(stderr.slice(stderr.indexOf('Debug memory block at address p=')));
        expect(debugBlockText(byAddress.get(facts.victim.address)!).join('\n')).toBe(printed);
        expect(report.fatal_error_from).toBeDefined();
        // `del victim` (a bytes object, id() recorded) tripped the check while freeing it: its
        // refcount is 0, and pycore says what it was rather than "invalid".
        expect(byAddress.get(facts.victim.address)!.object).toEqual({ address: facts.victim.address, type: 'bytes', repr: `<bytes object at ${facts.victim.address} being deallocated (refcount 0)>` });
        // The block the hooks were checking, when their frames show it, is the victim; and the
        // API id of every block is right (the hooks checked it for 'o': no bad-ID finding).
        for (const e of blocks) if (/was checking when/.test(e.found_via)) expect(e.address).toBe(facts.victim.address);
        expect(blocks.filter((e) => e.kind === 'bad-api-id')).toEqual([]);
      });

      it('prints every other damaged block as CPython printed it when asked', async () => {
        const dumps = facts.cpython_dumps;
        if (dumps === null) {
          // 3.8 inlines _PyObject_DebugDumpAddress, Debian's stripped build has no symbol for it.
          expect(c.truth.label === '3.8' || c.truth.label === 'debian-3.11').toBe(true);
          return;
        }
        const report = await run;
        const byAddress = new Map(report.memory_errors.map((e) => [e.address, e]));
        for (const which of ['survivor', 'hidden', 'big', 'bigtuple', 'leading'] as const) {
          expect(debugBlockText(byAddress.get(facts[which].address)!).join('\n'), which).toBe(dumpBlock(dumps[which]));
        }
        const intact = report.checked_blocks![0] as Exclude<CheckedBlockView, { error: string }>;
        expect(intact.ok).toBe(true);
        expect(debugBlockText(intact).join('\n')).toBe(dumpBlock(dumps.intact));
      });

      it('names the block before a leading-pad hit and the object in it, as the likely source', async () => {
        const report = await run;
        const e = report.memory_errors.find((x) => x.address === facts.leading.address)!;
        expect(e.neighbor).toMatchObject({ address: facts.leading.before.address, where: facts.leading.before.where ?? 'same pool', state: 'in use', likely_source: true, problems: [] });
        expect(e.neighbor!.object).toMatchObject({ address: facts.leading.before.address, type: 'bytes', repr: facts.leading.before.repr });
        // A trailing-pad block: the block before it is reported, but not blamed.
        const s = report.memory_errors.find((x) => x.address === facts.survivor.address)!;
        if (s.neighbor) expect(s.neighbor.likely_source).toBe(false);
      });

      it('names the malloc chunk before a system-malloc block and the object in it', async () => {
        const report = await run;
        const e = report.memory_errors.find((x) => x.address === facts.big.address)!;
        expect(e.neighbor).toMatchObject({ address: facts.big.before.address, where: 'previous malloc chunk', state: 'in use', debug_block: true, requested: facts.big.requested, problems: [], likely_source: false });
        // The repr is cut at 200 characters.
        const repr = e.neighbor!.object!.repr;
        expect(repr.endsWith('...') && facts.big.before.repr.startsWith(repr.slice(0, -3))).toBe(true);
      });

      it('finds the system-malloc blocks through the heap walk and the referrers of damaged objects', async () => {
        const report = await run;
        const big = report.memory_errors.find((x) => x.address === facts.big.address)!;
        expect(big.found_via).toContain("outside pymalloc's pools");
        expect(big.object?.type).toBe('bytes');
        expect(big.referrers?.map((r) => r.how)).toContain('[0]');
        const tuple = report.memory_errors.find((x) => x.address === facts.bigtuple.address)!;
        expect(tuple.object).toMatchObject({ address: facts.bigtuple.object, type: 'tuple' });
        const survivor = report.memory_errors.find((x) => x.address === facts.survivor.address)!;
        expect(survivor.referrers).toContainEqual({ address: null, type: 'frame', how: 'local survivor in main' });
      });

      it('reports the use-after-free with the list items and the local that still point at freed memory', async () => {
        const report = await run;
        const uaf = new Map(report.memory_errors.filter((e) => e.kind === 'use-after-free').map((e) => [e.address, e]));
        expect([...uaf.keys()].sort()).toEqual([facts.uaf.small, facts.uaf.big].sort());
        const small = uaf.get(facts.uaf.small)!;
        const big = uaf.get(facts.uaf.big)!;
        // Without pymalloc (3.6's PYTHONMALLOC=debug) the small object was malloc'd too.
        expect(small.freed).toContain(facts.pymalloc === false ? 'dead-byte fill' : "on its pool's free list");
        expect(big.freed).toContain('dead-byte fill');
        // The build's dead byte repeated, as a signed refcount: 0xdddddddddddddddd (0xdbdb... before 3.7.4).
        const dead = BigInt(fillBytesOf(capabilitiesOf(parseVersionString(c.truth.python.version)!, false)!.debugFill).dead) * 0x0101010101010101n;
        expect(small.object?.repr).toBe(`<refcnt ${BigInt.asIntN(64, dead)} at ${facts.uaf.small}>`);
        expect(small.referrers).toContainEqual({ address: facts.uaf.list, type: 'list', how: '[0]' });
        expect(small.referrers!.some((r: NonNullable<MemoryErrorView['referrers']>[number]) => r.address === null && r.how.startsWith(`local ${facts.uaf.local} in ${facts.uaf.function} `))).toBe(true);
        expect(big.referrers).toContainEqual({ address: facts.uaf.list, type: 'list', how: '[1]' });
      });

      it('--check: any block by p or by object address; a clear error where there is none', async () => {
        const report = await run;
        const [intact, tuple, freed, unmapped] = report.checked_blocks!;
        expect(intact).toMatchObject({ given: facts.intact.address, ok: true, problems: [], address: facts.intact.address, requested: facts.intact.requested });
        expect(tuple).toMatchObject({ given: facts.bigtuple.object, ok: false, problems: ['trailing-pad'], address: facts.bigtuple.address, requested: facts.bigtuple.requested });
        expect('error' in freed && freed.error).toMatch(/is freed memory/);
        expect('error' in unmapped && unmapped.error).toMatch(/^0x10 is not mapped in the core; pass /);
      });
    });
  }
});

describe("debug allocator checks: pymalloc's pools", () => {
  it('finds a damaged block no local names and no stack points at, by walking the pools', async () => {
    const { findRuntime } = await import('../src/cpython/runtime.js');
    const { readInterpreters } = await import('../src/cpython/threads.js');
    const { walkFrames } = await import('../src/cpython/frames.js');
    const { defaultLimits } = await import('../src/cpython/limits.js');
    const { Objects } = await import('../src/analysis/objects.js');
    const { Heap } = await import('../src/cpython/heap.js');
    const { usedBlocks } = await import('../src/cpython/pymalloc.js');
    const { checkMemory } = await import('../src/analysis/memory-check.js');
    for (const c of cores.filter((x) => !x.truth.label.startsWith('debian') && factsOf(x).pymalloc !== false)) {
      const facts = factsOf(c);
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

describe('memory check on cores without the debug hooks', () => {
  for (const name of ['3.12-heap', '3.8-locals']) {
    it(`${name}: nothing is blamed`, async () => {
      const c = corpusCores().find((x) => x.name === name)!;
      const t = await openCore(c.core, { sysroot: SYSROOT });
      expect(analyze(t).report.memory_errors).toEqual([]);
    });
  }
});

describe('analyze --check on the command line', () => {
  const c = cores.find((x) => x.truth.label === '3.12')!;
  it('prints the report, then says in one line that an address holds no block, with exit status 2', () => {
    const r = pycore(['analyze', c.core, '--sysroot', SYSROOT, '--check', factsOf(c).intact.address, '--check', '0x10']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`Checked blocks (--check), in CPython's words:\n\nDebug memory block at address p=${factsOf(c).intact.address}: API 'o'\n`);
    expect(expectOneLineError(r)).toBe("pycore: --check: 0x10 is not mapped in the core; pass the address CPython printed as p=0x..., or an object's address");
  });
  it('refuses something that is not an address before opening the core', () => {
    const r = pycore(['analyze', c.core, '--check', 'banana']);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/--check banana: not an address; pass a hexadecimal address/);
  });
});
