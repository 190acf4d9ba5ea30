// "What holds my memory": the dominator tree of the object graph (Eclipse MAT's view). An object
// D dominates X when every chain of references from a root to X passes through D; freeing D
// would free X. D's retained size is the sys.getsizeof() of everything it dominates.
//
// One heap walk records every object (address, type, size, refcount) and its references into
// typed arrays; objects are then numbered by address (a sorted Float64Array, binary search) and
// the references become a CSR graph of Int32 ids. Roots hang under one virtual root: thread
// frames' locals and thread states, sys.modules / sys / builtins dicts, interned strings and
// gc.garbage (what `path` starts from), every type object, and objects whose reference count
// exceeds the references pycore found to them (held by C code, a frame's value stack or a
// reference pycore does not read: treating them as roots never credits a dominator with memory
// something else may hold). Dominators are computed with semi-NCA (Georgiadis/Tarjan's
// simplification of Lengauer-Tarjan), iteratively; retained sizes are summed bottom-up.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runSteps, type HeapObject, type HeapWalkSummary, type WalkProgress } from '../../cpython/heap.js';
import type { TypeProfile } from '../../cpython/heap-objects.js';
import { chainHops, pathRoots } from './references.js';
import { hex, typeLabel, type HeapSession } from './session.js';
import type { PathHop } from './view-model.js';
import type { ObjectView } from '../object-view.js';

export type RootKind = 'thread' | 'module' | 'interpreter' | 'type' | 'c-held';

/** Per-object columns grow in chunks of 2^20 entries (no doubling copies of tens of millions of entries). */
const CHUNK_BITS = 20;
const CHUNK = 1 << CHUNK_BITS;

class Column<T extends Float64Array | Uint32Array | Int32Array | Uint16Array> {
  private readonly chunks: (T | null)[] = [];
  constructor(private readonly make: (n: number) => T) {}
  set(i: number, v: number): void {
    const c = i >>> CHUNK_BITS;
    while (c >= this.chunks.length) this.chunks.push(this.make(CHUNK));
    this.chunks[c]![i & (CHUNK - 1)] = v;
  }
  get(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]![i & (CHUNK - 1)];
  }
  /** Frees chunk `c` (its entries are not read again). */
  drop(c: number): void {
    this.chunks[c] = null;
  }
}

const HELD_LABEL = 'held from outside the objects pycore reads (its refcount exceeds the references found to it)';

function rootLabel(roots: Map<number, { kind: RootKind; label: string }>, held: Uint8Array, k: number): { kind: RootKind; label: string } | undefined {
  return roots.get(k) ?? (held[k] ? { kind: 'c-held', label: HELD_LABEL } : undefined);
}

let gc: (() => void) | null = null;

/**
 * A full garbage collection. The arrays a step drops (hundreds of MB of typed arrays) are freed
 * only when V8 next collects, which its small JS heap rarely asks for: without this the next
 * step allocates beside them and the peak is the sum of both. Cheap: the JS heap holds little.
 */
function collect(): void {
  if (gc === null) {
    try {
      setFlagsFromString('--expose-gc');
      const f = runInNewContext('gc') as unknown;
      gc = typeof f === 'function' ? (f as () => void) : () => {};
    } catch {
      gc = () => {};
    }
  }
  gc();
}

