// A damaged debug-allocator block in CPython's own words (_PyObject_DebugDumpAddress), with the
// build's FORBIDDENBYTE and, for 3.6-3.7, the block's serial number.
import { fillText, padByte, referrerText, type MemoryErrorView, type NeighborView } from '../analysis/memory-check.js';
import { escapeForTerminal as esc } from './sanitize.js';

const h2 = (b: number) => b.toString(16).padStart(2, '0');
const hex = (a: string) => a;

/** A use-after-free has no block to print: pycore's own lines instead. */
export function debugBlockText(e: Pick<MemoryErrorView, 'address' | 'freed' | 'object'> & Pick<MemoryErrorView, 'block'>): string[] {
  const b = e.block;
  if (!b) return [`Use after free: ${e.address} is freed memory: ${e.freed ?? '?'}`, ...(e.object ? [`    it reads as ${esc(e.object.repr)}`] : []), ''];
  const out: string[] = [];
  out.push(`Debug memory block at address p=${hex(e.address)}: API '${String.fromCharCode(b.api)}'`);
  out.push(`    ${b.requested} bytes originally requested`);
  const lead = b.leading;
  const pad = padByte(b);
  if (lead.every((x) => x === pad)) out.push('    The 7 pad bytes at p-7 are FORBIDDENBYTE, as expected.');
  else {
    out.push(`    The 7 pad bytes at p-7 are not all FORBIDDENBYTE (0x${h2(pad)}):`);
    for (let i = 7; i >= 1; i--) {
      const v = lead[7 - i];
      out.push(`        at p-${i}: 0x${h2(v)}${v !== pad ? ' *** OUCH' : ''}`);
    }
    out.push('    Because memory is corrupted at the start, the count of bytes requested');
    out.push('       may be bogus, and checking the trailing pad bytes may segfault.');
  }
  const tail = `0x${(Number.parseInt(e.address, 16) + b.requested).toString(16)}`;
  if (b.trailing === null) out.push(`    The 8 pad bytes at tail=${tail} are not readable in the core.`);
  else if (b.trailing.every((x) => x === pad)) out.push(`    The 8 pad bytes at tail=${tail} are FORBIDDENBYTE, as expected.`);
  else {
    out.push(`    The 8 pad bytes at tail=${tail} are not all FORBIDDENBYTE (0x${h2(pad)}):`);
    b.trailing.forEach((v, i) => out.push(`        at tail+${i}: 0x${h2(v)}${v !== pad ? ' *** OUCH' : ''}`));
  }
  // 3.6-3.7 print the serial number the hooks wrote after the trailing pad.
  if (b.serial !== undefined)
    out.push(b.serial === null ? '    The serial number at tail+8 is not readable in the core.' : `    The block was made by call #${b.serial} to debug malloc/realloc.`);
  if (b.requested > 0) {
    let line = '    Data at p:' + b.dataHead.map((x) => ` ${h2(x)}`).join('');
    if (b.requested > 8) line += (b.requested - 8 > 8 ? ' ...' : '') + b.dataTail.map((x) => ` ${h2(x)}`).join('');
    out.push(line);
  }
  out.push('');
  return out;
}

/** CPython's fatal error for a block checked against another API than its own (_PyMem_DebugCheckAddress). */
export function badIdText(e: Pick<MemoryErrorView, 'api' | 'verified_api'>): string | null {
  return e.verified_api === undefined || e.api === null ? null : `bad ID: Allocated using API '${esc(e.api)}', verified using API '${esc(e.verified_api)}'`;
}

/** What pycore adds under a block: why the hooks aborted on it, what its data is, the block before it and its object, and who refers to the object. */
export function pycoreBlockLines(e: Pick<MemoryErrorView, 'neighbor' | 'referrers' | 'kind' | 'api' | 'verified_api' | 'checked_by' | 'fill' | 'block'>): string[] {
  const out: string[] = [];
  const badId = badIdText(e);
  if (badId) out.push(`    pycore: ${badId} (the check that aborted${e.checked_by ? `, in ${esc(e.checked_by)}` : ''})`);
  if (e.fill && e.block) out.push(`    pycore: its data is ${fillText(e.fill, e.block)}`);
  if (e.neighbor) out.push(`    pycore: ${neighborText(e.neighbor)}`);
  else if (e.neighbor === null && e.kind !== 'use-after-free') out.push('    pycore: the block before it is unknown (first block of its pool, or a malloc chunk pycore did not find)');
  if (e.referrers) {
    const verb = e.kind === 'use-after-free' ? 'still referred to by' : 'referred to by';
    if (e.referrers.length === 0) out.push(`    pycore: ${verb} nothing pycore found`);
    for (const r of e.referrers) out.push(`    pycore: ${verb} ${esc(referrerText(r))}`);
  }
  return out;
}

function neighborText(n: NeighborView): string {
  const what = n.state === 'free' ? 'free' : n.object ? `${esc(n.object.type)} ${esc(n.object.repr)}` : n.debug_block ? 'no object pycore recognised' : 'not a debug-allocator block';
  const block = n.requested !== null ? `, ${n.requested} bytes requested${n.problems.length ? `, itself damaged (${n.problems.join(', ')})` : ''}` : '';
  const at = n.debug_block || n.where === 'same pool' ? `p=${n.address}` : n.address;
  return `the block before it (${n.where}) at ${at}${block}: ${what}${n.likely_source ? ' — the likely source of the overwrite' : ''}`;
}
