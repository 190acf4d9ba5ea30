// Every object in a core, each visited once, with the sources that found it:
//  - gc:        the generation lists of every interpreter's cyclic GC (what gc.get_objects() sees,
//               plus the permanent generation);
//  - pymalloc:  used blocks of pymalloc pools whose start holds a valid object header;
//  - reachable: objects outside pymalloc and outside the GC lists (big str/bytes/int, untracked
//               big objects) found through the references of the objects above;
//  - refchain:  Py_TRACE_REFS builds (3.8-3.12) list every live object on the refchain: walked
//               first, it marks what the other sources find, and what they miss is visited last.
// Nothing per object is kept: objects are streamed to a visitor. GC-listed objects inside
// arenas are remembered in one bit per 16 bytes of arena, so the pool scan can tell which of
// the objects it decodes the GC lists hold (and which listed ones it failed to decode).
import { runSteps } from './steps.js';
import { readRefcount } from './objects/refcount.js';
import { gcHeadSize } from './objects/types.js';
import { walkMimalloc, type MimallocWalkSummary } from './mimalloc.js';
import { mimallocLayout, type MimallocLayout } from '../cpython-layouts/mimalloc-layout.js';
import { minorKey } from '../cpython-layouts/version.js';
import { field, size } from '../cpython-layouts/layout.js';
import type { Target } from '../target/target.js';
import { GC_BITS_TRACKED, readGcStates, walkGcListSteps, type GcState, type ListWalk } from './gc.js';
import { refchainHeads, walkRefchainSteps } from './refchain.js';
import { BulkReader } from './bulk-read.js';
import { HeapMemory, wordsOf } from './heap-memory.js';
import { HeapTypes, REJECT_REASONS, type RejectReason, type TypeProfile } from './heap-objects.js';
import { mallocChunk } from './malloc-chunk.js';
import { PT_LOAD } from '../elf/constants.js';
import type { ObjectDecoder } from './objects/decoder.js';
import { Referents, type Via } from './objects/referents.js';
import { ArenaIndex, findPymalloc, markFreeBlocks, poolHeaderAt, poolOffsets, poolProblem, type PymallocFind } from './pymalloc.js';
import type { PythonRuntime } from './runtime.js';
import type { InterpreterInfo } from './threads.js';

export const SOURCE = { gc: 1, pymalloc: 2, reachable: 4, refchain: 8, mimalloc: 16 } as const;

/** One object as the walk hands it over. The same instance is reused for every visit: copy what you keep. */
export interface HeapObject {
  address: number;
  profile: TypeProfile;
  refcount: number;
  /** SOURCE bits. */
  sources: number;
  /** The GC generation list holding it: 0-2, 3 for the permanent generation, -1 when in none. */
  generation: number;
  /** The object's first `avail` bytes are the 32-bit words `words[at ...]` when set (pymalloc blocks). */
  words: Uint32Array | null;
  at: number;
  avail: number;
  /** sys.getsizeof(), or null when part of what it needs is unreadable. */
  size: number | null;
}

/** Candidates refused for one reason: how many, and the first few addresses. */
export interface RejectedCount {
  count: number;
  /** By the source that proposed them (SOURCE bits as names: gc, pymalloc, reachable, refchain). */
  bySource: Record<'gc' | 'pymalloc' | 'reachable' | 'refchain', number> & { mimalloc?: number };
  examples: number[];
}

export interface GenerationCount {
  /** Interpreter id (null: 3.8's runtime-wide state). */
  interpreter: number | null;
  generation: number;
  /** Objects in the list. */
  objects: number;
  /** The generation's own allocation counter and threshold, as gc.get_count()/get_threshold() report them. */
  count: number | null;
  threshold: number | null;
  stopped?: ListWalk['stopped'];
}

export interface RefchainWalk {
  /** Interpreter id (null: the process-wide list of 3.8-3.11). */
  interpreter: number | null;
  objects: number;
  stopped?: ListWalk['stopped'];
}

export interface HeapWalkSummary {
  objects: number;
  /** By the sources other than the refchain; `refchainOnly`: objects only the refchain listed. */
  bySource: { gc: number; pymalloc: number; gcAndPymalloc: number; reachable: number; refchainOnly: number; mimalloc: number };
  /**
   * Py_TRACE_REFS builds: the refchain lists walked (null: not such a build). When every list was
   * walked to its end, the refchain decides what is an object: `offChain` counts what the other
   * sources proposed (a pymalloc block that looked like an object) that it does not list, and left out.
   */
  refchain: { lists: RefchainWalk[]; onChain: number; complete: boolean; offChain: number } | { unreadable: string } | null;
  generations: GenerationCount[];
  /** Blocks in use in pymalloc pools, and how many of them start with an object pycore recognised. */
  usedBlocks: number;
  objectBlocks: number;
  /** Objects found only because the GC lists name them though their block did not validate. */
  gcOnlyInArenas: number;
  /**
   * What looked like an object but failed validation (a type pointer that is no type, refcount 0,
   * a size that cannot be), by reason: counted here and never in the objects.
   */
  rejected: Partial<Record<RejectReason, RejectedCount>>;
  /**
   * Free-threaded builds: the mimalloc heaps walked (null: not such a build). `objects`: used
   * blocks holding an object; `tracked`: those the GC tracks (what gc.get_objects() lists).
   */
  mimalloc: (Omit<MimallocWalkSummary, 'problems'> & { objects: number; tracked: number }) | null;
  problems: string[];
}