/** Position of `p` in the sorted `a`, or -1. */
function indexIn(a: Float64Array, p: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = a[mid];
    if (v === p) return mid;
    if (v < p) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Size of an object pycore cannot compute (sys.getsizeof() unknown). */
const NO_SIZE = 0xffffffff;
/** Larger than any object a 64-bit process can hold (2^47 bytes of user address space). */
const MAX_SIZE = 2 ** 47;

export interface DominatorSummary {
  /** Objects the walk found, and how many of them no root reaches: their exact bytes, and apart the estimated bytes and objects of unknown size. */
  objects: number;
  edges: number;
  reachable: number;
  unreachable: { objects: number; bytes: number; estimatedBytes: number; unsized: number };
  /** Roots by kind (objects directly under the virtual root). */
  roots: Record<RootKind, number>;
  /** Exact sys.getsizeof() bytes of every reachable object; estimated bytes and unsized objects apart. */
  heapBytes: number;
  heapEstimatedBytes: number;
  heapUnsized: number;
  problems: string[];
}

/**
 * The computed tree. Indices are positions in DFS preorder (0 = the virtual root); the object at
 * position p has its address, type and size at index p - 1 of `addr`, `type` and `sizes` (the
 * objects no root reaches follow the last position there).
 */
export class DominatorTree {
  constructor(
    /** Positions, the virtual root included. */
    readonly size: number,
    /** Preorder position -> preorder position of its immediate dominator (0: only the virtual root). */
    readonly idom: Int32Array,
    /** Preorder position -> preorder position of its parent on a shortest chain from a root (-1 for roots). */
    readonly bfsParent: Int32Array,
    /** Retained: exact bytes, estimated bytes (types whose __sizeof__ pycore estimates; null: none), objects, objects of unknown size (null: none). */
    readonly bytes: Float64Array | Uint32Array,
    private readonly estimated: Float64Array | Uint32Array | null,
    readonly count: Uint32Array,
    private readonly unsized: Uint32Array | null,
    /** Position - 1 -> address and type profile id. Lookups by address scan `addr` (a few per run). */
    readonly addr: Float64Array,
    readonly type: Uint16Array | Uint32Array,
    readonly profiles: TypeProfile[],
    /** Position - 1 -> kind and label, for the named roots (`path`'s, type objects); objects held from outside are marked in `held`. */
    readonly roots: Map<number, { kind: RootKind; label: string }>,
    /** Position - 1 -> 1 when it is a root because its refcount exceeds the references found to it. */
    private readonly held: Uint8Array,
    readonly summary: DominatorSummary,
    /** Position - 1 -> sys.getsizeof() (NO_SIZE: unknown; NO_SIZE - 1: see `huge`), and whether each type profile's sizes are exact. */
    private readonly sizes: Uint32Array,
    private readonly huge: Map<number, number>,
    private readonly exactOf: boolean[],
    /** What the heap walk found besides the objects (sources, rejected candidates, GC generations, problems). */
    readonly walk: HeapWalkSummary,
  ) {}

  /** Retained bytes of the objects `p` dominates whose size pycore estimates (not in bytes[p]). */
  estimatedOf(p: number): number {
    return this.estimated ? this.estimated[p] : 0;
  }

  /** Objects `p` dominates whose size pycore cannot tell. */
  unsizedOf(p: number): number {
    return this.unsized ? this.unsized[p] : 0;
  }

  /** sys.getsizeof() of the object at position `p` when pycore computes it exactly, else null. */
  shallow(p: number): number | null {
    const k = p - 1;
    const sz = this.sizes[k];
    if (sz === NO_SIZE || !this.exactOf[this.type[k]]) return null;
    return sz === NO_SIZE - 1 ? (this.huge.get(this.addr[k]) ?? null) : sz;
  }

  /** Preorder position of the object at `address`, or -1 (not an object found, or unreachable). */
  find(address: number): number {
    const k = this.addr.indexOf(address);
    return k < 0 || k >= this.size - 1 ? -1 : k + 1;
  }

  /** Whether the heap walk found an object at `address` (reachable or not). */
  known(address: number): boolean {
    return this.addr.indexOf(address) >= 0;
  }

  address(p: number): number {
    return this.addr[p - 1];
  }

  profile(p: number): TypeProfile {
    return this.profiles[this.type[p - 1]];
  }

  /** The `n` positions with the largest retained exact bytes (ties: more objects first), virtual root excluded. */
  top(n: number, among?: Iterable<number>): number[] {
    const best: number[] = [];
    const better = (a: number, b: number) => this.bytes[a] > this.bytes[b] || (this.bytes[a] === this.bytes[b] && this.count[a] > this.count[b]);
    const offer = (p: number) => {
      if (best.length === n && !better(p, best[n - 1])) return;
      let i = best.length;
      if (i === n) i--;
      else best.push(p);
      while (i > 0 && better(p, best[i - 1])) {
        best[i] = best[i - 1];
        i--;
      }
      best[i] = p;
    };
    if (n <= 0) return best;
    if (n > 1024) {
      // Many wanted (--top 0: all): one sort, not insertions; ties keep preorder, as offer() does.
      const all = among ? Int32Array.from(among) : Int32Array.from({ length: this.size - 1 }, (_, i) => i + 1);
      all.sort((a, b) => this.bytes[b] - this.bytes[a] || this.count[b] - this.count[a] || a - b);
      return Array.from(all.subarray(0, n));
    }
    if (among) for (const p of among) offer(p);
    else for (let p = 1; p < this.size; p++) offer(p);
    return best;
  }

  private childStart: Int32Array | null = null;
  private childList: Int32Array | null = null;

  /** How many objects `p` immediately dominates. */
  childCount(p: number): number {
    this.indexChildren();
    return this.childStart![p + 1] - this.childStart![p];
  }

  /** What `p` immediately dominates, largest retained size first. */
  children(p: number): number[] {
    this.indexChildren();
    const out = Array.from(this.childList!.subarray(this.childStart![p], this.childStart![p + 1]));
    return out.sort((a, b) => this.bytes[b] - this.bytes[a] || this.count[b] - this.count[a]);
  }

  private indexChildren(): void {
    if (!this.childStart) {
      const n = this.size;
      const start = new Int32Array(n + 1);
      for (let w = 1; w < n; w++) start[this.idom[w] + 1]++;
      for (let i = 0; i < n; i++) start[i + 1] += start[i];
      const fill = start.slice(0, n);
      const list = new Int32Array(Math.max(0, n - 1));
      for (let w = 1; w < n; w++) list[fill[this.idom[w]]++] = w;
      this.childStart = start;
      this.childList = list;
    }
  }

  /** Types of the objects `p` dominates (itself included): objects and exact bytes per type profile id, largest first. */
  heldTypes(p: number): { profile: TypeProfile; objects: number; bytes: number }[] {
    // Per type profile id: objects and exact bytes. What `p` dominates follows it in preorder
    // (an immediate dominator comes before what it dominates), so one pass with a flag per
    // position finds it all (a suspect may dominate millions of objects: no index of children).
    const objects = new Float64Array(this.profiles.length);
    const bytes = new Float64Array(this.profiles.length);
    const inside = new Uint8Array(this.size);
    inside[p] = 1;
    for (let q = p; q < this.size; q++) {
      if (q > p) {
        if (!inside[this.idom[q]]) continue;
        inside[q] = 1;
      }
      const t = this.type[q - 1];
      objects[t]++;
      bytes[t] += this.shallow(q) ?? 0;
    }
    const out: { profile: TypeProfile; objects: number; bytes: number }[] = [];
    for (let t = 0; t < objects.length; t++) if (objects[t] > 0) out.push({ profile: this.profiles[t], objects: objects[t], bytes: bytes[t] });
    return out.sort((x, y) => y.bytes - x.bytes || y.objects - x.objects);
  }

  /** The positions on the shortest chain of references from a root to `p`, root first. */
  chain(p: number, max = 64): number[] {
    const out = [p];
    for (let q = this.bfsParent[p]; q > 0 && out.length < max; q = this.bfsParent[q]) out.push(q);
    return out.reverse();
  }

  /** The root at the start of the shortest chain to `p`, however long the chain (BFS parents form a tree). */
  rootPosition(p: number): number {
    let q = p;
    for (let steps = 0; this.bfsParent[q] > 0 && steps < this.bfsParent.length; steps++) q = this.bfsParent[q];
    return q;
  }

  rootOf(p: number): { kind: RootKind; label: string } | undefined {
    return rootLabel(this.roots, this.held, p - 1);
  }
}

export interface DominatorProgress extends Partial<WalkProgress> {
  phase: 'walk' | 'graph' | 'dominators';
}

/** Computes the dominator tree of the heap of `s`. */
export function dominators(s: HeapSession): DominatorTree {
  return runSteps(dominatorSteps(s));
}

/** What a caller may add to the dominators' heap walk (`pycore report` takes its census from the same walk). */
export interface DominatorOptions {
  /** Called for every object the walk visits, after the dominators' own bookkeeping. */
  visit?: (o: HeapObject) => void;
  /** Called now and then with arenas scanned and in all. */
  progress?: (done: number, total: number) => void;
}

/** dominators() that pauses during its walk (see Heap.walkSteps). */
export function* dominatorSteps(s: HeapSession, options: DominatorOptions = {}): Generator<DominatorProgress, DominatorTree, void> {
  const { heap } = s;
  const also = options.visit;
  // 1. One walk: per object its address, type, size, refcount, and its references' addresses,
  // in columns of fixed chunks (no doubling copies: the peak stays near what is stored).
  const addrV = new Column((k) => new Float64Array(k));
  const sizeV = new Column((k) => new Uint32Array(k));
  // Type profile ids in 16 bits; the ids of a heap of more than 65,535 types beyond that aside.
  const typeV = new Column((k) => new Uint16Array(k));
  const wideTypes = new Map<number, number>();
  const refsV = new Column((k) => new Int32Array(k));
  // Where each object's references start among all of them (below 2^32: 32 GiB of target addresses would come first).
  const startV = new Column((k) => new Uint32Array(k));
  const exactOf: boolean[] = [];
  const profiles: TypeProfile[] = [];
  const huge = new Map<number, number>();
  const targets = new Column((k) => new Float64Array(k));
  let E = 0;
  let n = 0;
  let typeObjects: number[] = [];
  const walk = heap.walkSteps(
    (o) => {
      startV.set(n, E);
      addrV.set(n, o.address);
      const sz = heap.sizeof(o);
      // A size beyond the address space comes from a block that only looks like an object.
      if (sz === null || sz > MAX_SIZE) sizeV.set(n, NO_SIZE);
      else if (sz >= NO_SIZE - 1) {
        sizeV.set(n, NO_SIZE - 1);
        huge.set(o.address, sz);
      } else sizeV.set(n, sz);
      const id = o.profile.id;
      if (profiles[id] === undefined) {
        profiles[id] = o.profile;
        exactOf[id] = o.profile.exact;
      }
      if (id >= 0xffff) {
        typeV.set(n, 0xffff);
        wideTypes.set(n, id);
      } else typeV.set(n, id);
      refsV.set(n, Math.min(Math.max(0, o.refcount), 0x7fffffff));
      if (o.profile.kind === 'type') typeObjects.push(o.address);
      n++;
      also?.(o);
    },
    { onReference: (_from, target) => targets.set(E++, target), progress: options.progress },
  );
  let r = walk.next();
  for (; !r.done; r = walk.next()) yield { phase: 'walk', ...r.value };
  const walked = r.value;
  if (E > 0xffffffff) throw new Error(`${E} references: more than pycore numbers`);
  yield { phase: 'graph' };

  // 2. Objects are numbered in visit order. A sorted copy of the addresses turns each reference
  // into the rank of its target (references to non-objects: -1), chunk by chunk as the target
  // addresses are dropped; then the permutation rank -> object is built while the visit-order
  // addresses are dropped, and the ranks become object numbers in place. (Each of the three big
  // arrays of this step exists beside only one of the others: the peak of the whole run.) The
  // visit-order addresses are rebuilt from the sorted ones and the permutation after the roots.
  let sorted = new Float64Array(n);
  for (let v = 0; v < n; v++) sorted[v] = addrV.get(v);
  sorted.sort();
  let to = new Int32Array(E);
  {
    let last = -1;
    let lastRank = -1;
    for (let c = 0; c * CHUNK < E; c++) {
      const base = c * CHUNK;
      const len = Math.min(CHUNK, E - base);
      for (let i = 0; i < len; i++) {
        const p = targets.get(base + i);
        const r = p === last ? lastRank : indexIn(sorted, p);
        last = p;
        lastRank = r;
        to[base + i] = r;
      }
      targets.drop(c);
      if (c % 8 === 7) {
        collect();
        yield { phase: 'graph' };
      }
    }
  }
  collect();
  let perm = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    perm[indexIn(sorted, addrV.get(v))] = v;
    if ((v & (CHUNK - 1)) === CHUNK - 1) addrV.drop(v >>> CHUNK_BITS);
  }
  collect();
  // Type profile ids in 16 bits unless a heap holds more than 65,536 types.
  const type = profiles.length <= 0x10000 ? new Uint16Array(n) : new Uint32Array(n);
  const size = new Uint32Array(n);
  let excess = new Int32Array(n);
  let startV_ = new Uint32Array(n + 1);
  for (let v = 0; v < n; v++) {
    const t = typeV.get(v);
    type[v] = t === 0xffff ? wideTypes.get(v)! : t;
    size[v] = sizeV.get(v);
    excess[v] = refsV.get(v);
    startV_[v] = startV.get(v);
    if ((v & (CHUNK - 1)) === CHUNK - 1) {
      for (const col of [sizeV, typeV, refsV, startV] as Column<Float64Array | Uint32Array | Int32Array | Uint16Array>[]) col.drop(v >>> CHUNK_BITS);
      if ((v >>> CHUNK_BITS) % 8 === 7) collect();
    }
  }
  collect();
  startV_[n] = E;
  const numberOf = (p: number): number => {
    const i = indexIn(sorted, p);
    return i < 0 ? -1 : perm[i];
  };
  // Ranks -> object numbers; each reference found to an object lowers its excess of refcount.
  for (let e = 0; e < E; e++) {
    const r = to[e];
    if (r < 0) continue;
    const k = perm[r];
    to[e] = k;
    excess[k]--;
  }

  // 3. Roots.
  // Named roots in a Map (a few thousand); the many objects held from outside only as a flag.
  let roots = new Map<number, { kind: RootKind; label: string }>();
  const held = new Uint8Array(n);
  const addRoot = (address: number, kind: RootKind, label: string) => {
    const k = numberOf(address);
    if (k >= 0 && !roots.has(k)) roots.set(k, { kind, label });
  };
  for (const [address, root] of pathRoots(s)) {
    const kind: RootKind = root.label.startsWith('thread') ? 'thread' : root.label.startsWith('sys.modules') ? 'module' : 'interpreter';
    addRoot(address, kind, root.label);
  }
  for (const t of typeObjects) addRoot(t, 'type', 'type object');
  typeObjects = [];
  for (let k = 0; k < n; k++) {
    if (excess[k] > 0 && !roots.has(k)) held[k] = 1;
  }
  excess = null as never;
  // The sorted addresses become the visit-order ones in place (following the permutation's
  // cycles; `perm` marks what is placed), so the address columns never exist twice.
  for (let i = 0; i < n; i++) {
    if (perm[i] < 0) continue;
    let carried = sorted[i];
    let j = perm[i];
    perm[i] = -1;
    while (j !== i) {
      const next = sorted[j];
      sorted[j] = carried;
      carried = next;
      const nj = perm[j];
      perm[j] = -1;
      j = nj;
    }
    sorted[i] = carried;
  }
  const addr = sorted;
  sorted = perm = null as never;
  collect();
  let heldCount = 0;
  for (let k = 0; k < n; k++) heldCount += held[k];
  const rootList = new Int32Array(roots.size + heldCount);
  {
    let i = 0;
    for (const k of roots.keys()) rootList[i++] = k;
    for (let k = 0; k < n; k++) if (held[k]) rootList[i++] = k;
  }
  yield { phase: 'dominators' };

  // 4. Depth-first preorder from the virtual root (position 0), iteratively: each root starts a
  // search whose tree hangs under the virtual root.
  let pre = new Int32Array(n).fill(-1);
  const parent = new Int32Array(n + 1);
  // The search's stack grows with its depth (a chain of n objects needs n entries; most heaps far fewer).
  let stackNode = new Int32Array(1 << 16);
  let stackEdge = new Uint32Array(1 << 16);
  let m = 1;
  for (let ri = 0; ri < rootList.length; ri++) {
    const root = rootList[ri];
    if (pre[root] >= 0) continue;
    pre[root] = m;
    parent[m] = 0;
    m++;
    let sp = 0;
    stackNode[0] = root;
    stackEdge[0] = startV_[root];
    while (sp >= 0) {
      const k = stackNode[sp];
      const end = startV_[k + 1];
      let e = stackEdge[sp];
      let w = -1;
      while (e < end) {
        const t = to[e++];
        if (t >= 0 && pre[t] < 0) {
          w = t;
          break;
        }
      }
      stackEdge[sp] = e;
      if (w < 0) {
        sp--;
        continue;
      }
      pre[w] = m;
      parent[m] = pre[k];
      m++;
      sp++;
      if (sp === stackNode.length) {
        const biggerNode = new Int32Array(stackNode.length * 2);
        biggerNode.set(stackNode);
        const biggerEdge = new Uint32Array(stackEdge.length * 2);
        biggerEdge.set(stackEdge);
        stackNode = biggerNode;
        stackEdge = biggerEdge;
      }
      stackNode[sp] = w;
      stackEdge[sp] = startV_[w];
    }
    if ((ri & 0x3ff) === 0x3ff) yield { phase: 'dominators' };
  }
  stackNode = stackEdge = null as never;

  // A breadth-first parent for paths (the shortest chain from a root), then the predecessors.
  const bfsParent = new Int32Array(m).fill(-2);
  {
    const queue = new Int32Array(m);
    let head = 0;
    let tail = 0;
    bfsParent[0] = -1;
    for (let e = 0; e < rootList.length; e++) {
      const q = pre[rootList[e]];
      if (bfsParent[q] === -2) {
        bfsParent[q] = 0;
        queue[tail++] = rootList[e];
      }
    }
    // The queue holds objects (no position -> object map is kept), visited in the order of their positions' discovery.
    while (head < tail) {
      const v = queue[head++];
      const q = pre[v];
      for (let e = startV_[v]; e < startV_[v + 1]; e++) {
        const w = to[e];
        if (w < 0) continue;
        const t = pre[w];
        if (t > 0 && bfsParent[t] === -2) {
          bfsParent[t] = q;
          queue[tail++] = w;
        }
      }
    }
  }
  collect();
  // Predecessors in preorder space (reached objects only), but for the DFS parent's references:
  // semi-NCA starts each semidominator at the parent, so an object held only by its parent (most
  // objects) stores none.
  let predStart = new Int32Array(m + 1);
  let reachedEdges = 0;
  const eachEdge = (visit: (fromPre: number, toPre: number) => void) => {
    for (let e = 0; e < rootList.length; e++) {
      const t = pre[rootList[e]];
      if (parent[t] !== 0) visit(0, t);
    }
    // By object, not by position (the order of an object's predecessors changes no minimum).
    for (let k = 0; k < n; k++) {
      const q = pre[k];
      if (q <= 0) continue;
      for (let e = startV_[k]; e < startV_[k + 1]; e++) {
        const w = to[e];
        if (w < 0) continue;
        const t = pre[w];
        if (t > 0 && parent[t] !== q) visit(q, t);
      }
    }
  };
  eachEdge((_f, t) => {
    predStart[t + 1]++;
    reachedEdges++;
  });
  for (let i = 0; i < m; i++) predStart[i + 1] += predStart[i];
  let preds = new Int32Array(reachedEdges);
  {
    // Filled through the starts shifted by one, each incremented: no second array of starts.
    for (let i = m; i > 0; i--) predStart[i] = predStart[i - 1];
    predStart[0] = 0;
    eachEdge((f, t) => {
      preds[predStart[t + 1]++] = f;
    });
  }
  // What no root reaches, in exact bytes and apart the estimated bytes and unsized objects.
  const unreachable = { objects: n - (m - 1), bytes: 0, estimatedBytes: 0, unsized: 0 };
  for (let k = 0; k < n; k++) {
    if (pre[k] >= 0) continue;
    const sz = size[k] === NO_SIZE - 1 ? huge.get(addr[k]) ?? NO_SIZE : size[k];
    if (sz === NO_SIZE) unreachable.unsized++;
    else if (exactOf[type[k]]) unreachable.bytes += sz;
    else unreachable.estimatedBytes += sz;
  }
  // The objects' columns in preorder, in place (following the permutation's cycles; `pre`, the
  // destination plus one, is zeroed as each is placed): index q - 1 holds position q's object,
  // and what no root reaches follows. Then no position -> object map is kept.
  {
    let j = m;
    for (let k = 0; k < n; k++) if (pre[k] < 0) pre[k] = j++;
    const byPosition = new Map<number, { kind: RootKind; label: string }>();
    for (const [k, root] of roots) byPosition.set(pre[k] - 1, root);
    roots = byPosition;
    for (let i = 0; i < n; i++) {
      if (pre[i] === 0) continue;
      let a = addr[i];
      let t = type[i];
      let z = size[i];
      let h = held[i];
      let d = pre[i] - 1;
      pre[i] = 0;
      while (d !== i) {
        const a2 = addr[d];
        const t2 = type[d];
        const z2 = size[d];
        const h2 = held[d];
        addr[d] = a;
        type[d] = t;
        size[d] = z;
        held[d] = h;
        a = a2;
        t = t2;
        z = z2;
        h = h2;
        const nd = pre[d] - 1;
        pre[d] = 0;
        d = nd;
      }
      addr[i] = a;
      type[i] = t;
      size[i] = z;
      held[i] = h;
    }
  }
  // The forward graph and the object <-> preorder maps are not needed any more: free them before the semi-NCA arrays.
  to = startV_ = pre = null as never;
  collect();
  yield { phase: 'dominators' };

  // 5. Semi-NCA: semidominators in reverse preorder (eval with path compression, iterative),
  // then each immediate dominator as the nearest common ancestor of its parent and semidominator.
  // A vertex is linked into the forest once processed, i.e. when its number exceeds the current
  // one, so `ancestor` starts as the parent; `best` is the smallest semidominator on the
  // compressed path (the value, not the vertex: semi-NCA needs no more). The semidominator of
  // `w` is stored in predStart[w + 1], which nothing reads once `w` is processed.
  let ancestor = parent.slice(0, m);
  let best = new Int32Array(m);
  for (let i = 0; i < m; i++) best[i] = i;
  const path: number[] = [];
  for (let w = m - 1; w > 0; w--) {
    let sw = parent[w];
    for (let i = predStart[w]; i < predStart[w + 1]; i++) {
      const v = preds[i];
      let b = v;
      if (v > w) {
        // eval(v): climb to the last node whose ancestor is linked, compressing on the way back.
        let u = v;
        while (ancestor[u] > w) {
          path.push(u);
          u = ancestor[u];
        }
        while (path.length > 0) {
          const x = path.pop()!;
          const a = ancestor[x];
          if (a > w) {
            if (best[a] < best[x]) best[x] = best[a];
            ancestor[x] = ancestor[a];
          }
        }
        b = best[v];
      }
      if (b < sw) sw = b;
    }
    predStart[w + 1] = sw;
    best[w] = sw;
    if ((w & 0xffff) === 0) yield { phase: 'dominators' };
  }
  ancestor = best = preds = null as never;
  collect();
  const idom = parent.subarray(0, m);
  idom[0] = 0;
  for (let w = 1; w < m; w++) {
    const sw = predStart[w + 1];
    let d = idom[w];
    while (d > sw) d = idom[d];
    idom[w] = d;
  }
  predStart = null as never;
  collect();

  // 6. Retained sizes, bottom-up (an immediate dominator comes before what it dominates in
  // preorder). No retained size exceeds the sum of all: 32 bits hold them when that sum fits.
  // Estimated bytes and unsized objects get arrays only when there are any.
  const shallowOf = (q: number): number => {
    const k = q - 1;
    const sz = size[k];
    return sz === NO_SIZE - 1 ? huge.get(addr[k]) ?? NO_SIZE : sz;
  };
  let allExact = 0;
  let allEstimated = 0;
  let allUnsized = 0;
  for (let q = 1; q < m; q++) {
    const sz = shallowOf(q);
    if (sz === NO_SIZE) allUnsized++;
    else if (exactOf[type[q - 1]]) allExact += sz;
    else allEstimated += sz;
  }
  const sums = (total: number) => (total < 2 ** 32 ? new Uint32Array(m) : new Float64Array(m));
  const bytes = sums(allExact);
  const count = new Uint32Array(m);
  const estimated = allEstimated > 0 ? sums(allEstimated) : null;
  const unsized = allUnsized > 0 ? new Uint32Array(m) : null;
  for (let q = 1; q < m; q++) {
    const sz = shallowOf(q);
    count[q] = 1;
    if (sz === NO_SIZE) unsized![q] = 1;
    else if (exactOf[type[q - 1]]) bytes[q] = sz;
    else estimated![q] = sz;
  }
  for (let w = m - 1; w > 0; w--) {
    const d = idom[w];
    if (d === 0) continue;
    bytes[d] += bytes[w];
    count[d] += count[w];
    if (estimated) estimated[d] += estimated[w];
    if (unsized) unsized[d] += unsized[w];
  }
  let heapBytes = 0;
  let heapEstimated = 0;
  let heapUnsized = 0;
  for (let q = 1; q < m; q++) {
    if (idom[q] !== 0) continue;
    heapBytes += bytes[q];
    if (estimated) heapEstimated += estimated[q];
    if (unsized) heapUnsized += unsized[q];
  }
  const rootCounts: Record<RootKind, number> = { thread: 0, module: 0, interpreter: 0, type: 0, 'c-held': 0 };
  for (const root of roots.values()) rootCounts[root.kind]++;
  rootCounts['c-held'] += heldCount;
  return new DominatorTree(
    m,
    idom,
    bfsParent,
    bytes,
    estimated,
    count,
    unsized,
    addr,
    type,
    profiles,
    roots,
    held,
    {
      objects: n,
      edges: E,
      reachable: m - 1,
      unreachable,
      roots: rootCounts,
      heapBytes,
      heapEstimatedBytes: heapEstimated,
      heapUnsized,
      problems: walked.problems,
    },
    size,
    huge,
    exactOf,
    walked,
  );
}

