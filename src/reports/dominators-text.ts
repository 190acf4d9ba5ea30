// `pycore heap --dominators`: the objects retaining the most memory, why each is alive, and the
// leak suspects. Every string from the core goes through escapeForTerminal.
import { unreachableApart, type DominatorsReport, type DominatorView, type LeakSuspectView } from '../analysis/heap/dominators.js';
import { pathExpression } from './heap-refs.js';
import { escapeForTerminal as esc } from './sanitize.js';

const n = (x: number) => x.toLocaleString('en-US');
const pct = (f: number) => `${(f * 100).toFixed(1)}%`;

/** " (+N bytes estimated, M objects of unknown size)" when a retained size leaves some out. */
function apart(d: DominatorView): string {
  const parts: string[] = [];
  if (d.retained_estimated_bytes > 0) parts.push(`+${n(d.retained_estimated_bytes)} bytes estimated`);
  if (d.retained_unsized_objects > 0) parts.push(`${n(d.retained_unsized_objects)} objects of unknown size`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function why(d: DominatorView): string {
  if (d.path.root === null) return 'no chain from a root';
  return esc(pathExpression(d.path));
}

export function renderDominatorsText(r: DominatorsReport): string {
  const s = r.summary;
  const out: string[] = [];
  out.push(`Dominator tree (CPython ${r.version}): ${n(s.reachable)} objects reachable from ${n(Object.values(s.roots).reduce((a, b) => a + b, 0))} roots, ${n(s.heapBytes)} bytes (sys.getsizeof)`);
  if (s.heapEstimatedBytes > 0 || s.heapUnsized > 0) out.push(`  not in that total: ${n(s.heapEstimatedBytes)} bytes estimated, ${n(s.heapUnsized)} objects of unknown size`);
  out.push(`  roots: ${Object.entries(s.roots).filter(([, c]) => c > 0).map(([k, c]) => `${n(c)} ${k}`).join(', ')}`);
  if (s.unreachable.objects > 0) out.push(`  unreachable from every root: ${n(s.unreachable.objects)} objects, ${n(s.unreachable.bytes)} bytes${unreachableApart(s.unreachable, n)}`);
  out.push('');
  out.push('Largest retained sizes:');
  out.push(`  ${'retained'.padStart(14)} ${'heap'.padStart(6)} ${'objects'.padStart(10)} ${'shallow'.padStart(9)}  address         type`);
  for (const d of r.dominators) {
    out.push(`  ${n(d.retained_bytes).padStart(14)} ${pct(d.heap_fraction).padStart(6)} ${n(d.retained_objects).padStart(10)} ${(d.shallow_bytes === null ? '?' : n(d.shallow_bytes)).padStart(9)}  ${d.address}  ${esc(d.type)}${apart(d)}`);
    out.push(`      held by ${why(d)}`);
  }
  out.push('');
  out.push(`Leak suspects (retaining over ${pct(r.suspect_threshold)} of the heap):`);
  if (r.leak_suspects.length === 0) out.push('  none');
  for (const l of r.leak_suspects) out.push(...renderSuspect(l));
  for (const w of r.warnings) out.push(`[!] ${esc(w)}`);
  return out.join('\n') + '\n';
}

function renderSuspect(l: LeakSuspectView): string[] {
  const out = [`  ${l.address}  ${esc(l.type)} retains ${n(l.retained_bytes)} bytes (${pct(l.heap_fraction)} of the heap) in ${n(l.retained_objects)} objects${apart(l)}`];
  if (l.path.root === null) out.push('    no chain from a root');
  else {
    out.push(`    held by ${esc(l.path.root)}:`);
    for (const h of l.path.hops) out.push(`      ${h.label ? `${esc(h.label)} -> ` : ''}${h.address}  ${esc(h.type)}  ${esc(h.repr)}`);
  }
  out.push('    holds:');
  for (const h of l.holds) out.push(`      ${n(h.objects).padStart(10)} ${esc(h.type)} (${n(h.bytes)} bytes)`);
  return out;
}

export function renderDominatorsJson(r: DominatorsReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}