export interface HeapWalkOptions {
  /** Also follow references to find objects outside pymalloc and the GC lists (default true). */
  reachable?: boolean;
  /** Called for every reference of every object (the object is the one being visited). */
  onReference?: (from: HeapObject, target: number, via: Via, arg: number | string) => void;
  /** Called now and then with arenas scanned and in all. */
  progress?: (done: number, total: number) => void;
  /**
   * The pool scan (step 2) is done elsewhere, by Heap.arenaScanner on other threads: the walk yields
   * once with `split` set (what the GC lists marked in each arena), and before it is resumed the
   * caller sets `scans`. Not for a Py_TRACE_REFS or free-threaded build, nor with onReference.
   */
  split?: SplitWalk;
}

/** What the GC lists marked in the arenas: per arena, one bit per 16-byte slot, and two bits of its generation (undefined: none). */
export interface GcBits {
  bitmaps: (Uint8Array | undefined)[];
  genBits: [(Uint8Array | undefined)[], (Uint8Array | undefined)[]];
}

/**
 * A walk whose pool scan other threads did. `major`/`minor` say where the walk is when it visits
 * an object or meets a type, so that what a caller keeps of the visits ("the first 10 largest")
 * can be merged with the scans' in the order one thread would have met them: -1 for the GC lists,
 * the referring object's address for objects found through what the scans found (minor 1, 2, ...
 * after it: a scan's own objects are (address, 0)), Infinity for the steps after the pools.
 */
export interface SplitWalk {
  scans: ArenaScan[] | null;
  major: number;
  minor: number;
}

/** Refused candidates of one reason in a scan (their first addresses are in ArenaScan.examples). */
interface ScanRejects {
  count: number;
  bySource: RejectedCount['bySource'];
}

/** What Heap.arenaScanner found in arenas [first, end): plain data a worker thread sends back. */
export interface ArenaScan {
  first: number;
  end: number;
  objects: number;
  pymalloc: number;
  gcAndPymalloc: number;
  usedBlocks: number;
  objectBlocks: number;
  rejected: Partial<Record<RejectReason, ScanRejects>>;
  /** The first REJECT_EXAMPLES candidates of each reason, in block order: reason, address, the block it is in. */
  examples: [RejectReason, number, number][];
  /** The first problems (MAX_PROBLEMS + 1 at most) and how many there were. */
  problems: string[];
  problemCount: number;
  /** References that leave the arenas (a first time in this scan), by referrer: address, n, n targets; ... */
  refs: Float64Array;
  /** Types met (profiled) first in this scan: type address, block address; ... */
  types: Float64Array;
  /** The GC bits of these arenas, the bits of objects found cleared. */
  gc: GcBits;
}

/** Where a pool scan puts what it finds: the walk itself, or a scan for another thread (Heap.arenaScanner). */
interface PoolSink {
  summary: { usedBlocks: number; objectBlocks: number };
  problem: (p: string) => void;
  reject: (why: RejectReason, address: number, sources: number) => void;
  /** A used block holding an object at `address`: its first `avail` bytes are `words[at ...]`. */
  found: (address: number, prof: TypeProfile, refcount: number, sources: number, generation: number, words: Uint32Array, at: number, avail: number) => void;
  /** The block being looked at (set before its candidate is checked). */
  block: number;
  /** An arena's bytes (grown when an arena is bigger), as words too, and a pool's free-block marks. */
  buf: Buffer;
  words: Uint32Array;
  free: Uint8Array;
}

const SLOT = 16;
/** Bytes of managed dict/weakref words before an object of the GC_PRE heap. */
const PRE_HEADER_WORDS = 16;

const MAX_PROBLEMS = 20;
const REJECT_EXAMPLES = 5;

/** Where a walk run step by step (Heap.walkSteps) stands when it pauses. */
export interface WalkProgress {
  /** Objects visited so far. */
  objects: number;
  /** pymalloc arenas scanned, and in all. */
  arenas: number;
  arenasTotal: number;
  /** While the GC generation lists are read (before any object is visited): entries read so far. */
  listed?: number;
  /** A split walk (HeapWalkOptions.split) waits for its arena scans: what the GC lists marked in them. */
  split?: GcBits;
}

/** Objects visited between two pauses of Heap.walkSteps (a pool or an arena is never split). */
const OBJECTS_PER_STEP = 4096;

// Callers of the heap walks run them to the end with the same helper.
export { runSteps };

export interface HeapLimits {
  /** Objects walked per GC generation list. */
  maxGcList: number;
  /** Objects taken from the refchains of a Py_TRACE_REFS build, all lists together (kept in a Set: at most 2^24). */
  maxRefchain: number;
}

export const defaultHeapLimits: HeapLimits = { maxGcList: 1_000_000_000, maxRefchain: 2 ** 24 - 1 };