/** One object of the dominator tree, as reports show it. */
export interface DominatorView {
  address: string;
  type: string;
  /** sys.getsizeof() of the object (null: unknown or estimated, see shallow_estimated). */
  shallow_bytes: number | null;
  /** Exact sys.getsizeof() bytes of everything it dominates, itself included. */
  retained_bytes: number;
  retained_objects: number;
  /** Bytes of dominated objects whose size pycore estimates, and objects whose size it cannot tell: not in retained_bytes. */
  retained_estimated_bytes: number;
  retained_unsized_objects: number;
  /** Its share of the heap's exact bytes. */
  heap_fraction: number;
  /** When it is a root: which kind, and the root's label. */
  root?: { kind: RootKind; label: string };
  /** Why it is alive: the shortest chain of references from a root, root first, as `pycore path` prints it. */
  path: { root: string | null; hops: PathHop[] };
}

export interface LeakSuspectView extends DominatorView {
  /** What it holds: objects and exact bytes per type, largest first. */
  holds: { type: string; objects: number; bytes: number }[];
}

export interface DominatorsReport {
  version: string;
  summary: DominatorSummary;
  dominators: DominatorView[];
  /** Objects retaining more than `suspect_threshold` of the heap's exact bytes. */
  suspect_threshold: number;
  leak_suspects: LeakSuspectView[];
  /** Retained size by type (the report's treemap): every reachable object counted once. */
  retained_by_type: RetainedByTypeView[];
  warnings: string[];
}

