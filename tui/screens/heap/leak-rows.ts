// `l`: the leak hints of `pycore heap --leaks` as one list: whether the GC ran, the generation
// counts, what a collection would free (the objects with finalizers listed one by one), the
// classes with many instances and gc.garbage. Enter opens an object in the inspector, or a
// type's instances.
import type { LeakHints } from '../../../src/analysis/heap/census.js';
import type { CensusTypeView, TypeCountView } from '../../../src/analysis/heap/view-model.js';
import { commas } from '../../../src/reports/malloc-stats.js';
import { escapeForTerminal as esc } from '../../../src/reports/sanitize.js';
import { typeLabel, type HeapData } from '../../data/heap-data.js';
import { lazyRows, type ObjectRow, type ObjectRows, type ObjectStub } from './object-rows.js';

const line = (text: string, heading = false): ObjectRow => ({ label: '', address: '', type: '', repr: '', text, heading, open: null });

export function leakRows(heap: HeapData, h: LeakHints): ObjectRows {
  const l = h.report.leaks;
  const byName = new Map<string, CensusTypeView>(h.report.types.map((t) => [`${t.module}.${t.name}`, t]));
  /** A type with a count; Enter lists its instances (when the census has the type). */
  const typeRow = (t: TypeCountView): ObjectRow => {
    const name = esc(typeLabel(t.module, t.name));
    const census = byName.get(`${t.module}.${t.name}`);
    return { ...line(`  ${name}  ${commas(t.count)}${t.finalizer ? '  (has __del__)' : ''}`), open: census ? { kind: 'instances', typeAddress: census.type_address, typeName: name } : null };
  };
  const rows: (ObjectRow | ObjectStub)[] = [];
  const disabled = l.gc_enabled.some((e) => e === false);
  rows.push(line(disabled ? 'The cyclic GC was disabled (gc.disable()): reference cycles were never collected' : 'The cyclic GC was enabled', true));
  rows.push(line('GC generations', true));
  for (const g of l.generations) {
    const counter = g.generation !== 'permanent' && g.count !== null && g.threshold !== null ? `  (count ${commas(g.count)} / threshold ${commas(g.threshold)})` : '';
    const where = g.interpreter === null ? '' : `interpreter ${g.interpreter}, `;
    rows.push(line(`  ${where}generation ${g.generation}: ${commas(g.objects)} objects${counter}${g.unreadable ? `  [!] ${esc(g.unreadable)}` : ''}`));
  }
  const u = l.uncollected;
  if (u && u.objects > 0) {
    rows.push(line(`Uncollected cycles: gc.collect() would free ${commas(u.objects)} objects, ${commas(u.with_finalizers)} with finalizers (__del__)`, true));
    for (const t of u.types) rows.push(typeRow(t));
    if (h.finalizerObjects.length > 0) {
      rows.push(line(`Objects with finalizers in uncollected cycles${h.finalizerObjects.length < u.with_finalizers ? ` (the first ${commas(h.finalizerObjects.length)})` : ''}`, true));
      h.finalizerObjects.forEach((address, i) => rows.push({ label: `cycle #${i}`, address }));
    }
  } else rows.push(line('Uncollected cycles: none (gc.collect() would free nothing)', true));
  if (l.classes_over_threshold.length > 0) {
    rows.push(line(`Classes with ${commas(l.threshold)} or more instances`, true));
    for (const t of l.classes_over_threshold) rows.push(typeRow(t));
  } else rows.push(line(`No class has ${commas(l.threshold)} or more instances`, true));
  if (l.gc_garbage && l.gc_garbage.count > 0) {
    rows.push(line(`gc.garbage holds ${commas(l.gc_garbage.count)} objects`, true));
    h.garbageObjects.forEach((address, i) => rows.push({ label: `gc.garbage[${i}]`, address }));
  } else rows.push(line(l.gc_garbage ? 'gc.garbage is empty' : 'gc.garbage: not readable', true));
  return lazyRows(heap, rows.length, (i) => rows[i], []);
}