export class Heap {
  readonly mem: HeapMemory;
  private readonly bulk: BulkReader;
  readonly types: HeapTypes;
  readonly referents: Referents;
  readonly pymalloc: PymallocFind;
  readonly gcStates: GcState[];
  readonly arenas: ArenaIndex;
  /** Free-threaded builds: where mimalloc keeps its heaps (null otherwise, or when pycore has no layout for it). */
  readonly mimalloc: MimallocLayout | null;
  private readonly gcHead: number;
  /** The core's memory (PT_LOAD sizes summed): no object is bigger. */
  private readonly mappedBytes: number;
  /** The smallest object: its header. */
  private readonly minObject: number;

  constructor(
    readonly rt: PythonRuntime,
    readonly target: Target,
    readonly decoder: ObjectDecoder,
    readonly interpreters: InterpreterInfo[],
    readonly limits: HeapLimits = defaultHeapLimits,
  ) {
    this.bulk = new BulkReader(target);
    this.mem = new HeapMemory(target.memory, this.bulk);
    this.types = new HeapTypes(decoder, this.mem);
    const dummy = target.symbolAddress(rt.module, '_PySet_Dummy');
    this.referents = new Referents(decoder, this.types, this.mem, dummy ? this.mem.u64(dummy.address) : null);
    this.mimalloc = rt.layout.caps.objectHeap === 'mimalloc' ? mimallocLayout(rt.layout.version) : null;
    this.pymalloc = rt.layout.caps.objectHeap === 'mimalloc' ? { heaps: [], ...(this.mimalloc ? {} : { unreadable: `no mimalloc layout for a free-threaded ${minorKey(rt.layout.version)}` }) } : findPymalloc(rt, target, interpreters, this.mem);
    this.gcStates = readGcStates(rt, interpreters, this.mem);
    this.arenas = new ArenaIndex(this.pymalloc.heaps);
    this.gcHead = gcHeadSize(rt.layout);
    this.types.inArena = (a) => this.arenas.find(a) >= 0;
    this.mappedBytes = target.core.segments.reduce((a, p) => (p.type === PT_LOAD ? a + p.memsz : a), 0);
    this.minObject = this.types.off.obType + 8;
  }

  /** Visits every object once. */
  walk(visit: (o: HeapObject) => void, options: HeapWalkOptions = {}): HeapWalkSummary {
    return runSteps(this.walkSteps(visit, options));
  }