export function dominatorView(s: HeapSession, t: DominatorTree, p: number): DominatorView {
  const prof = t.profile(p);
  const root = t.rootOf(p);
  const chain = t.chain(p).map((q) => t.address(q));
  return {
    address: hex(t.address(p)),
    type: typeLabel(prof.module, prof.qualname),
    shallow_bytes: t.shallow(p),
    retained_bytes: t.bytes[p],
    retained_objects: t.count[p],
    retained_estimated_bytes: t.estimatedOf(p),
    retained_unsized_objects: t.unsizedOf(p),
    heap_fraction: t.summary.heapBytes > 0 ? t.bytes[p] / t.summary.heapBytes : 0,
    ...(root ? { root } : {}),
    // The root of the whole chain, not of its first listed hop: a chain longer than chain()'s cap still starts at a root.
    path: { root: t.rootOf(t.rootPosition(p))?.label ?? null, hops: chainHops(s, chain) },
  };
}

/** Fraction of the heap a leak suspect retains at least (MAT's default). */
export const SUSPECT_THRESHOLD = 0.1;
/** Types listed per leak suspect. */
const SUSPECT_TYPES = 10;
/** Leak suspects listed at most. */
const MAX_SUSPECTS = 10;

/**
 * Leak suspects: the objects retaining over `threshold` of the heap where the memory accumulates
 * (MAT's "accumulation point"): of a chain of such objects, each dominating the next, the last one.
 */
