// The lines of the two read-only heap views: pymalloc's statistics (a bar chart of the size
// classes, then CPython's own report) and the memory errors (CPython's text per block).
import type { MallocStatsView } from '../../../src/analysis/heap/view-model.js';
import type { MemoryErrorView } from '../../../src/analysis/memory-check.js';
import { debugBlockText } from '../../../src/reports/debug-block-text.js';
import { allocationTracebackText } from '../../../src/reports/tracemalloc-text.js';
import { commas, renderAllMallocStats } from '../../../src/reports/malloc-stats.js';
import { escapeForTerminal as esc } from '../../../src/reports/sanitize.js';

/** One bar per size class in use: its blocks in use, scaled to the fullest class. */
export function sizeClassBars(m: MallocStatsView, width: number): string[] {
  const used = m.classes.filter((c) => c.blocks > 0 || c.avail > 0);
  const most = Math.max(1, ...used.map((c) => c.blocks));
  const barWidth = Math.max(width - 34, 5);
  const out = [`Blocks in use per size class (${esc(m.where)})`, ''];
  for (const c of used) {
    const bar = '█'.repeat(Math.round((c.blocks / most) * barWidth));
    out.push(`${String(c.size).padStart(5)} B ${commas(c.blocks).padStart(11)}  ${bar || '▏'}`);
  }
  if (used.length === 0) out.push('  (no size class has blocks)');
  return out;
}

export function mallocLines(heaps: MallocStatsView[], note: string | null, width: number): string[] {
  if (heaps.length === 0) return [`pymalloc's state is not readable: ${esc(note ?? 'no obmalloc state found')}`];
  const bars = heaps.flatMap((h) => [...sizeClassBars(h, width), '']);
  return [...bars, "As sys._debugmallocstats() prints it:", '', ...renderAllMallocStats(heaps, note ? [note] : []).split('\n')];
}

export function memoryErrorLines(errors: readonly MemoryErrorView[]): string[] {
  if (errors.length === 0) return ['No damaged debug-allocator block found (from the locals, their items and the crashing stack).'];
  return errors.flatMap((e, i) => [
    `#${i} ${esc(e.kind)} at ${esc(e.address)}, found via ${esc(e.found_via)}${e.object ? `; holds ${esc(e.object.type)} ${esc(e.object.repr)}` : ''}`,
    ...debugBlockText(e).map(esc),
    ...(e.tracemalloc === 'traced' ? ['', ...allocationTracebackText(e).slice(0, -1)].map(esc) : []),
  ]);
}