  /**
   * walk() that pauses every few thousand objects, yielding how far it got, so a caller can let
   * other work (a terminal UI's input) run between steps, or stop.
   */
  *walkSteps(visit: (o: HeapObject) => void, options: HeapWalkOptions = {}): Generator<WalkProgress, HeapWalkSummary, void> {
    // A free-threaded census finds every object in mimalloc's pages: following references to find
    // more would only fill the outside set (there are no arenas to exclude) with what it already has.
    const reachable = !this.mimalloc && (options.reachable ?? true);
    const hook = options.onReference;
    const split = options.split;
    if (split && (this.rt.build === 'trace-refs' || this.mimalloc || hook)) throw new Error('a split walk is for the pymalloc census only (see Heap.splittable)');
    if (split) [split.major, split.minor] = [-1, 1];
    const summary: HeapWalkSummary = {
      objects: 0, bySource: { gc: 0, pymalloc: 0, gcAndPymalloc: 0, reachable: 0, refchainOnly: 0, mimalloc: 0 }, refchain: null,
      generations: [], usedBlocks: 0, objectBlocks: 0, gcOnlyInArenas: 0, rejected: {}, mimalloc: null, problems: [],
    };
    const reject = (why: RejectReason, address: number, sources: number) => {
      const r = (summary.rejected[why] ??= { count: 0, bySource: { gc: 0, pymalloc: 0, reachable: 0, refchain: 0 }, examples: [] });
      r.count++;
      for (const [name, bit] of Object.entries(SOURCE) as [keyof typeof SOURCE, number][]) if (sources & bit) r.bySource[name] = (r.bySource[name] ?? 0) + 1;
      if (r.examples.length < REJECT_EXAMPLES) r.examples.push(address);
    };
    const problem = (p: string) => {
      if (summary.problems.length < MAX_PROBLEMS) summary.problems.push(p);
      else if (summary.problems.length === MAX_PROBLEMS) summary.problems.push('(more problems not shown)');
    };
    if (this.pymalloc.unreadable) problem(`pymalloc: ${this.pymalloc.unreadable}`);
    const o: HeapObject = { address: 0, profile: null as unknown as TypeProfile, refcount: 0, sources: 0, generation: -1, words: null, at: 0, avail: 0, size: null };
    const outside = new Set<number>();
    const notObjects = new Set<number>();
    const pending: number[] = [];
    const arenas = this.arenas;
    // Per arena, one bit per 16-byte slot: listed in a GC generation; and which generation (bits 1 and 2 of it).
    const bitmaps: (Uint8Array | undefined)[] = new Array(arenas.length);
    const genBits: [(Uint8Array | undefined)[], (Uint8Array | undefined)[]] = [new Array(arenas.length), new Array(arenas.length)];
    const slotsPerArena = this.pymalloc.heaps[0] ? this.pymalloc.heaps[0].layout.arenaSize / SLOT : 0;
    let pauseAt = OBJECTS_PER_STEP;
    let arenasDone = 0;
    const due = () => summary.objects >= pauseAt && ((pauseAt = summary.objects + OBJECTS_PER_STEP), true);
    const where = (): WalkProgress => ({ objects: summary.objects, arenas: arenasDone, arenasTotal: arenas.length });

    // 0. Py_TRACE_REFS: every object on the refchain, to be marked off as the other sources find it.
    const onChain = this.rt.build === 'trace-refs' ? yield* this.walkRefchains(summary, problem, where) : null;
    const chain = summary.refchain && 'lists' in summary.refchain ? summary.refchain : null;
    const emit = (address: number, prof: TypeProfile, refcount: number, sources: number, generation: number, words: Uint32Array | null, at: number, avail: number) => {
      // 2.7: old-style instances are counted by their class.
      if (prof.kind === 'instance') prof = this.types.ofInstance(address, prof);
      if (onChain !== null && onChain.delete(address)) sources |= SOURCE.refchain;
      else if (chain?.complete) {
        chain.offChain++;
        return;
      }
      const bytes = this.types.sizeof(address, prof, words, at, avail);
      if (bytes !== null && (bytes < this.minObject || bytes > this.mappedBytes)) {
        reject('size', address, sources);
        return;
      }
      loadObject(o, address, prof, refcount, sources, generation, words, at, avail, bytes);
      summary.objects++;
      const found = sources & ~SOURCE.refchain;
      if (found & SOURCE.mimalloc) summary.bySource.mimalloc++;
      else if (found === (SOURCE.gc | SOURCE.pymalloc)) summary.bySource.gcAndPymalloc++;
      else if (found === SOURCE.gc) summary.bySource.gc++;
      else if (found === SOURCE.pymalloc) summary.bySource.pymalloc++;
      else if (found === SOURCE.reachable) summary.bySource.reachable++;
      else summary.bySource.refchainOnly++;
      visit(o);
      if (split) split.minor++;
      if (!prof.mayRefer) return;
      if (hook) {
        this.referents.visit(address, prof, (p, via, arg) => {
          if (reachable) follow(p);
          hook(o, p, via, arg);
        });
      } else if (reachable) this.referents.visit(address, prof, follow);
    };
    // An object outside pymalloc, not yet seen: validate it, and remember either answer.
    // The same pointer many times in a row ([None] * 10**7) is settled by its first visit.
    let lastFollowed = -1;
    const follow = (p: number) => {
      if (p === lastFollowed) return;
      lastFollowed = p;
      if (p % 8 !== 0 || p === 0 || arenas.find(p) >= 0 || outside.has(p) || notObjects.has(p)) return;
      if (this.target.moduleAt(p)) {
        // Static objects (None, small ints, static types and strings) live in the interpreter's image.
        remember(notObjects, p);
        return;
      }
      outside.add(p);
      pending.push(p);
    };
    const remember = (set: Set<number>, p: number) => {
      if (set.size > 1 << 22) set.clear();
      set.add(p);
    };
    // An object outside the pymalloc blocks: a real type, a live refcount, and all of it in the
    // core and (unless it is static, in a binary's image) inside the malloc chunk holding it.
    const validateOutside = (p: number): { prof: TypeProfile; refcount: number } | RejectReason => {
      const refcount = readRefcount(this.mem, this.rt.layout, p);
      const tp = this.mem.u64(p + this.types.off.obType);
      if (refcount === null || tp === null) return 'unreadable';
      const prof = this.types.profile(tp);
      if (!prof) return 'not-type';
      if (refcount === 0) return 'dead';
      if (refcount < 0 || refcount > 2 ** 48) return 'refcount';
      const inline = this.types.inlineSize(p, prof);
      if (inline === null || this.mem.u32(p - prof.pre + inline - 4) === null) return 'unreadable';
      if (!this.target.moduleAt(p)) {
        const chunk = mallocChunk(this.decoder.r, p - prof.pre);
        // An in-use chunk also owns the next chunk's prev_size word (malloc_usable_size() is size - 8).
        if (chunk && !chunk.mmapped && p - prof.pre + inline > chunk.next + 8) return 'exceeds-block';
      }
      return { prof, refcount };
    };
    const drain = () => {
      while (pending.length > 0) {
        const p = pending.pop()!;
        const v = validateOutside(p);
        if (typeof v === 'string') {
          outside.delete(p);
          remember(notObjects, p);
          // Only pointers to something with a type-like header are candidates; other words are not objects at all.
          if (v !== 'not-type' || this.types.typeLike(this.mem.u64(p + this.types.off.obType) ?? 0)) reject(v, p, SOURCE.reachable);
          continue;
        }
        emit(p, v.prof, v.refcount, SOURCE.reachable, -1, null, 0, 0);
      }
    };

    // Free-threaded builds: every object is a used block of a thread's (or an abandoned) mimalloc
    // heap; GC objects sit in the GC heaps and carry their tracked bit. Nothing else to find.
    if (this.mimalloc) {
      yield* this.walkMimallocSteps(summary, emit, problem, where);
      return summary;
    }

    // 1. The GC lists: mark objects inside arenas, emit the others.
    const listed: { address: number; generation: number }[] = [];
    let listedBefore = 0;
    for (const st of this.gcStates) {
      for (const g of st.generations) {
        const listing = walkGcListSteps(this.mem, g.head, this.gcHead, st.collecting, this.limits.maxGcList, (obj) => {
          const ai = arenas.find(obj);
          if (ai >= 0) {
            let bm = bitmaps[ai];
            if (!bm) bm = bitmaps[ai] = new Uint8Array(Math.ceil(slotsPerArena / 8));
            const slot = Math.floor((obj - arenas.starts[ai]) / SLOT);
            bm[slot >>> 3] |= 1 << (slot & 7);
            for (let b = 0; b < 2; b++) {
              if (!(g.index & (1 << b))) continue;
              const gb = (genBits[b][ai] ??= new Uint8Array(bm.length));
              gb[slot >>> 3] |= 1 << (slot & 7);
            }
          } else if (!outside.has(obj)) {
            outside.add(obj);
            listed.push({ address: obj, generation: g.index });
          }
        });
        let w: ListWalk;
        for (;;) {
          const r = listing.next();
          if (r.done) {
            w = r.value;
            break;
          }
          yield { ...where(), listed: listedBefore + r.value };
        }
        listedBefore += w.count;
        const interpreter = st.interp ? st.interp.id : null;
        summary.generations.push({ interpreter, generation: g.index, objects: w.count, count: g.count, threshold: g.threshold, ...(w.stopped ? { stopped: w.stopped } : {}) });
        if (w.stopped) problem(`GC generation ${g.index}${interpreter !== null ? ` of interpreter ${interpreter}` : ''}: list ${w.stopped.reason} at 0x${w.stopped.at.toString(16)} after ${w.count} objects`);
      }
    }
    for (const { address, generation } of listed) {
      const v = validateOutside(address);
      if (typeof v === 'string') {
        reject(v, address, SOURCE.gc);
        problem(`GC list entry 0x${address.toString(16)} is not a valid object (${REJECT_REASONS[v]})`);
        continue;
      }
      emit(address, v.prof, v.refcount, SOURCE.gc, generation, null, 0, 0);
      drain();
      if (due()) yield where();
    }

    // 2. pymalloc pools, arena by arena (in address order); or, when other threads scanned them
    // (options.split), what they found, merged in the order this loop would have found it.
    if (split) {
      yield* this.mergeScans(split, { summary, gc: { bitmaps, genBits }, problem, follow, drain, due, where });
    } else {
      const sink: PoolSink = {
        summary,
        problem,
        reject,
        found: (address, prof, refcount, sources, generation, words, at, avail) => {
          emit(address, prof, refcount, sources, generation, words, at, avail);
          drain();
        },
        block: 0,
        ...this.scanBuffers(),
      };
      for (let ai = 0; ai < arenas.length; ai++) {
        arenasDone = ai;
        options.progress?.(ai, arenas.length);
        for (const _ of this.scanArena(ai, bitmaps[ai], genBits, sink)) if (due()) yield where();
      }
    }
    arenasDone = arenas.length;
    options.progress?.(arenas.length, arenas.length);
    if (split) [split.major, split.minor] = [Infinity, 1];

    // 3. GC-listed objects in arenas that the pool scan did not recognise.
    for (let ai = 0; ai < arenas.length; ai++) {
      const bm = bitmaps[ai];
      if (!bm) continue;
      for (let byte = 0; byte < bm.length; byte++) {
        if (!bm[byte]) continue;
        for (let bit = 0; bit < 8; bit++) {
          if (!(bm[byte] & (1 << bit))) continue;
          const address = arenas.starts[ai] + (byte * 8 + bit) * SLOT;
          const v = validateOutside(address);
          if (typeof v === 'string') {
            reject(v, address, SOURCE.gc);
            problem(`GC list entry 0x${address.toString(16)} is not a valid object (${REJECT_REASONS[v]})`);
            continue;
          }
          summary.gcOnlyInArenas++;
          emit(address, v.prof, v.refcount, SOURCE.gc, generationAt(genBits, ai, byte * 8 + bit), null, 0, 0);
          drain();
          if (due()) yield where();
        }
      }
    }

    // 4. Objects only the refchain lists: static ones in a binary's image, which the refchain holds
    // too (static types, True and False, ...) but the reference walk leaves alone, and untracked
    // objects outside pymalloc that nothing above refers to.
    if (onChain !== null) {
      for (const address of onChain) {
        if (!onChain.has(address)) continue; // found meanwhile, through the references of one of these
        const v = validateOutside(address);
        if (typeof v === 'string') {
          onChain.delete(address);
          reject(v, address, SOURCE.refchain);
          problem(`refchain entry 0x${address.toString(16)} is not a valid object (${REJECT_REASONS[v]})`);
          continue;
        }
        outside.add(address);
        emit(address, v.prof, v.refcount, SOURCE.refchain, -1, null, 0, 0);
        drain();
        if (due()) yield where();
      }
    }
    return summary;
  }