export function leakSuspects(t: DominatorTree, threshold = SUSPECT_THRESHOLD): number[] {
  const floor = t.summary.heapBytes * threshold;
  const big: number[] = [];
  for (let p = 1; p < t.size; p++) if (t.bytes[p] > floor) big.push(p);
  // Keep the deepest of each chain of suspects: a suspect whose children hold no other suspect.
  const isBig = new Set(big);
  const hasBigChild = new Set<number>();
  for (const p of big) if (t.idom[p] !== 0 && isBig.has(t.idom[p])) hasBigChild.add(t.idom[p]);
  return t.top(MAX_SUSPECTS, big.filter((p) => !hasBigChild.has(p)));
}

/** ", N bytes estimated, M objects of unknown size" after the exact bytes of what no root reaches, when there are any. */
export function unreachableApart(u: DominatorSummary['unreachable'], n = (x: number) => String(x)): string {
  return `${u.estimatedBytes > 0 ? `, +${n(u.estimatedBytes)} bytes estimated` : ''}${u.unsized > 0 ? `, ${n(u.unsized)} objects of unknown size` : ''}`;
}

/** The positions a report lists for `--top N`: the N largest retained sizes, every reachable object for 0 (as `--top 0` means everywhere). */
export function listedPositions(t: DominatorTree, top: number): number[] {
  return t.top(top === 0 ? t.size : top);
}

