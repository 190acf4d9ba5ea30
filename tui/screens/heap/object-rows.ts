// Lists of objects from the heap (a type's instances, an object's referrers, the path from a
// root) as rows the object-list screen shows; every string escaped here.
import type { PathReport, RefsReport } from '../../../src/analysis/heap/view-model.js';
import { escapeForTerminal as esc } from '../../../src/reports/sanitize.js';
import { hex, type HeapData } from '../../data/heap-data.js';
import type { Screen } from '../../navigation/screens.js';

export interface ObjectRow {
  /** How it is reached: `#3`, `['key']`, `.attr`, `<local x>`. */
  label: string;
  address: string;
  type: string;
  repr: string;
  /** A line of text shown instead (a heading, a count), escaped; `heading` sets it apart. */
  text?: string;
  heading?: boolean;
  /** What Enter opens: the inspector on `address` when absent, nothing when null. */
  open?: Screen | null;
}

export interface ObjectRows {
  count: number;
  row(index: number): ObjectRow;
  /** What `/` searches in a row. */
  searchText(index: number): string;
  /** Lines above the list: what was searched, what could not be read. */
  notes: string[];
}

export const rowText = (r: ObjectRow) => r.text ?? `${r.label} ${r.address} (${r.type}) ${r.repr}`;

const fromList = (rows: ObjectRow[], notes: string[]): ObjectRows => ({ count: rows.length, row: (i) => rows[i], searchText: (i) => rowText(rows[i]), notes });

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

/** An object found by a walk, described when shown: `label` is escaped already. */
export interface ObjectStub {
  label: string;
  address: number;
}

/** Rows whose objects are described on demand (a type may have a million instances); others as given. */
export function lazyRows(heap: HeapData, count: number, entry: (index: number) => ObjectRow | ObjectStub, notes: string[]): ObjectRows {
  const cache = new Map<number, ObjectRow>();
  return {
    count,
    notes,
    // Reading a million reprs to search them would take minutes: objects are found by label and address.
    searchText(i) {
      const r = entry(i);
      return typeof r.address === 'number' ? `${r.label} ${hex(r.address)}` : rowText(r as ObjectRow);
    },
    row(i) {
      const stub = entry(i);
      if (typeof stub.address !== 'number') return stub as ObjectRow;
      let r = cache.get(i);
      if (!r) {
        const a = stub.address;
        let d: { type: string; repr: string };
        try {
          d = heap.describe(a);
        } catch (e) {
          d = { type: '?', repr: `unreadable: ${e instanceof Error ? e.message : String(e)}` };
        }
        r = { ...escRow({ label: '', address: hex(a), ...d }), label: stub.label };
        if (cache.size > 1000) cache.clear();
        cache.set(i, r);
      }
      return r;
    },
  };
}

/** Instances of a type (`typeName` already escaped). */
export function instanceRows(heap: HeapData, addresses: number[], typeName: string): ObjectRows {
  return lazyRows(heap, addresses.length, (i) => ({ label: `#${i}`, address: addresses[i] }), [`${addresses.length} instances of ${typeName}`]);
}
