// `pycore heap CORE`: which types fill the heap and how many bytes each holds (what
// objgraph.show_most_common_types() shows in a live process, with sys.getsizeof() bytes), the
// largest objects and containers, pymalloc's totals, the GC generations and leak hints. One
// walk over the heap; per object only a few numbers are added to per-type arrays.
import { runSteps, SOURCE, type ArenaScan, type GcBits, type HeapObject, type HeapWalkOptions, type HeapWalkSummary, type SplitWalk, type WalkProgress } from '../../cpython/heap.js';
import { i64w } from '../../cpython/heap-memory.js';
import { CONTAINER_KINDS, containerLengthOffset, REJECT_REASONS, type RejectReason, type TypeProfile } from '../../cpython/heap-objects.js';
import { field } from '../../cpython-layouts/layout.js';
import { listItems } from '../../cpython/objects/containers.js';
import { uncollectedSteps, TrackedObjects, type Uncollected, type UncollectedProgress } from './leaks.js';
import { hex, mallocStatsViews, typeLabel, type HeapSession } from './session.js';
import type { CensusTypeView, GenerationView, HeapReport, InstancesView, LeakHintsView, ObjectSizeView, PymallocView, RejectedView, TypeCountView } from './view-model.js';

export interface CensusOptions {
  sort?: 'bytes' | 'count';
  /** Types shown; 0 for all. */
  top?: number;
  /** Only the type with this name (`Leaky`) or qualified name (`__main__.Leaky`): every section is filtered, and its instances listed. */
  type?: string;
  /** With `type`: instances listed at most (default 100). */
  instances?: number;
  /** Largest objects and containers listed. */
  largest?: number;
  /** Compute what a collection would free (a second pass over the GC-tracked objects). */
  leaks?: boolean;
  /** Classes with at least this many instances are listed as leak hints. */
  threshold?: number;
  progress?: (done: number, total: number) => void;
  /** The heap walk to run (default Heap.walkSteps): `pycore report` passes the dominators' walk, so one walk serves both. */
  walkSteps?: (visit: (o: HeapObject) => void, options: HeapWalkOptions) => Generator<WalkProgress, HeapWalkSummary, void>;
}

interface Ranked {
  address: number;
  profile: TypeProfile;
  sources: number;
  value: number;
  size: number | null;
  length: number | null;
  /** Where a one-thread walk visits it (SplitWalk's major and minor): ties go to the first visited. */
  major: number;
  minor: number;
}

/** The `n` largest by `value`, kept sorted (largest first). */
class TopN {
  readonly items: Ranked[] = [];
  constructor(private readonly n: number) {}
  floor(): number {
    if (this.n === 0) return Infinity; // keeps nothing
    return this.items.length < this.n ? -Infinity : this.items[this.items.length - 1].value;
  }
  offer(r: Ranked): void {
    if (this.n === 0 || r.value <= this.floor()) return;
    let i = this.items.length;
    while (i > 0 && this.items[i - 1].value < r.value) i--;
    this.items.splice(i, 0, r);
    if (this.items.length > this.n) this.items.pop();
  }

  /** The `n` largest of several lists kept apart, as one TopN offered all of them in walk order would keep. */
  static merge(n: number, lists: Ranked[][]): Ranked[] {
    return lists
      .flat()
      .sort((a, b) => b.value - a.value || a.major - b.major || a.minor - b.minor)
      .slice(0, n);
  }
}

/**
 * What the census keeps of each visited object: per type (by profile id, in typed arrays) the
 * objects, bytes, GC-tracked objects and their bytes; the largest objects and containers; with
 * --type its instances; with --leaks the GC-tracked objects. Nothing per object otherwise.
 */