  /** Whether the pool scan of a walk may run on other threads (HeapWalkOptions.split): pymalloc without a refchain. */
  get splittable(): boolean {
    // Old-style instances' profiles are keyed by their class object, which a worker's merge (by type
    // address) cannot name: 2.7 heaps are counted on one thread.
    return !this.mimalloc && this.rt.build !== 'trace-refs' && !this.types.classicInstances && this.arenas.length > 0;
  }

  private scanBuffers(): Pick<PoolSink, 'buf' | 'words' | 'free'> {
    const buf = Buffer.allocUnsafeSlow(this.pymalloc.heaps[0]?.layout.arenaSize ?? 0);
    return { buf, words: wordsOf(buf), free: new Uint8Array(65536) };
  }

  /** Reads arena `ai` and hands each used block's object to `sink`; pauses after each pool that had blocks in use. */
  private *scanArena(ai: number, bm: Uint8Array | undefined, genBits: GcBits['genBits'], sink: PoolSink): Generator<void, void, void> {
    const { heap, arena } = this.arenas.refs[ai];
    const P = heap.layout;
    const po = poolOffsets(this.rt.layout);
    const end = Math.min(arena.poolAddress, arena.address + P.arenaSize);
    if (end <= arena.firstPool) return;
    const dataLength = end - arena.firstPool;
    if (sink.buf.length < dataLength) {
      sink.buf = Buffer.allocUnsafeSlow(dataLength);
      sink.words = wordsOf(sink.buf);
    }
    if (!this.bulk.readInto(arena.firstPool, sink.buf, dataLength)) {
      sink.problem(`arena 0x${arena.address.toString(16)} is not in the core`);
      return;
    }
    const { buf: data, words, free, summary } = sink;
    const base = arena.address;
    for (let poff = 0; poff + P.poolSize <= dataLength; poff += P.poolSize) {
      const pool = arena.firstPool + poff;
      const h = poolHeaderAt(P, po, pool, data, poff);
      if (h.count === 0) continue;
      const bad = poolProblem(P, h);
      if (bad) {
        sink.problem(`pool 0x${pool.toString(16)}: ${bad}`);
        continue;
      }
      const nfree = markFreeBlocks(P, h, data, poff, free);
      if (typeof nfree === 'string') {
        sink.problem(`pool 0x${pool.toString(16)}: ${nfree}`);
        continue;
      }
      const carved = (h.nextoffset - P.poolOverhead) / h.blockSize;
      summary.usedBlocks += carved - nfree;
      for (let i = 0; i < carved; i++) {
        if (free[i]) continue;
        const boff = poff + P.poolOverhead + i * h.blockSize;
        const block = pool + P.poolOverhead + i * h.blockSize;
        sink.block = block;
        const prof = this.types.objectInBlock(words, boff >>> 2, h.blockSize);
        if (!prof) {
          const why = this.types.blockRejected;
          if (why) {
            // The GC lists name the object after its pre-header, not the block: a listed slot
            // anywhere in the block is this candidate, counted once here and not again in step 3.
            let listed = false;
            for (let slot = Math.floor((block - base) / SLOT), end = Math.floor((block + h.blockSize - 1 - base) / SLOT); bm && slot <= end; slot++) {
              if (!bitAt(bm, slot)) continue;
              bm[slot >>> 3] &= ~(1 << (slot & 7));
              listed = true;
            }
            sink.reject(why, block, listed ? SOURCE.pymalloc | SOURCE.gc : SOURCE.pymalloc);
          }
          continue;
        }
        const pre = this.types.foundPre;
        const address = block + pre;
        let sources: number = SOURCE.pymalloc;
        let generation = -1;
        if (bm) {
          const slot = Math.floor((address - base) / SLOT);
          const bit = 1 << (slot & 7);
          if (bm[slot >>> 3] & bit) {
            bm[slot >>> 3] &= ~bit;
            sources |= SOURCE.gc;
            generation = generationAt(genBits, ai, slot);
          }
        }
        summary.objectBlocks++;
        const at = (boff + pre) >>> 2;
        sink.found(address, prof, this.types.refcountAt(words, at), sources, generation, words, at, h.blockSize - pre);
      }
      yield;
    }
  }

