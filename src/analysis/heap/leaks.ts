// "What would gc.collect() free right now?", answered the way the collector answers it: for
// every object in GC generations 0-2, subtract from its reference count the references other
// such objects hold to it; objects left with references are held from outside (roots), and
// everything they reach is alive. The rest is uncollected cyclic garbage (gc was disabled, or
// had not run yet). pycore's references are all strong ones, so an edge it misses only makes
// the answer more conservative (an object looks held from outside), never wrong the other way.
import { runSteps } from '../../cpython/steps.js';
import type { Heap } from '../../cpython/heap.js';
import type { TypeProfile } from '../../cpython/heap-objects.js';

/** Growable typed arrays of the GC-listed objects met during a walk. */
export class TrackedObjects {
  private addr = new Float64Array(1024);
  private refs = new Float64Array(1024);
  private type = new Uint32Array(1024);
  length = 0;

  add(address: number, refcount: number, profileId: number): void {
    if (this.length === this.addr.length) {
      const n = this.length * 2;
      this.addr = grow(this.addr, n);
      this.refs = grow(this.refs, n);
      this.type = grow(this.type, n);
    }
    this.addr[this.length] = address;
    this.refs[this.length] = refcount;
    this.type[this.length] = profileId;
    this.length++;
  }

  /** The arrays, sorted by address. */
  sorted(): { addr: Float64Array; refs: Float64Array; type: Uint32Array } {
    const n = this.length;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const a = this.addr;
    order.sort((x, y) => a[x] - a[y]);
    const addr = new Float64Array(n);
    const refs = new Float64Array(n);
    const type = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      addr[i] = a[order[i]];
      refs[i] = this.refs[order[i]];
      type[i] = this.type[order[i]];
    }
    return { addr, refs, type };
  }
}

/** A copy of `a` with room for `n` elements. */
export function grow<T extends Float64Array | Uint32Array | Int32Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

function indexOf(addr: Float64Array, p: number): number {
  let lo = 0;
  let hi = addr.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = addr[mid];
    if (v === p) return mid;
    if (v < p) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export interface Uncollected {
  objects: number;
  /** Unreachable objects by type profile id. */
  byType: Map<number, number>;
  withFinalizers: number;
  /** Addresses of the unreachable objects whose type has a finalizer (the first MAX_FINALIZER_OBJECTS). */
  finalizerObjects: number[];
}

/** Unreachable objects with finalizers whose addresses are kept (they are all counted). */
export const MAX_FINALIZER_OBJECTS = 100_000;

/** Tracked objects whose references are read between two pauses of uncollectedSteps. */
const OBJECTS_PER_STEP = 4096;

/** The objects a full collection would find unreachable, among `tracked` (generations 0-2). */
export function uncollected(heap: Heap, tracked: TrackedObjects, profiles: TypeProfile[]): Uncollected {
  return runSteps(uncollectedSteps(heap, tracked, profiles));
}

/** Where uncollectedSteps stands when it pauses: tracked objects whose references were read, of all. */
export interface UncollectedProgress {
  checked: number;
  tracked: number;
}

/** uncollected() that pauses every few thousand objects (reading references is the slow part). */
export function* uncollectedSteps(heap: Heap, tracked: TrackedObjects, profiles: TypeProfile[]): Generator<UncollectedProgress, Uncollected, void> {
  const { addr, refs, type } = tracked.sorted();
  const n = addr.length;
  const gcRefs = Float64Array.from(refs);
  // Edges between tracked objects, as (from, to) index pairs.
  let from = new Uint32Array(1024);
  let to = new Uint32Array(1024);
  let edges = 0;
  let lastPointer = -1;
  let lastIndex = -1;
  for (let i = 0; i < n; i++) {
    if (i % OBJECTS_PER_STEP === OBJECTS_PER_STEP - 1) yield { checked: i, tracked: n };
    const prof = profiles[type[i]];
    if (!prof.mayRefer) continue;
    heap.referents.visit(addr[i], prof, (p) => {
      // The same pointer many times in a row ([None] * 10**7) is looked up once.
      const j = p === lastPointer ? lastIndex : indexOf(addr, p);
      lastPointer = p;
      lastIndex = j;
      if (j < 0) return;
      gcRefs[j]--;
      if (edges === from.length) {
        from = grow(from, edges * 2);
        to = grow(to, edges * 2);
      }
      from[edges] = i;
      to[edges] = j;
      edges++;
    });
  }
  // Adjacency (CSR) for the reachability walk.
  const start = new Uint32Array(n + 1);
  for (let e = 0; e < edges; e++) start[from[e] + 1]++;
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const fill = start.slice(0, n);
  const adj = new Uint32Array(edges);
  for (let e = 0; e < edges; e++) adj[fill[from[e]]++] = to[e];
  const alive = new Uint8Array(n);
  const stack: number[] = [];
  for (let i = 0; i < n; i++) {
    if (gcRefs[i] > 0 && !alive[i]) {
      alive[i] = 1;
      stack.push(i);
      while (stack.length > 0) {
        const k = stack.pop()!;
        for (let e = start[k]; e < start[k + 1]; e++) {
          const j = adj[e];
          if (!alive[j]) {
            alive[j] = 1;
            stack.push(j);
          }
        }
      }
    }
  }
  const byType = new Map<number, number>();
  let objects = 0;
  let withFinalizers = 0;
  const finalizerObjects: number[] = [];
  for (let i = 0; i < n; i++) {
    if (alive[i]) continue;
    objects++;
    byType.set(type[i], (byType.get(type[i]) ?? 0) + 1);
    if (profiles[type[i]].finalizer) {
      withFinalizers++;
      if (finalizerObjects.length < MAX_FINALIZER_OBJECTS) finalizerObjects.push(addr[i]);
    }
  }
  return { objects, byType, withFinalizers, finalizerObjects };
}