class CensusCounter {
  count = new Float64Array(256);
  bytes = new Float64Array(256);
  tracked = new Float64Array(256);
  trackedBytes = new Float64Array(256);
  unsized = 0;
  readonly largest: TopN;
  readonly containers: TopN;
  readonly leakObjects: TrackedObjects | null;
  readonly instances: InstancesView['listed'] = [];
  instancesTotal = 0;
  readonly instanceLimit: number;
  /** A split census: the largest objects and containers of every thread together (TopN.merge). */
  largestMerged: Ranked[] | null = null;
  containersMerged: Ranked[] | null = null;
  private readonly lengthOff: Map<string, number>;
  /** Per type id: 1 wanted, 2 not (decided once per type). */
  private readonly want: number[] = [];

  constructor(
    private readonly s: HeapSession,
    private readonly o: CensusOptions,
  ) {
    this.largest = new TopN(o.largest ?? 10);
    this.containers = new TopN(o.largest ?? 10);
    this.leakObjects = o.leaks ? new TrackedObjects() : null;
    this.lengthOff = new Map([...CONTAINER_KINDS].map((k) => [k, containerLengthOffset(s.rt.layout, k)!]));
    this.instanceLimit = o.instances ?? 100;
  }

  wanted(p: TypeProfile): boolean {
    return !this.o.type || this.o.type === p.qualname || this.o.type === `${p.module}.${p.qualname}`;
  }

  private length(x: HeapObject): number | null {
    const off = x.profile.kind === null ? undefined : this.lengthOff.get(x.profile.kind);
    if (off === undefined) return null;
    return x.words && off + 8 <= x.avail ? i64w(x.words, x.at + (off >>> 2)) : this.s.heap.mem.i64(x.address + off);
  }

  /** Room for type ids up to `id`. */
  grow(id: number): void {
    if (id < this.count.length) return;
    const n = Math.max(id + 1, this.count.length * 2);
    for (const k of ['count', 'bytes', 'tracked', 'trackedBytes'] as const) {
      const a = new Float64Array(n);
      a.set(this[k]);
      this[k] = a;
    }
  }

  /** One visited object; `major`/`minor`: where a one-thread walk visits it (see SplitWalk). */
  visit(x: HeapObject, major: number, minor: number): void {
    const id = x.profile.id;
    if (id >= this.count.length) this.grow(id);
    this.count[id]++;
    const size = x.size;
    if (size === null) this.unsized++;
    else this.bytes[id] += size;
    if (x.generation >= 0 && x.generation < 3) {
      this.tracked[id]++;
      if (size !== null) this.trackedBytes[id] += size;
      this.leakObjects?.add(x.address, x.refcount, id);
    }
    if (this.o.type) {
      if ((this.want[id] ??= this.wanted(x.profile) ? 1 : 2) === 2) return;
      this.instancesTotal++;
      if (this.instances.length < this.instanceLimit) this.instances.push({ address: hex(x.address), size, estimated: !x.profile.exact, found_by: sourceNames(x.sources) });
    }
    if (size !== null && size > this.largest.floor()) this.largest.offer({ address: x.address, profile: x.profile, sources: x.sources, value: size, size, length: null, major, minor });
    if (x.profile.kind !== null && CONTAINER_KINDS.has(x.profile.kind)) {
      const n = this.length(x);
      if (n !== null && n > this.containers.floor()) this.containers.offer({ address: x.address, profile: x.profile, sources: x.sources, value: n, size, length: n, major, minor });
    }
  }
}


export function census(s: HeapSession, o: CensusOptions = {}): HeapReport {
  return runSteps(censusSteps(s, o));
}

/** Where a census run step by step stands: in the heap walk, or (--leaks) in the cycle search after it. */
export type CensusProgress = WalkProgress | UncollectedProgress;

/** census() that pauses during its walk (see Heap.walkSteps). */
export function* censusSteps(s: HeapSession, o: CensusOptions = {}): Generator<CensusProgress, HeapReport, void> {
  return (yield* censusWalk(s, o)).report;
}

