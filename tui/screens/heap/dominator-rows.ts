// The dominator tree as rows: an object's children (what it alone keeps alive), largest retained
// size first. Enter goes down a level; on the first row of a level, or on a leaf, it opens the
// object in the inspector (what `pycore show` prints).
import { unreachableApart, type DominatorTree } from '../../../src/analysis/heap/dominators.js';
import { escapeForTerminal as esc } from '../../../src/reports/sanitize.js';
import { hex, type HeapData } from '../../data/heap-data.js';
import { lazyRows, type ObjectRow, type ObjectStub } from './object-rows.js';

/** Rows listed per level at most (a dict of a million items dominates a million objects). */
const MAX_ROWS = 100_000;

const bytes = (n: number) => n.toLocaleString('en-US');

/** What `p` retains, as a row label: bytes, share of the heap, objects. */
function retained(t: DominatorTree, p: number): string {
  const share = t.summary.heapBytes > 0 ? (t.bytes[p] / t.summary.heapBytes) * 100 : 0;
  const apart = t.estimatedOf(p) > 0 || t.unsizedOf(p) > 0 ? '~' : ' ';
  return `${bytes(t.bytes[p]).padStart(13)}${apart} ${share.toFixed(1).padStart(5)}% ${t.count[p].toLocaleString('en-US').padStart(9)} obj`;
}

/** Children of the object at `address` (null: of the virtual root, i.e. what only roots keep alive). */
export function dominatorRows(heap: HeapData, t: DominatorTree, address: string | null) {
  const at = address === null ? 0 : t.find(Number.parseInt(address, 16));
  const notes: string[] = [];
  const head: ObjectRow[] = [];
  if (at < 0) return lazyRows(heap, 0, () => ({ label: '', address: 0 }), [`${esc(address ?? '')} is not an object any root reaches`]);
  if (at === 0) {
    const s = t.summary;
    notes.push(`${s.reachable.toLocaleString('en-US')} objects, ${bytes(s.heapBytes)} bytes (sys.getsizeof) reachable from ${Object.values(s.roots).reduce((a, b) => a + b, 0).toLocaleString('en-US')} roots; ~: part estimated or of unknown size`);
    if (s.unreachable.objects > 0) notes.push(`${s.unreachable.objects.toLocaleString('en-US')} objects (${bytes(s.unreachable.bytes)} bytes${unreachableApart(s.unreachable, bytes)}) reachable from no root: in no retained size`);
  } else {
    const d = heap.describe(t.address(at));
    head.push({ label: `${retained(t, at)}  this object:`, address: hex(t.address(at)), type: esc(d.type), repr: esc(d.repr) });
  }
  const kids = t.children(at).slice(0, MAX_ROWS);
  if (kids.length === MAX_ROWS) notes.push(`the first ${MAX_ROWS} of what it dominates`);
  const entry = (i: number): ObjectRow | ObjectStub => {
    if (i < head.length) return head[i];
    const p = kids[i - head.length];
    const root = at === 0 ? t.rootOf(p) : undefined;
    return { label: `${retained(t, p)}${root ? ` [${root.kind}]` : ''}`, address: t.address(p) };
  };
  const rows = lazyRows(heap, head.length + kids.length, entry, notes);
  return {
    ...rows,
    row(i: number): ObjectRow {
      const r = rows.row(i);
      if (i < head.length) return r;
      const p = kids[i - head.length];
      // An object that dominates others opens the next level; a leaf opens in the inspector.
      return t.childCount(p) > 0 ? { ...r, open: { kind: 'dominated', address: r.address, label: `${r.type} at ${r.address}` } } : r;
    },
  };
}