  /**
   * A scanner of arena ranges for a worker thread (see HeapWalkOptions.split): each object in
   * the pools is visited here; the references that leave the arenas (to objects outside pymalloc)
   * are collected, each the first time this scanner meets it, for the main thread to follow.
   * Ranges must be scanned in address order.
   */
  arenaScanner(visit: (o: HeapObject) => void): (first: number, end: number, gc: GcBits) => ArenaScan {
    const seen = new Set<number>();
    const bufs = this.scanBuffers();
    const arenas = this.arenas;
    return (first, end, gc) => {
      const scan: ArenaScan = { first, end, objects: 0, pymalloc: 0, gcAndPymalloc: 0, usedBlocks: 0, objectBlocks: 0, rejected: {}, examples: [], problems: [], problemCount: 0, refs: new Float64Array(0), types: new Float64Array(0), gc };
      const refs: number[] = [];
      const types: number[] = [];
      const shown = new Map<RejectReason, number>();
      const o: HeapObject = { address: 0, profile: null as unknown as TypeProfile, refcount: 0, sources: 0, generation: -1, words: null, at: 0, avail: 0, size: null };
      let last = -1;
      const follow = (p: number) => {
        if (p === last) return;
        last = p;
        if (p % 8 !== 0 || p === 0 || arenas.find(p) >= 0 || seen.has(p)) return;
        seen.add(p);
        // Static objects in a binary's image are never counted (see walkSteps' follow).
        if (this.target.moduleAt(p)) return;
        if (mark < 0) {
          mark = refs.length;
          refs.push(referrer, 0);
        }
        refs.push(p);
        refs[mark + 1]++;
      };
      // The referrer being visited, and where its entry in `refs` starts (-1: none yet).
      let referrer = 0;
      let mark = -1;
      const sink: PoolSink = {
        summary: scan,
        problem: (p) => {
          if (scan.problemCount++ <= MAX_PROBLEMS) scan.problems.push(p);
        },
        reject: (why, address, sources) => {
          const r = (scan.rejected[why] ??= { count: 0, bySource: { gc: 0, pymalloc: 0, reachable: 0, refchain: 0 } });
          r.count++;
          if (sources & SOURCE.gc) r.bySource.gc++;
          if (sources & SOURCE.pymalloc) r.bySource.pymalloc++;
          const n = shown.get(why) ?? 0;
          if (n < REJECT_EXAMPLES) {
            shown.set(why, n + 1);
            scan.examples.push([why, address, sink.block]);
          }
        },
        found: (address, prof, refcount, sources, generation, words, at, avail) => {
          const bytes = this.types.sizeof(address, prof, words, at, avail);
          if (bytes !== null && (bytes < this.minObject || bytes > this.mappedBytes)) {
            sink.reject('size', address, sources);
            return;
          }
          loadObject(o, address, prof, refcount, sources, generation, words, at, avail, bytes);
          scan.objects++;
          if (sources & SOURCE.gc) scan.gcAndPymalloc++;
          else scan.pymalloc++;
          visit(o);
          if (!prof.mayRefer) return;
          referrer = address;
          mark = -1;
          this.referents.visit(address, prof, follow);
        },
        block: 0,
        ...bufs,
      };
      const before = this.types.onNew;
      this.types.onNew = (p) => types.push(p.type.address, sink.block);
      try {
        for (let ai = first; ai < end; ai++) for (const _ of this.scanArena(ai, gc.bitmaps[ai], gc.genBits, sink));
      } finally {
        this.types.onNew = before;
        Object.assign(bufs, { buf: sink.buf, words: sink.words });
      }
      scan.refs = Float64Array.from(refs);
      scan.types = Float64Array.from(types);
      return scan;
    };
  }