/** The census with the leak hints (--leaks) and the objects behind them, for a view that opens them. */
export interface LeakHints {
  report: HeapReport;
  /** Objects of uncollected cycles whose type has a finalizer (the first MAX_FINALIZER_OBJECTS). */
  finalizerObjects: number[];
  /** What gc.garbage holds, in order (every interpreter's). */
  garbageObjects: number[];
}

export function leakHintsSteps(s: HeapSession, threshold?: number): Generator<CensusProgress, LeakHints, void> {
  return censusWalk(s, { top: 0, largest: 1, leaks: true, threshold });
}

function* censusWalk(s: HeapSession, o: CensusOptions): Generator<CensusProgress, LeakHints, void> {
  const c = new CensusCounter(s, o);
  const walk = o.walkSteps ?? ((visit, options) => s.heap.walkSteps(visit, options));
  const summary = yield* walk((x) => c.visit(x, 0, 0), { progress: o.progress });
  return yield* censusReport(s, o, c, s.heap.types.all(), summary);
}

/** The report from what the walk counted; `profiles`: every type met, in the order the walk met them. */
function* censusReport(s: HeapSession, o: CensusOptions, c: CensusCounter, profiles: TypeProfile[], summary: HeapWalkSummary): Generator<CensusProgress, LeakHints, void> {
  const { heap } = s;
  const { count, bytes, tracked, trackedBytes, unsized, largest, containers, leakObjects, instances, instancesTotal, instanceLimit } = c;
  const wanted = (p: TypeProfile) => c.wanted(p);
  const rows: CensusTypeView[] = [];
  let objectsTotal = 0;
  let bytesTotal = 0;
  let bytesEstimated = 0;
  for (const p of profiles) {
    if (!count[p.id] || !wanted(p)) continue;
    objectsTotal += count[p.id];
    // An estimate is no measurement: it stays out of bytes_total.
    if (p.exact) bytesTotal += bytes[p.id];
    else bytesEstimated += bytes[p.id];
    rows.push({ name: p.qualname, module: p.module, count: count[p.id], bytes: bytes[p.id], gc_tracked: tracked[p.id], gc_tracked_bytes: trackedBytes[p.id], estimated: !p.exact, type_address: hex(p.type.address) });
  }
  const sort = o.sort ?? 'bytes';
  rows.sort((a, b) => (sort === 'count' ? b.count - a.count || b.bytes - a.bytes : b.bytes - a.bytes || b.count - a.count) || a.name.localeCompare(b.name));
  const top = o.top ?? 25;

  const d = s.objects.decoder;
  const describe = (r: Ranked): ObjectSizeView => {
    const text = d.repr(r.address);
    return {
      address: hex(r.address),
      type: typeLabel(r.profile.module, r.profile.qualname),
      size: r.size,
      estimated: !r.profile.exact,
      length: r.length ?? (r.profile.kind !== null && CONTAINER_KINDS.has(r.profile.kind) ? lengthOf(s, r.address, r.profile) : null),
      repr: text.length > 120 ? `${text.slice(0, 117)}...` : text,
      found_by: sourceNames(r.sources),
    };
  };

  const generations: GenerationView[] = summary.generations.map((g) => ({
    interpreter: g.interpreter,
    generation: g.generation === 3 ? 'permanent' : g.generation,
    objects: g.objects,
    count: g.count,
    threshold: g.threshold,
    ...(g.stopped ? { unreadable: `list ${g.stopped.reason} at ${hex(g.stopped.at)}` } : {}),
  }));

  const warnings = [...s.warnings, ...summary.problems];
  if (unsized > 0) warnings.push(`${unsized} objects could not be sized (part of them unreadable); they count 0 bytes`);
  const rejected = rejectedView(summary);
  if (rejected.total > 0)
    warnings.push(`${rejected.total} candidates looked like objects but are not (${rejected.reasons.map((r) => `${r.reason}: ${r.count}`).join('; ')}); left out of every count`);
  if (bytesEstimated > 0) warnings.push(`${bytesEstimated} more bytes are estimates (types with a __sizeof__ pycore does not reproduce), not in bytes_total`);
  const stats = mallocStatsViews(s);
  const pymalloc: PymallocView | null = stats.length
    ? {
        heaps: stats,
        arenas: stats.reduce((a, h) => a + h.narenas, 0),
        used_blocks: summary.usedBlocks,
        blocks_with_objects: summary.objectBlocks,
        allocated_blocks: stats.every((h) => h.allocated_blocks !== null) ? stats.reduce((a, h) => a + h.allocated_blocks!, 0) : null,
      }
    : null;

  const threshold = o.threshold ?? 10_000;
  const garbage = gcGarbage(s);
  if (o.type && garbage.view) {
    const types = garbage.view.types.filter((t) => o.type === t.name || o.type === `${t.module}.${t.name}`);
    garbage.view = { count: types.reduce((a, t) => a + t.count, 0), types };
  }
  const leaks: LeakHintsView = {
    generations,
    gc_enabled: heap.gcStates.map((st) => st.enabled),
    gc_garbage: garbage.view,
    threshold,
    classes_over_threshold: profiles
      .filter((p) => p.type.heap && (count[p.id] ?? 0) >= threshold && wanted(p))
      .sort((a, b) => count[b.id] - count[a.id])
      .map((p) => ({ name: p.qualname, module: p.module, count: count[p.id], ...(p.finalizer ? { finalizer: true } : {}) })),
    uncollected: null,
  };
  let u: Uncollected | null = null;
  if (leakObjects) {
    // By profile id (`profiles` may be in another order).
    const byId = heap.types.all();
    u = yield* uncollectedSteps(heap, leakObjects, byId);
    leaks.uncollected = {
      objects: u.objects,
      with_finalizers: u.withFinalizers,
      types: [...u.byType].filter(([id]) => wanted(byId[id])).sort((a, b) => b[1] - a[1]).map(([id, n]) => ({ name: byId[id].qualname, module: byId[id].module, count: n, ...(byId[id].finalizer ? { finalizer: true } : {}) })),
    };
  }

  const report: HeapReport = {
    core: s.target.corePath,
    python: s.version,
    pid: s.target.notes.process?.pid ?? null,
    types: rows,
    types_total: rows.length,
    top,
    objects_total: objectsTotal,
    bytes_total: bytesTotal,
    bytes_estimated: bytesEstimated,
    sort,
    sources: {
      gc: summary.bySource.gc,
      gc_and_pymalloc: summary.bySource.gcAndPymalloc,
      pymalloc: summary.bySource.pymalloc,
      reachable: summary.bySource.reachable,
      ...(summary.mimalloc === null ? {} : { mimalloc: { objects: summary.mimalloc.objects, gc_tracked: summary.mimalloc.tracked, used_blocks: summary.mimalloc.usedBlocks, pages: summary.mimalloc.pages, thread_heaps: summary.mimalloc.heaps, abandoned_segments: summary.mimalloc.abandonedSegments } }),
      ...(summary.refchain === null
        ? {}
        : 'unreadable' in summary.refchain
          ? { refchain: { unreadable: summary.refchain.unreadable } }
          : { refchain: { objects: summary.refchain.onChain, only: summary.bySource.refchainOnly, off_chain: summary.refchain.offChain, complete: summary.refchain.complete } }),
    },
    largest: (c.largestMerged ?? largest.items).map(describe),
    largest_containers: (c.containersMerged ?? containers.items).map(describe),
    ...(o.type ? { instances: { type: o.type, listed: instances, total: instancesTotal, limit: instanceLimit } } : {}),
    rejected,
    generations,
    pymalloc,
    leaks,
    warnings,
  };
  return { report, finalizerObjects: u?.finalizerObjects ?? [], garbageObjects: garbage.objects };
}

