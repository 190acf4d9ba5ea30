// `pycore heap CORE`: the census as a table (like objgraph.show_most_common_types(), with
// bytes), the largest objects, GC generations, pymalloc totals and leak hints; and its JSON.
import type { GenerationView, HeapReport, LeakHintsView, ObjectSizeView, TypeCountView } from '../analysis/heap/view-model.js';
import { commas } from './malloc-stats.js';
import { escapeForTerminal as esc } from './sanitize.js';

const qualified = (t: { module: string; name: string }) => (t.module === 'builtins' ? t.name : `${t.module}.${t.name}`);

export function renderHeapText(r: HeapReport): string {
  const out: string[] = [];
  const who = r.pid !== null ? `pid ${r.pid}, ` : '';
  const estimated = r.bytes_estimated > 0 ? ` (+ ~${commas(r.bytes_estimated)} estimated)` : '';
  out.push(`Heap of ${who}Python ${esc(r.python)}${r.instances ? ` (--type ${esc(r.instances.type)})` : ''}: ${commas(r.objects_total)} objects, ${commas(r.bytes_total)} bytes (sys.getsizeof)${estimated}`);
  const s = r.sources;
  const mi = s.mimalloc;
  if (mi)
    out.push(`  found in mimalloc heaps ${commas(mi.objects)} (free-threaded: ${commas(mi.gc_tracked)} tracked by the GC, in ${commas(mi.pages)} pages of ${commas(mi.thread_heaps)} thread heaps${mi.abandoned_segments ? ` and ${commas(mi.abandoned_segments)} abandoned segments` : ''})`);
  else out.push(`  found in GC lists ${commas(s.gc + s.gc_and_pymalloc)} (${commas(s.gc_and_pymalloc)} of them in pymalloc blocks), in pymalloc blocks only ${commas(s.pymalloc)}, through references ${commas(s.reachable)}`);
  const rc = s.refchain;
  if (rc && 'objects' in rc)
    out.push(`  on the refchain (Py_TRACE_REFS: every live object) ${commas(rc.objects)}, found by it alone ${commas(rc.only)}${rc.off_chain ? `; left out ${commas(rc.off_chain)} block${rc.off_chain === 1 ? '' : 's'} that looked like an object but is not on it` : ''}${rc.complete ? '' : ' (list not read to its end)'}`);
  out.push('');
  const shown = r.top > 0 ? r.types.slice(0, r.top) : r.types;
  if (shown.length === 0) out.push('  no objects of that type');
  else {
    const cw = Math.max(5, ...shown.map((t) => commas(t.count).length));
    const bw = Math.max(5, ...shown.map((t) => commas(t.bytes).length + 1));
    out.push(`  ${'count'.padStart(cw)}  ${'bytes'.padStart(bw)}  type`);
    for (const t of shown) out.push(`  ${commas(t.count).padStart(cw)}  ${`${t.estimated ? '~' : ''}${commas(t.bytes)}`.padStart(bw)}  ${esc(qualified(t))}`);
    const hints = [shown.length < r.types_total ? '--top 0 for all' : '', r.sort === 'bytes' ? '--sort count' : '--sort bytes', '--type NAME'].filter(Boolean).join(', ');
    out.push(`  (${shown.length} of ${r.types_total} types, by ${r.sort}; ${hints})`);
    if (shown.some((t) => t.estimated)) out.push('  ~ an estimate (basicsize + items): the type has a __sizeof__ of its own; estimates are not in the bytes total');
  }
  if (r.instances) {
    const i = r.instances;
    out.push('');
    out.push(`Instances of ${esc(i.type)}: ${commas(i.total)}${i.total > i.listed.length ? ` (first ${commas(i.listed.length)} listed; --instances N for more)` : ''}`);
    for (const x of i.listed) out.push(`  ${x.address}  ${x.size === null ? '?' : `${x.estimated ? '~' : ''}${commas(x.size)}`} bytes  (${x.found_by})`);
  }
  if (r.rejected.total > 0) {
    out.push('');
    out.push(`Rejected (looked like objects, are not; in no count): ${commas(r.rejected.total)}`);
    for (const x of r.rejected.reasons) out.push(`  ${commas(x.count).padStart(8)}  ${x.reason}  (e.g. ${x.examples.slice(0, 3).join(', ')})`);
  }
  if (r.largest.length) {
    out.push('');
    out.push('Largest objects:');
    for (const o of r.largest) out.push(objectLine(o, false));
  }
  if (r.largest_containers.length) {
    out.push('');
    out.push('Largest containers:');
    for (const o of r.largest_containers) out.push(objectLine(o, true));
  }
  out.push('');
  out.push(...generationLines(r.generations));
  if (r.pymalloc) {
    const p = r.pymalloc;
    const getalloc = p.allocated_blocks === null ? '' : `; sys.getallocatedblocks() = ${commas(p.allocated_blocks)}`;
    out.push(`pymalloc: ${commas(p.arenas)} arenas of ${p.heaps[0]?.arena_size ?? 0} bytes, ${commas(p.used_blocks)} blocks in use (${commas(p.blocks_with_objects)} of them objects)${getalloc}; --malloc-stats for the full report`);
  }
  out.push(...leakLines(r.leaks));
  for (const w of r.warnings) out.push(`[!] ${esc(w)}`);
  return out.join('\n') + '\n';
}

