// A damaged debug-allocator block in CPython's own words (_PyObject_DebugDumpAddress, 3.8+).
import type { MemoryErrorView } from '../analysis/memory-check.js';

const h2 = (b: number) => b.toString(16).padStart(2, '0');
const hex = (a: string) => a;

export function debugBlockText(e: MemoryErrorView): string[] {
  const b = e.block;
  const out: string[] = [];
  out.push(`Debug memory block at address p=${hex(e.address)}: API '${String.fromCharCode(b.api)}'`);
  out.push(`    ${b.requested} bytes originally requested`);
  const lead = b.leading;
  if (lead.every((x) => x === 0xfd)) out.push('    The 7 pad bytes at p-7 are FORBIDDENBYTE, as expected.');
  else {
    out.push('    The 7 pad bytes at p-7 are not all FORBIDDENBYTE (0xfd):');
    for (let i = 7; i >= 1; i--) {
      const v = lead[7 - i];
      out.push(`        at p-${i}: 0x${h2(v)}${v !== 0xfd ? ' *** OUCH' : ''}`);
    }
    out.push('    Because memory is corrupted at the start, the count of bytes requested');
    out.push('       may be bogus, and checking the trailing pad bytes may segfault.');
  }
  const tail = `0x${(Number.parseInt(e.address, 16) + b.requested).toString(16)}`;
  if (b.trailing === null) out.push(`    The 8 pad bytes at tail=${tail} are not readable in the core.`);
  else if (b.trailing.every((x) => x === 0xfd)) out.push(`    The 8 pad bytes at tail=${tail} are FORBIDDENBYTE, as expected.`);
  else {
    out.push(`    The 8 pad bytes at tail=${tail} are not all FORBIDDENBYTE (0xfd):`);
    b.trailing.forEach((v, i) => out.push(`        at tail+${i}: 0x${h2(v)}${v !== 0xfd ? ' *** OUCH' : ''}`));
  }
  if (b.requested > 0) {
    let line = '    Data at p:' + b.dataHead.map((x) => ` ${h2(x)}`).join('');
    if (b.requested > 8) line += (b.requested - 8 > 8 ? ' ...' : '') + b.dataTail.map((x) => ` ${h2(x)}`).join('');
    out.push(line);
  }
  out.push('');
  return out;
}