/** The walk's rejected candidates, by reason (most first). */
function rejectedView(summary: HeapWalkSummary): RejectedView {
  const reasons = (Object.entries(summary.rejected) as [RejectReason, NonNullable<HeapWalkSummary['rejected'][RejectReason]>][])
    .map(([code, r]) => ({ code, reason: REJECT_REASONS[code], count: r.count, by_source: r.bySource, examples: r.examples.map(hex) }))
    .sort((a, b) => b.count - a.count);
  return { total: reasons.reduce((a, r) => a + r.count, 0), reasons };
}

function sourceNames(sources: number): string {
  if (sources & SOURCE.reachable) return sources & SOURCE.refchain ? 'reachable+refchain' : 'reachable';
  return [sources & SOURCE.gc ? 'gc' : '', sources & SOURCE.pymalloc ? 'pymalloc' : '', sources & SOURCE.mimalloc ? 'mimalloc' : '', sources & SOURCE.refchain ? 'refchain' : ''].filter(Boolean).join('+');
}

function lengthOf(s: HeapSession, address: number, p: TypeProfile): number | null {
  const off = containerLengthOffset(s.rt.layout, p.kind);
  return off === null ? null : s.heap.mem.i64(address + off);
}

/** gc.garbage of every interpreter: its length and the types of what it holds (and the objects). */
function gcGarbage(s: HeapSession): { view: LeakHintsView['gc_garbage']; objects: number[] } {
  const d = s.objects.decoder;
  const objects: number[] = [];
  let total = 0;
  const byType = new Map<string, TypeCountView>();
  let any = false;
  for (const st of s.heap.gcStates) {
    if (!st.garbage) continue;
    const v = d.validate(st.garbage);
    if (!v.ok || v.type.kind !== 'list') continue;
    const items = listItems(d.r, d.L, st.garbage, 100_000);
    if (typeof items === 'string') continue;
    any = true;
    total += items.total;
    for (const a of items.items) {
      objects.push(a);
      const iv = d.validate(a);
      const names = iv.ok ? d.typeNames(iv.type) : { module: '?', qualname: '<invalid>' };
      const key = `${names.module}.${names.qualname}`;
      const e = byType.get(key) ?? { name: names.qualname, module: names.module, count: 0 };
      e.count++;
      byType.set(key, e);
    }
  }
  return { view: any ? { count: total, types: [...byType.values()].sort((a, b) => b.count - a.count) } : null, objects };
}