  /** Step 2 of a split walk: waits for the arena scans, then merges them (see HeapWalkOptions.split). */
  private *mergeScans(
    split: SplitWalk,
    w: {
      summary: HeapWalkSummary;
      gc: GcBits;
      problem: (p: string) => void;
      follow: (p: number) => void;
      drain: () => void;
      due: () => boolean;
      where: () => WalkProgress;
    },
  ): Generator<WalkProgress, void, void> {
    yield { ...w.where(), split: w.gc };
    const scans = split.scans;
    if (!scans) throw new Error('a split walk was resumed without its arena scans');
    const { summary } = w;
    for (const sc of scans) {
      summary.objects += sc.objects;
      summary.bySource.pymalloc += sc.pymalloc;
      summary.bySource.gcAndPymalloc += sc.gcAndPymalloc;
      summary.usedBlocks += sc.usedBlocks;
      summary.objectBlocks += sc.objectBlocks;
      for (const p of sc.problems) w.problem(p);
      for (let ai = sc.first; ai < sc.end; ai++) w.gc.bitmaps[ai] = sc.gc.bitmaps[ai];
      // Refused candidates' examples in the order one thread would have met them among the
      // objects the references lead to (a block before the objects found through a later one).
      let e = 0;
      const example = () => {
        const [why, address] = sc.examples[e++];
        const r = (summary.rejected[why] ??= { count: 0, bySource: { gc: 0, pymalloc: 0, reachable: 0, refchain: 0 }, examples: [] });
        if (r.examples.length < REJECT_EXAMPLES) r.examples.push(address);
      };
      const refs = sc.refs;
      for (let i = 0; i < refs.length; ) {
        const referrer = refs[i];
        const n = refs[i + 1];
        while (e < sc.examples.length && sc.examples[e][2] < referrer) example();
        [split.major, split.minor] = [referrer, 1];
        for (let k = 0; k < n; k++) w.follow(refs[i + 2 + k]);
        w.drain();
        i += 2 + n;
        if (w.due()) yield w.where();
      }
      while (e < sc.examples.length) example();
      for (const [why, r] of Object.entries(sc.rejected) as [RejectReason, ScanRejects][]) {
        const t = summary.rejected[why]!;
        t.count += r.count;
        t.bySource.gc += r.bySource.gc;
        t.bySource.pymalloc += r.bySource.pymalloc;
      }
    }
  }

