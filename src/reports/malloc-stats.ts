// `pycore heap CORE --malloc-stats`: pymalloc's state in the format of CPython's own
// _PyObject_DebugMallocStats() (what PYTHONMALLOCSTATS and sys._debugmallocstats() print),
// line for line, from the numbers pycore read in the core.
import type { MallocStatsView } from '../analysis/heap/view-model.js';
import { escapeForTerminal as esc } from './sanitize.js';

/** 1234567 -> "1,234,567" (what printone() does, independent of the locale). */
export function commas(n: number): string {
  const digits = String(Math.trunc(Math.abs(n)));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? `-${out}` : out;
}

/** printone(): the label padded to 35 columns, '=', the value with thousands commas in 21 columns. */
function printone(label: string, value: number | null): string {
  const v = value === null ? '?' : commas(value);
  return `${label.padEnd(35)}=${v.padStart(21)}`;
}

export function renderMallocStats(m: MallocStatsView): string {
  const out: string[] = [];
  out.push(`Small block threshold = ${m.threshold}, in ${m.num_classes} size classes.`);
  out.push('');
  out.push('class   size   num pools   blocks in use  avail blocks');
  out.push('-----   ----   ---------   -------------  ------------');
  for (const c of m.classes) out.push(`${String(c.index).padStart(5)} ${String(c.size).padStart(6)} ${String(c.pools).padStart(11)} ${String(c.blocks).padStart(15)} ${String(c.avail).padStart(13)}`);
  out.push('');
  const reclaimed = m.ntimes_arena_allocated === null ? null : m.ntimes_arena_allocated - m.narenas;
  out.push(printone('# arenas allocated total', m.ntimes_arena_allocated));
  out.push(printone('# arenas reclaimed', reclaimed));
  out.push(printone('# arenas highwater mark', m.narenas_highwater));
  out.push(printone('# arenas allocated current', m.narenas));
  out.push(printone(`${m.narenas} arenas * ${m.arena_size} bytes/arena`, m.narenas * m.arena_size));
  out.push('');
  const unused = m.num_free_pools * m.pool_size;
  out.push(printone('# bytes in allocated blocks', m.allocated_bytes));
  out.push(printone('# bytes in available blocks', m.available_bytes));
  out.push(printone(`${m.num_free_pools} unused pools * ${m.pool_size} bytes`, unused));
  out.push(printone('# bytes lost to pool headers', m.pool_header_bytes));
  out.push(printone('# bytes lost to quantization', m.quantization));
  out.push(printone('# bytes lost to arena alignment', m.arena_alignment));
  out.push(printone('Total', m.allocated_bytes + m.available_bytes + unused + m.pool_header_bytes + m.quantization + m.arena_alignment));
  if (m.arena_map) {
    const a = m.arena_map;
    out.push('');
    out.push('arena map counts');
    out.push(printone('# arena map mid nodes', a.mid));
    out.push(printone('# arena map bot nodes', a.bot));
    out.push('');
    const mid = a.mid === null ? null : a.mid * a.mid_bytes;
    const bot = a.bot === null ? null : a.bot * a.bot_bytes;
    out.push(printone('# bytes lost to arena map root', a.root_bytes));
    out.push(printone('# bytes lost to arena map mid', mid));
    out.push(printone('# bytes lost to arena map bot', bot));
    out.push(printone('Total', mid === null || bot === null ? null : a.root_bytes + mid + bot));
  }
  if (m.free_lists?.length) {
    out.push('');
    // _PyDebugAllocatorStats(): "%d %ss * %zd bytes each" right-aligned in 48 columns, then printone().
    for (const f of m.free_lists) out.push(printone(`${`${f.count ?? '?'} free ${esc(f.name)}s * ${f.size} bytes each`.padStart(48)} `, f.count === null ? null : f.count * f.size));
  }
  return out.join('\n') + '\n';
}

/** Every obmalloc state: one report each, headed by where it was found when there are several. */
export function renderAllMallocStats(heaps: MallocStatsView[], warnings: string[] = []): string {
  const notes = warnings.map((w) => `[!] ${esc(w)}\n`).join('');
  if (heaps.length === 1) return renderMallocStats(heaps[0]) + problems(heaps[0]) + notes;
  return heaps.map((h) => `# ${esc(h.where)}\n${renderMallocStats(h)}${problems(h)}`).join('\n') + notes;
}

function problems(h: MallocStatsView): string {
  return h.problems.map((p) => `[!] ${esc(p)}\n`).join('');
}