/** The report of the `top` largest retained sizes (see listedPositions) and the leak suspects. */
export function dominatorsReport(s: HeapSession, t: DominatorTree, top = 20, threshold = SUSPECT_THRESHOLD): DominatorsReport {
  const leak = leakSuspects(t, threshold).map((p) => ({
    ...dominatorView(s, t, p),
    holds: t
      .heldTypes(p)
      .slice(0, SUSPECT_TYPES)
      .map((h) => ({ type: typeLabel(h.profile.module, h.profile.qualname), objects: h.objects, bytes: h.bytes })),
  }));
  const warnings = [...s.warnings, ...t.summary.problems];
  const u = t.summary.unreachable;
  if (u.objects > 0) warnings.push(`${u.objects} objects (${u.bytes} bytes${unreachableApart(u)}) are reachable from no root: uncollected cyclic garbage, or held by references pycore does not read; they are in no retained size`);
  return {
    version: s.version,
    summary: t.summary,
    dominators: listedPositions(t, top).map((p) => dominatorView(s, t, p)),
    suspect_threshold: threshold,
    leak_suspects: leak,
    retained_by_type: retainedByType(t),
    warnings,
  };
}

/** What `show --retained` adds to an object: its retained size, or why it has none. */
export function retainedOf(t: DominatorTree, address: number): Pick<ObjectView, 'retained_bytes' | 'retained_objects' | 'retained_estimated_bytes' | 'retained_unsized_objects' | 'retained_unknown'> {
  const p = t.find(address);
  if (p > 0) return { retained_bytes: t.bytes[p], retained_objects: t.count[p], retained_estimated_bytes: t.estimatedOf(p), retained_unsized_objects: t.unsizedOf(p) };
  return { retained_unknown: t.known(address) ? 'no root reaches it (uncollected cyclic garbage, or held by references pycore does not read)' : 'the heap walk found no object at this address' };
}

