// The heap census of EVERY corpus core (every version, debug and stripped builds, gcore and
// kernel cores, the 1 GiB one) must be believable: its bytes fit in the core's memory, every type
// name is printable, no type averages under 16 bytes an object, every type row's type_address
// decodes (as `show` decodes it) as that very type, and what was left out is accounted for by
// reason. One walk per core. The same checks as /work/shared/checks/heap-sanity.py on fresh cores.
import { describe, expect, it } from 'vitest';
import { census } from '../src/analysis/heap/census.js';
import { openHeap } from '../src/analysis/heap/session.js';
import type { HeapReport } from '../src/analysis/heap/view-model.js';
import { openCore } from '../src/cli/open-core.js';
import { PT_LOAD } from '../src/elf/constants.js';
import { corpusCores, SYSROOT } from './helpers/corpus.js';

const PRINTABLE = /^[\x21-\x7e][\x20-\x7e]{0,199}$/;

interface Checked {
  report: HeapReport;
  mapped: number;
  /** Type rows whose type_address does not decode as their type. */
  misdecoded: string[];
  ms: number;
}

async function check(core: string): Promise<Checked> {
  const t0 = Date.now();
  const target = await openCore(core, { sysroot: SYSROOT, progress: false });
  const s = openHeap(target);
  if ('fatal' in s) throw new Error(s.fatal);
  const report = census(s, { top: 0, largest: 0 });
  const mapped = target.core.segments.reduce((a, p) => (p.type === PT_LOAD ? a + p.memsz : a), 0);
  const misdecoded: string[] = [];
  for (const row of report.types) {
    // As `pycore show TYPE_ADDRESS` shows it: a type object whose repr names the row's type.
    const v = s.objects.inspect(row.type_address, 0, 0);
    const named = v.repr === `<class '${row.module === 'builtins' ? '' : `${row.module}.`}${row.name}'>`;
    const d = s.objects.decoder.validate(Number(row.type_address));
    // 2.7: instances of an old-style class are counted by their class, a classobj (repr `<class m.C at 0x...>`).
    const oldStyle = d.ok && s.objects.decoder.kind(d.type) === 'classobj' && v.repr === `<class ${row.module}.${row.name} at ${row.type_address}>`;
    if (oldStyle) continue;
    if (!d.ok || s.objects.decoder.kind(d.type) !== 'type' && !(d.type.flags & (1 << 31)) || !named) misdecoded.push(`${row.module}.${row.name} at ${row.type_address}: ${v.type} ${v.repr}`);
  }
  s.heap.close();
  target.close();
  return { report, mapped, misdecoded, ms: Date.now() - t0 };
}

describe('heap census of every corpus core', () => {
  const cores = corpusCores();
  it('covers every kind of core', () => {
    const names = cores.map((c) => c.name);
    for (const n of ['3.8-heap', '3.13-heap', 'debian-3.11-heap', 'debian-3.11d-heap', '3.12-tracerefs-heap', '3.12-gcore-live', '3.12-big', '3.13-debugmalloc']) expect(names).toContain(n);
    expect(cores.length).toBeGreaterThan(80);
  });

  for (const c of cores) {
    it(c.name, async () => {
      const { report: r, mapped, misdecoded } = await check(c.core);
      expect(r.objects_total).toBeGreaterThan(1000);
      expect(r.bytes_total).toBeLessThanOrEqual(mapped);
      expect(r.bytes_total + r.bytes_estimated).toBeLessThanOrEqual(mapped);
      expect(r.types.filter((t) => !PRINTABLE.test(t.name) || !PRINTABLE.test(t.module)).map((t) => t.name)).toEqual([]);
      expect(r.types.filter((t) => t.bytes < 16 * t.count).map((t) => `${t.name}: ${t.count} in ${t.bytes}`)).toEqual([]);
      expect(misdecoded).toEqual([]);
      expect(r.types.length).toBe(r.types_total);
      expect(r.rejected.total).toBe(r.rejected.reasons.reduce((a, x) => a + x.count, 0));
      if (r.rejected.total > 0) expect(r.warnings.some((w) => w.includes('left out of every count'))).toBe(true);
    });
  }
});