  /** The free-threaded census: each used block of the object and GC heaps that holds an object. */
  private *walkMimallocSteps(
    summary: HeapWalkSummary,
    emit: (address: number, prof: TypeProfile, refcount: number, sources: number, generation: number, words: Uint32Array | null, at: number, avail: number) => void,
    problem: (p: string) => void,
    where: () => WalkProgress,
  ): Generator<WalkProgress, void, void> {
    const L = this.rt.layout;
    const M = this.mimalloc!;
    const gcBits = field(L, 'object.gc_bits');
    const typeOff = this.types.off.obType;
    let objects = 0;
    let tracked = 0;
    const found: { address: number; prof: TypeProfile; refcount: number; gc: boolean }[] = [];
    const w = walkMimalloc(L, M, this.mem, this.interpreters, (page, used) => {
      const pre = page.heap === 'gc-pre' ? PRE_HEADER_WORDS : 0;
      for (let i = 0; i < page.capacity; i++) {
        if (!used[i]) continue;
        const address = page.start + i * page.blockSize + pre;
        const tp = this.mem.u64(address + typeOff);
        const prof = tp === null ? null : this.types.profile(tp);
        const refcount = prof ? readRefcount(this.mem, L, address) : null;
        // The object heap also serves PyObject_Malloc() of memory that is no object: a block is an
        // object when its type pointer names a type whose instances have this pre-header and fit
        // (by their own size: a compact str is smaller than str's tp_basicsize).
        const inline = prof && prof.pre === pre ? this.types.inlineSize(address, prof) : null;
        if (!prof || refcount === null || refcount < 0 || inline === null || inline > page.blockSize) {
          if (page.heap !== 'object') problem(`mimalloc ${page.heap} heap block 0x${(address - pre).toString(16)} holds no valid object`);
          continue;
        }
        const gc = page.heap !== 'object' && ((this.mem.bytes(address + gcBits, 1)?.[0] ?? 0) & GC_BITS_TRACKED) !== 0;
        found.push({ address, prof, refcount, gc });
      }
    });
    for (const p of w.problems) problem(p);
    for (const f of found) {
      objects++;
      if (f.gc) tracked++;
      // One generation: every object the GC tracks is in gc.get_objects().
      emit(f.address, f.prof, f.refcount, SOURCE.mimalloc | (f.gc ? SOURCE.gc : 0), f.gc ? 0 : -1, null, 0, 0);
      if (objects % OBJECTS_PER_STEP === 0) yield where();
    }
    summary.usedBlocks = w.usedBlocks;
    summary.objectBlocks = objects;
    summary.mimalloc = { heaps: w.heaps, pages: w.pages, abandonedSegments: w.abandonedSegments, usedBlocks: w.usedBlocks, objects, tracked };
  }

  /** Walks every refchain list into a set of addresses (bounded), recording each walk in the summary; pauses like walkSteps. */
  private *walkRefchains(summary: HeapWalkSummary, problem: (p: string) => void, where: () => WalkProgress): Generator<WalkProgress, Set<number> | null, void> {
    const heads = refchainHeads(this.rt, this.target, this.interpreters);
    if (typeof heads === 'string') {
      summary.refchain = { unreadable: heads };
      problem(`refchain: ${heads}`);
      return null;
    }
    const onChain = new Set<number>();
    const lists: RefchainWalk[] = [];
    const limit = Math.min(this.limits.maxRefchain, 2 ** 24 - 1);
    for (const h of heads) {
      const listing = walkRefchainSteps(this.mem, this.rt.layout, h.address, limit - onChain.size, (p) => onChain.add(p));
      let r = listing.next();
      for (; !r.done; r = listing.next()) yield { ...where(), listed: onChain.size };
      const w = r.value;
      const interpreter = h.interp ? h.interp.id : null;
      lists.push({ interpreter, objects: w.count, ...(w.stopped ? { stopped: w.stopped } : {}) });
      if (w.stopped) problem(`refchain${interpreter !== null ? ` of interpreter ${interpreter}` : ''}: list ${w.stopped.reason} at 0x${w.stopped.at.toString(16)} after ${w.count} objects`);
    }
    summary.refchain = { lists, onChain: onChain.size, complete: lists.every((l) => !l.stopped), offChain: 0 };
    return onChain;
  }

  /** Closes the file the bulk reads use (the target stays open). */
  close(): void {
    this.bulk.close();
  }

  /** sys.getsizeof() of a visited object, or null when it cannot be computed. */
  sizeof(o: HeapObject): number | null {
    return o.size;
  }
}

function bitAt(bits: Uint8Array, slot: number): boolean {
  return (bits[slot >>> 3] & (1 << (slot & 7))) !== 0;
}

function generationAt(genBits: [(Uint8Array | undefined)[], (Uint8Array | undefined)[]], ai: number, slot: number): number {
  let g = 0;
  for (let b = 0; b < 2; b++) {
    const bits = genBits[b][ai];
    if (bits && bits[slot >>> 3] & (1 << (slot & 7))) g |= 1 << b;
  }
  return g;
}

/** Puts one found object into a walk's reused HeapObject (visitors see one object, no allocation per block). */
function loadObject(o: HeapObject, address: number, prof: TypeProfile, refcount: number, sources: number, generation: number, words: Uint32Array | null, at: number, avail: number, size: number | null): void {
  o.size = size;
  o.address = address;
  o.generation = generation;
  o.profile = prof;
  o.refcount = refcount;
  o.sources = sources;
  o.words = words;
  o.at = at;
  o.avail = avail;
}