/** One cell of the retained-size treemap: a type of a module, with what its top-level objects retain. */
export interface RetainedByTypeView {
  module: string;
  type: string;
  /** Exact retained bytes of the objects of this type that only roots dominate (together they partition the heap). */
  bytes: number;
  /** Those objects and every object they retain, whatever its size. */
  objects: number;
  /** Retained bytes whose size pycore estimates, and objects of unknown size: not in `bytes`. */
  estimated_bytes: number;
  unsized_objects: number;
}

/**
 * Retained size by type and module: the objects directly under the virtual root (dominated by no
 * other object) grouped by their type, each with what it retains, so every reachable object is
 * counted once, in the cell of the outermost object that keeps it alive: the cells' bytes sum to
 * summary.heapBytes and their objects to summary.reachable. Largest first.
 */
export function retainedByType(t: DominatorTree): RetainedByTypeView[] {
  const by = new Map<number, { bytes: number; objects: number; estimated_bytes: number; unsized_objects: number }>();
  for (let p = 1; p < t.size; p++) {
    if (t.idom[p] !== 0) continue;
    const id = t.type[p - 1];
    let e = by.get(id);
    if (!e) by.set(id, (e = { bytes: 0, objects: 0, estimated_bytes: 0, unsized_objects: 0 }));
    e.bytes += t.bytes[p];
    e.objects += t.count[p];
    e.estimated_bytes += t.estimatedOf(p);
    e.unsized_objects += t.unsizedOf(p);
  }
  return [...by]
    .map(([id, e]) => ({ module: t.profiles[id].module, type: t.profiles[id].qualname, ...e }))
    .sort((a, b) => b.bytes - a.bytes || b.objects - a.objects || a.module.localeCompare(b.module) || a.type.localeCompare(b.type));
}