function objectLine(o: ObjectSizeView, container: boolean): string {
  const size = o.size === null ? '?' : `${o.estimated ? '~' : ''}${commas(o.size)}`;
  const len = container && o.length !== null ? `${commas(o.length)} items, ` : '';
  return `  ${o.address}  ${esc(o.type)}  ${len}${size} bytes  ${esc(o.repr)}`;
}

function generationLines(gens: GenerationView[]): string[] {
  const byInterp = new Map<string, GenerationView[]>();
  for (const g of gens) {
    const k = g.interpreter === null ? 'all interpreters' : `interpreter ${g.interpreter}`;
    byInterp.set(k, [...(byInterp.get(k) ?? []), g]);
  }
  return [...byInterp].map(([k, list]) => {
    const parts = list.map((g) => {
      const extra = g.generation !== 'permanent' && g.count !== null && g.threshold !== null ? ` (count ${commas(g.count)}/${commas(g.threshold)})` : '';
      return `${g.generation}: ${commas(g.objects)}${extra}${g.unreadable ? ` [!] ${esc(g.unreadable)}` : ''}`;
    });
    return `GC generations (${k}): ${parts.join(', ')}`;
  });
}

function typeCounts(list: TypeCountView[], max = 8): string {
  const shown = list.slice(0, max).map((t) => `${esc(qualified(t))} ${commas(t.count)}${t.finalizer ? ' (__del__)' : ''}`);
  return shown.join(', ') + (list.length > max ? `, ... (${list.length - max} more types)` : '');
}

function leakLines(l: LeakHintsView): string[] {
  const out = ['', 'Leak hints:'];
  if (l.gc_enabled.some((e) => e === false)) out.push('  the cyclic GC was disabled (gc.disable()): reference cycles were never collected');
  out.push(l.classes_over_threshold.length ? `  classes with ${commas(l.threshold)} or more instances: ${typeCounts(l.classes_over_threshold)}` : `  no class has ${commas(l.threshold)} or more instances (--threshold N)`);
  if (l.gc_garbage) out.push(l.gc_garbage.count ? `  gc.garbage holds ${commas(l.gc_garbage.count)} objects: ${typeCounts(l.gc_garbage.types)}` : '  gc.garbage is empty');
  if (l.uncollected) {
    const u = l.uncollected;
    out.push(u.objects ? `  uncollected cycles: gc.collect() would free ${commas(u.objects)} objects: ${typeCounts(u.types)}` : '  uncollected cycles: none (gc.collect() would free nothing)');
    if (u.with_finalizers) out.push(`  ${commas(u.with_finalizers)} of them have finalizers (__del__)`);
  } else out.push('  (--leaks: find objects in uncollected cycles, as gc.collect() would)');
  return out;
}

export function renderHeapJson(r: HeapReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}
