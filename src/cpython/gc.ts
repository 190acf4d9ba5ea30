// The cyclic GC's generation lists: in _PyRuntime.gc (3.8, shared by every interpreter) or in
// each interpreter's interp->gc (3.9+). Each generation is a circular doubly linked list of
// PyGC_Head; the object follows its header. Walks are bounded and cycle-checked without a set
// of visited nodes: every hop checks that the next node's prev link points back (an O(1)-memory
// test that any loop not through the head fails), and while a collection is running (prev
// links then hold reference counts) Brent's algorithm bounds the walk instead.
import { runSteps } from './steps.js';
import { field, size, type Layout } from '../cpython-layouts/layout.js';
import { TPFLAGS, type TypeInfo } from './objects/types.js';
import type { Reader } from './reader.js';
import type { HeapMemory } from './heap-memory.js';
import type { PythonRuntime } from './runtime.js';
import type { InterpreterInfo } from './threads.js';

export const GENERATIONS = 3;

/** _PyGC_BITS_TRACKED in ob_gc_bits (free-threaded builds). */
export const GC_BITS_TRACKED = 1;

/**
 * Whether the GC tracks an object (gc.is_tracked()): its type has Py_TPFLAGS_HAVE_GC and the
 * PyGC_Head right before it (_Py_AS_GC; managed dict/weakref words come before that) has a
 * _gc_next link, or, in a free-threaded build, its ob_gc_bits has the tracked bit. Null when unreadable.
 */
export function gcTracked(r: Reader, L: Layout, address: number, t: TypeInfo): boolean | null {
  if (!(t.flags & TPFLAGS.HAVE_GC)) return false;
  if (L.caps.objectHeap === 'mimalloc') {
    const bits = r.u8(address + field(L, 'object.gc_bits'));
    return bits === null ? null : (bits & GC_BITS_TRACKED) !== 0;
  }
  const next = r.ptr(address - size(L, 'PyGC_Head'));
  return next === null ? null : next !== 0;
}

export interface GcGeneration {
  /** 0, 1, 2; 3 is the permanent generation (gc.freeze()). */
  index: number;
  head: number;
  threshold: number | null;
  count: number | null;
}

export interface GcState {
  address: number;
  /** The interpreter owning it; null for 3.8's runtime-wide state. */
  interp: InterpreterInfo | null;
  enabled: boolean | null;
  /** A collection was running when the core was written (prev links hold reference counts then). */
  collecting: boolean;
  generations: GcGeneration[];
  /** gc.garbage (a list), or 0. */
  garbage: number;
}

/** Where one GC state's parts are: a _gc_runtime_state struct, or gcmodule.c's statics (2.7, 3.6). */
interface GcPlace {
  address: number;
  interp: InterpreterInfo | null;
  generations: number;
  permanent: number | null;
  enabled: number | null;
  collecting: number | null;
  garbage: number | null;
}

function gcPlaces(rt: PythonRuntime, interps: InterpreterInfo[]): GcPlace[] {
  const L = rt.layout;
  if (L.caps.runtimeState.kind === 'statics') {
    const s = rt.statics;
    if (s.gcGenerations === undefined) return [];
    return [{ address: s.gcGenerations, interp: null, generations: s.gcGenerations, permanent: null, enabled: s.gcEnabled ?? null, collecting: s.gcCollecting ?? null, garbage: s.gcGarbage ?? null }];
  }
  const at: { address: number; interp: InterpreterInfo | null }[] = [];
  const interpGc = L.offsets['interp.gc'];
  const runtimeGc = L.offsets['runtime.gc'];
  if (interpGc !== undefined) for (const i of interps) at.push({ address: i.address + interpGc, interp: i });
  else if (runtimeGc !== undefined) at.push({ address: rt.runtimeAddress + runtimeGc, interp: null });
  const rel = (name: 'gcstate.permanent' | 'gcstate.collecting', base: number) => (L.offsets[name] === undefined ? null : base + L.offsets[name]!);
  return at.map(({ address, interp }) => ({
    address,
    interp,
    // Free-threaded builds keep no generation lists: their GC walks mimalloc's heaps (src/cpython/mimalloc.ts).
    generations: L.caps.objectHeap === 'mimalloc' ? 0 : address + field(L, 'gcstate.generations'),
    permanent: rel('gcstate.permanent', address),
    enabled: address + field(L, 'gcstate.enabled'),
    collecting: rel('gcstate.collecting', address),
    garbage: address + field(L, 'gcstate.garbage'),
  }));
}