/** One of the largest objects or containers a worker kept, its type by address (plain data). */
interface RankedPart extends Omit<Ranked, 'profile'> {
  type: number;
}

/** What a worker thread's share of a split census counted (plain data, for postMessage). */
export interface CensusPart {
  /** Per type it counted: the type's address, objects, bytes, GC-tracked objects and their bytes (5 numbers each). */
  types: Float64Array;
  unsized: number;
  largest: RankedPart[];
  containers: RankedPart[];
}

/** A worker thread's share of a split census: scans arena ranges (in address order), then tells what it counted. */
export function censusScanner(s: HeapSession, o: CensusOptions): { scan: (first: number, end: number, gc: GcBits) => ArenaScan; part: () => CensusPart } {
  const c = new CensusCounter(s, o);
  const scan = s.heap.arenaScanner((x) => c.visit(x, x.address, 0));
  const plain = (r: Ranked): RankedPart => ({ address: r.address, type: r.profile.type.address, sources: r.sources, value: r.value, size: r.size, length: r.length, major: r.major, minor: r.minor });
  return {
    scan,
    part: () => {
      const types: number[] = [];
      for (const p of s.heap.types.all()) if (c.count[p.id]) types.push(p.type.address, c.count[p.id], c.bytes[p.id], c.tracked[p.id], c.trackedBytes[p.id]);
      return { types: Float64Array.from(types), unsized: c.unsized, largest: c.largest.items.map(plain), containers: c.containers.items.map(plain) };
    },
  };
}

