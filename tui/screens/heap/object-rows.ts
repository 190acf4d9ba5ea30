// Lists of objects from the heap (a type's instances, an object's referrers, the path from a
// root) as rows the object-list screen shows; every string escaped here.
import type { PathReport, RefsReport } from '../../../src/analysis/heap/view-model.js';
import { escapeForTerminal as esc } from '../../../src/reports/sanitize.js';
import { hex, type HeapData } from '../../data/heap-data.js';

export interface ObjectRow {
  /** How it is reached: `#3`, `['key']`, `.attr`, `<local x>`. */
  label: string;
  address: string;
  type: string;
  repr: string;
}

export interface ObjectRows {
  count: number;
  row(index: number): ObjectRow;
  /** Lines above the list: what was searched, what could not be read. */
  notes: string[];
}

const fromList = (rows: ObjectRow[], notes: string[]): ObjectRows => ({ count: rows.length, row: (i) => rows[i], notes });

const escRow = (r: { label: string; address: string; type: string; repr: string }): ObjectRow => ({ label: esc(r.label), address: esc(r.address), type: esc(r.type), repr: esc(r.repr) });

export function referrerRows(r: RefsReport): ObjectRows {
  const notes = [`${r.references.length} referrers of ${esc(r.object.type)} at ${esc(r.object.address)}${r.objects_scanned !== undefined ? ` (${r.objects_scanned} objects scanned)` : ''}`];
  if (r.unreadable) notes.push(`unreadable: ${esc(r.unreadable)}`);
  return fromList(r.references.map(escRow), notes);
}

export function pathRows(r: PathReport): ObjectRows {
  const notes = [r.root === null ? `no root reaches ${esc(r.object.address)} within ${r.levels} levels` : `root: ${esc(r.root)}`];
  return fromList(
    r.hops.map((h, i) => escRow({ ...h, label: i === 0 ? 'root' : h.label })),
    notes,
  );
}

/** Instances of a type (`typeName` already escaped): rows described on demand (a type may have a million). */
export function instanceRows(heap: HeapData, addresses: number[], typeName: string): ObjectRows {
  const cache = new Map<number, ObjectRow>();
  return {
    count: addresses.length,
    notes: [`${addresses.length} instances of ${typeName}`],
    row(i) {
      let r = cache.get(i);
      if (!r) {
        const a = addresses[i];
        let d: { type: string; repr: string };
        try {
          d = heap.describe(a);
        } catch (e) {
          d = { type: '?', repr: `unreadable: ${e instanceof Error ? e.message : String(e)}` };
        }
        r = escRow({ label: `#${i}`, address: hex(a), ...d });
        if (cache.size > 1000) cache.clear();
        cache.set(i, r);
      }
      return r;
    },
  };
}
