// `pycore heap CORE`: which types fill the heap and how many bytes each holds (what
// objgraph.show_most_common_types() shows in a live process, with sys.getsizeof() bytes), the
// largest objects and containers, pymalloc's totals, the GC generations and leak hints. One
// walk over the heap; per object only a few numbers are added to per-type arrays.
import { runSteps, SOURCE, type HeapObject, type HeapWalkOptions, type HeapWalkSummary, type WalkProgress } from '../../cpython/heap.js';
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
  const { heap, rt } = s;
  const L = rt.layout;
  const count: number[] = [];
  const bytes: number[] = [];
  const tracked: number[] = [];
  const trackedBytes: number[] = [];
  let unsized = 0;
  const largest = new TopN(o.largest ?? 10);
  const containers = new TopN(o.largest ?? 10);
  const leakObjects = o.leaks ? new TrackedObjects() : null;
  const lengthOff = new Map([...CONTAINER_KINDS].map((k) => [k, containerLengthOffset(L, k)!]));
  const wanted = (p: TypeProfile) => !o.type || o.type === p.qualname || o.type === `${p.module}.${p.qualname}`;
  // Per type id: 1 wanted, 2 not (decided once per type).
  const want: number[] = [];
  const instanceLimit = o.instances ?? 100;
  const instances: InstancesView['listed'] = [];
  let instancesTotal = 0;

  const length = (x: HeapObject): number | null => {
    const off = x.profile.kind === null ? undefined : lengthOff.get(x.profile.kind);
    if (off === undefined) return null;
    return x.words && off + 8 <= x.avail ? i64w(x.words, x.at + (off >>> 2)) : heap.mem.i64(x.address + off);
  };

  const summary = yield* (o.walkSteps ?? ((visit, options) => heap.walkSteps(visit, options)))(
    (x) => {
      const id = x.profile.id;
      if (count[id] === undefined) {
        count[id] = 0;
        bytes[id] = 0;
        tracked[id] = 0;
        trackedBytes[id] = 0;
      }
      count[id]++;
      const size = x.size;
      if (size === null) unsized++;
      else bytes[id] += size;
      const inGens = x.generation >= 0 && x.generation < 3;
      if (inGens) {
        tracked[id]++;
        if (size !== null) trackedBytes[id] += size;
        leakObjects?.add(x.address, x.refcount, id);
      }
      if (o.type) {
        if ((want[id] ??= wanted(x.profile) ? 1 : 2) === 2) return;
        instancesTotal++;
        if (instances.length < instanceLimit) instances.push({ address: hex(x.address), size, estimated: !x.profile.exact, found_by: sourceNames(x.sources) });
      }
      if (size !== null && size > largest.floor()) largest.offer({ address: x.address, profile: x.profile, sources: x.sources, value: size, size, length: null });
      if (x.profile.kind !== null && CONTAINER_KINDS.has(x.profile.kind)) {
        const n = length(x);
        if (n !== null && n > containers.floor()) containers.offer({ address: x.address, profile: x.profile, sources: x.sources, value: n, size, length: n });
      }
    },
    { progress: o.progress },
  );

  const profiles = heap.types.all();
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
    u = yield* uncollectedSteps(heap, leakObjects, profiles);
    leaks.uncollected = {
      objects: u.objects,
      with_finalizers: u.withFinalizers,
      types: [...u.byType].filter(([id]) => wanted(profiles[id])).sort((a, b) => b[1] - a[1]).map(([id, n]) => ({ name: profiles[id].qualname, module: profiles[id].module, count: n, ...(profiles[id].finalizer ? { finalizer: true } : {}) })),
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
    largest: largest.items.map(describe),
    largest_containers: containers.items.map(describe),
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