export function readGcStates(rt: PythonRuntime, interps: InterpreterInfo[], mem: HeapMemory): GcState[] {
  const L = rt.layout;
  const lists = L.caps.objectHeap !== 'mimalloc';
  const genSize = lists ? size(L, 'gc_generation') : 0;
  const headOff = lists ? field(L, 'gcgen.head') : 0;
  const out: GcState[] = [];
  for (const p of gcPlaces(rt, interps)) {
    const generations: GcGeneration[] = [];
    const gen = (index: number, base: number) => ({
      index,
      head: base + headOff,
      threshold: mem.i32(base + field(L, 'gcgen.threshold')),
      count: mem.i32(base + field(L, 'gcgen.count')),
    });
    for (let g = 0; lists && g < GENERATIONS; g++) generations.push(gen(g, p.generations + g * genSize));
    if (lists && p.permanent !== null) generations.push(gen(GENERATIONS, p.permanent));
    const enabled = p.enabled === null ? null : mem.i32(p.enabled);
    const collecting = p.collecting === null ? 0 : mem.i32(p.collecting);
    out.push({
      address: p.address,
      interp: p.interp,
      enabled: enabled === null ? null : enabled !== 0,
      collecting: collecting !== null && collecting !== 0,
      generations,
      garbage: p.garbage === null ? 0 : (mem.u64(p.garbage) ?? 0),
    });
  }
  return out;
}

export interface ListWalk {
  /** Objects visited. */
  count: number;
  /** Why the walk stopped before returning to the head, when it did. */
  stopped?: { reason: 'unreadable' | 'cycle' | 'broken-link' | 'limit'; at: number };
}

/**
 * Visits the objects of the generation list headed at `head` (a PyGC_Head). `gcHeadSize` is
 * sizeof(PyGC_Head); the object starts that far after its header.
 */
export function walkGcList(mem: HeapMemory, head: number, gcHeadSize: number, collecting: boolean, limit: number, visit: (object: number) => void): ListWalk {
  return runSteps(walkGcListSteps(mem, head, gcHeadSize, collecting, limit, visit));
}

/** List entries walked between two pauses of walkGcListSteps. */
export const GC_ENTRIES_PER_STEP = 8192;

/**
 * walkGcList() that pauses every few thousand entries, yielding how many it has walked, so a
 * caller that must stay responsive (the TUI) can let other work run (a list may hold millions).
 */
export function walkGcListSteps(mem: HeapMemory, head: number, gcHeadSize: number, collecting: boolean, limit: number, visit: (object: number) => void): Generator<number, ListWalk, void> {
  // _gc_prev keeps flags in its two low bits.
  return walkCircularListSteps(mem, head, { next: 0, prev: 8, object: gcHeadSize, tagBits: 4 }, collecting, limit, visit);
}

/** Where a circular doubly linked list keeps its links in each node, and where the node's object starts. */
export interface ListLinks {
  next: number;
  prev: number;
  object: number;
  /** Pointers are masked to a multiple of this (1: no flag bits). */
  tagBits: number;
}

/** Walks a circular doubly linked list from its head node (not visited), checking every prev link unless `unchecked`. */
export function walkCircularList(mem: HeapMemory, head: number, links: ListLinks, unchecked: boolean, limit: number, visit: (object: number) => void): ListWalk {
  return runSteps(walkCircularListSteps(mem, head, links, unchecked, limit, visit));
}


/** walkCircularList() pausing every GC_ENTRIES_PER_STEP entries with the count so far. */
export function* walkCircularListSteps(mem: HeapMemory, head: number, links: ListLinks, unchecked: boolean, limit: number, visit: (object: number) => void): Generator<number, ListWalk, void> {
  const tag = links.tagBits;
  let prev = head;
  const first = mem.u64(head + links.next);
  if (first === null) return { count: 0, stopped: { reason: 'unreadable', at: head } };
  let g = first - (first % tag);
  let count = 0;
  // Brent's cycle detection, used while a collection runs (prev links are not links then).
  let power = 1;
  let lam = 0;
  let tortoise = head;
  while (g !== head) {
    if (g === 0) return { count, stopped: { reason: 'unreadable', at: prev } };
    if (count >= limit) return { count, stopped: { reason: 'limit', at: g } };
    const next = mem.u64(g + links.next);
    if (next === null) return { count, stopped: { reason: 'unreadable', at: g } };
    if (!unchecked) {
      const back = mem.u64(g + links.prev);
      if (back === null || back - (back % tag) !== prev) return { count, stopped: { reason: 'broken-link', at: g } };
    } else {
      if (g === tortoise) return { count, stopped: { reason: 'cycle', at: g } };
      if (++lam === power) {
        tortoise = g;
        power *= 2;
        lam = 0;
      }
    }
    visit(g + links.object);
    count++;
    if (count % GC_ENTRIES_PER_STEP === 0) yield count;
    prev = g;
    g = next - (next % tag);
  }
  return { count };
}