/** Scans every arena elsewhere (worker threads running censusScanner): the scans in arena order, and each thread's part. */
export type ScanArenas = (gc: GcBits) => Promise<{ scans: ArenaScan[]; parts: CensusPart[] }>;

/** Whether censusSplit can count this heap with these options (a pymalloc heap; not --type, --leaks). */
export function censusSplittable(s: HeapSession, o: CensusOptions): boolean {
  // A walk given by the caller (report's shared walk with the dominators) is that walk, on one thread.
  return s.heap.splittable && !o.type && !o.leaks && !o.walkSteps;
}

/**
 * census() with the pool scan done by `scanArenas` on other threads, merged here: the same
 * report, byte for byte (what depends on the order of the walk, such as which of equally large
 * objects are listed or the order of types that tie, is put in the order one thread would meet it).
 * Types the session knew before keep their order (first); a session's first census (the CLI's)
 * therefore ties types exactly as census() does, while a later census() on the same session
 * orders the types this one profiled by when the main thread learnt of them.
 */
export async function censusSplit(s: HeapSession, o: CensusOptions, scanArenas: ScanArenas): Promise<HeapReport> {
  if (!censusSplittable(s, o)) throw new Error('censusSplit: not a splittable census (see censusSplittable)');
  const { heap } = s;
  const c = new CensusCounter(s, o);
  const split: SplitWalk = { scans: null, major: -2, minor: 0 };
  // Where each type was met first, as (major, minor) of SplitWalk: the order of the rows that tie.
  const met = new Map<number, [number, number]>();
  for (const p of heap.types.all()) met.set(p.type.address, [-2, p.id]);
  heap.types.onNew = (p) => met.set(p.type.address, [split.major, split.minor]);
  let parts: CensusPart[] = [];
  let summary: HeapWalkSummary;
  try {
    const walk = heap.walkSteps((x) => c.visit(x, split.major, split.minor), { progress: o.progress, split });
    for (;;) {
      const r = walk.next();
      if (r.done) {
        summary = r.value;
        break;
      }
      if (r.value.split) {
        const got = await scanArenas(r.value.split);
        split.scans = got.scans;
        parts = got.parts;
      }
    }
  } finally {
    heap.types.onNew = null;
  }
  for (const sc of split.scans ?? []) {
    for (let i = 0; i < sc.types.length; i += 2) {
      const had = met.get(sc.types[i]);
      if (!had || had[0] > sc.types[i + 1] || (had[0] === sc.types[i + 1] && had[1] > 0)) met.set(sc.types[i], [sc.types[i + 1], 0]);
    }
  }
  const profileOf = (address: number): TypeProfile => {
    const p = heap.types.profile(address);
    if (!p) throw new Error(`censusSplit: type 0x${address.toString(16)} was profiled on a worker thread but not here`);
    return p;
  };
  for (const part of parts) {
    for (let i = 0; i < part.types.length; i += 5) {
      const id = profileOf(part.types[i]).id;
      c.grow(id);
      c.count[id] += part.types[i + 1];
      c.bytes[id] += part.types[i + 2];
      c.tracked[id] += part.types[i + 3];
      c.trackedBytes[id] += part.types[i + 4];
    }
    c.unsized += part.unsized;
  }
  const ranked = (r: RankedPart): Ranked => ({ address: r.address, profile: profileOf(r.type), sources: r.sources, value: r.value, size: r.size, length: r.length, major: r.major, minor: r.minor });
  c.largestMerged = TopN.merge(o.largest ?? 10, [c.largest.items, ...parts.map((p) => p.largest.map(ranked))]);
  c.containersMerged = TopN.merge(o.largest ?? 10, [c.containers.items, ...parts.map((p) => p.containers.map(ranked))]);
  const key = (p: TypeProfile) => met.get(p.type.address) ?? [Infinity, p.id];
  const profiles = heap.types.all().sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0] - y[0] || x[1] - y[1];
  });
  return runSteps(censusReport(s, o, c, profiles, summary!)).report;
}
