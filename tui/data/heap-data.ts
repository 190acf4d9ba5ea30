// The heap side of the TUI: opened on first use (a heap walk takes seconds on big cores), each
// answer computed once, after the screen has had a chance to show its spinner. Walks run in
// slices (./steps.ts): the screen shows how far they got, keys work meanwhile, and a screen
// closed before its walk ends stops it.
import { censusSteps, leakHintsSteps, type CensusProgress, type LeakHints } from '../../src/analysis/heap/census.js';
import { pathSteps, referrersSteps, type PathProgress } from '../../src/analysis/heap/references.js';
import { dominatorSteps, type DominatorProgress, type DominatorTree } from '../../src/analysis/heap/dominators.js';
import { hex, mallocStatsViews, typeLabel, type HeapSession, type OpenStep } from '../../src/analysis/heap/session.js';
import type { HeapReport, MallocStatsView, PathReport, RefsReport } from '../../src/analysis/heap/view-model.js';
import { runInSlices, type Watch, type WorkProgress } from './steps.js';

/** Opens the heap step by step (openHeapSteps): the first use of the heap runs it in slices too. */
export type HeapOpener = () => Generator<OpenStep, HeapSession | { fatal: string }, void>;

/** Instances listed for one type at most (the census still counts them all). */
export const MAX_INSTANCES = 1_000_000;

export interface MallocStats {
  heaps: MallocStatsView[];
  note: string | null;
}

export interface ObjectSummary {
  type: string;
  repr: string;
}

const parseAddress = (a: string) => Number.parseInt(a, 16);

const openWhat: Record<OpenStep, string> = {
  runtime: 'opening the heap: finding the Python runtime',
  interpreters: 'opening the heap: reading the interpreters',
  objects: 'opening the heap: reading the type objects',
  heap: 'opening the heap: finding pymalloc and the GC lists',
};

/** A heap walk's pause (or the heap's opening, or the cycle search after a walk), as the screens show it. */
export function walkProgress(p: CensusProgress | OpenStep): WorkProgress {
  if (typeof p === 'string') return { objects: 0, where: openWhat[p] };
  if ('checked' in p) return { objects: p.checked, where: `looking for uncollected cycles among ${p.tracked.toLocaleString('en-US')} GC-tracked objects` };
  if (p.listed !== undefined) return { objects: p.listed, where: 'reading the GC generation lists' };
  return { objects: p.objects, where: p.arenasTotal > 0 ? `arena ${Math.min(p.arenas + 1, p.arenasTotal)} of ${p.arenasTotal}` : 'GC lists' };
}

const pathProgress = (p: PathProgress | OpenStep): WorkProgress => (typeof p === 'string' ? walkProgress(p) : { objects: p.objects, where: `depth ${p.level}` });

export class HeapData {
  private opened: HeapSession | { fatal: string } | null = null;
  /** Answers kept once computed (a walk stopped or failed is not kept). */
  private readonly kept = new Map<string, Promise<unknown>>();

  constructor(private readonly opener: HeapOpener) {}

  /** The session, opened in steps on first use (a failed opening is kept: it fails the same way again). */
  private *session(): Generator<OpenStep, HeapSession, void> {
    this.opened ??= yield* this.opener();
    if ('fatal' in this.opened) throw new Error(this.opened.fatal);
    return this.opened;
  }

  /** The session once a walk has opened it (describe() is only asked about objects a walk found). */
  private opened_(): HeapSession {
    if (this.opened === null) throw new Error('the heap is not open yet');
    if ('fatal' in this.opened) throw new Error(this.opened.fatal);
    return this.opened;
  }

  private keep<T>(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.kept.get(key) as Promise<T> | undefined;
    if (!p) {
      const made = make();
      made.catch(() => {
        if (this.kept.get(key) === made) this.kept.delete(key);
      });
      this.kept.set(key, (p = made));
    }
    return p;
  }

  /** Every type with its count and bytes (one walk, kept). */
  census(watch: Watch = {}): Promise<HeapReport> {
    const session = () => this.session();
    // largest: 1, not 0: census() (src/analysis/heap/census.ts TopN.floor) fails with 0.
    return this.keep('census', () => runInSlices(function* () { return yield* censusSteps(yield* session(), { top: 0, largest: 1 }); }, walkProgress, watch));
  }

  /** The census with the leak hints, the cycle search included (one walk, kept). */
  leaks(watch: Watch = {}): Promise<LeakHints> {
    const session = () => this.session();
    return this.keep('leaks', () => runInSlices(function* () { return yield* leakHintsSteps(yield* session()); }, walkProgress, watch));
  }

  mallocStats(watch: Watch = {}): Promise<MallocStats> {
    const session = () => this.session();
    return runInSlices(function* () {
      const s = yield* session();
      return { heaps: mallocStatsViews(s), note: s.heap.pymalloc.unreadable ?? null };
    }, walkProgress, watch);
  }

  /** Addresses of the instances of the type object at `typeAddress` (one walk per type, kept). */
  instances(typeAddress: string, watch: Watch = {}): Promise<number[]> {
    const wanted = parseAddress(typeAddress);
    const session = () => this.session();
    function* find() {
      const out: number[] = [];
      yield* (yield* session()).heap.walkSteps((x) => {
        if (x.profile.type.address === wanted && out.length < MAX_INSTANCES) out.push(x.address);
      });
      return out;
    }
    return this.keep(`instances ${typeAddress}`, () => runInSlices(find, walkProgress, watch));
  }

  /** The dominator tree with retained sizes (one walk, kept). */
  dominators(watch: Watch = {}): Promise<DominatorTree> {
    const session = () => this.session();
    const progress = (p: DominatorProgress | OpenStep): WorkProgress =>
      typeof p === 'string' ? walkProgress(p) : p.phase === 'walk' && p.objects !== undefined ? walkProgress(p as CensusProgress) : { objects: 0, where: p.phase === 'graph' ? 'numbering the objects and their references' : 'computing dominators and retained sizes' };
    return this.keep('dominators', () => runInSlices(function* () { return yield* dominatorSteps(yield* session()); }, progress, watch));
  }

  /** Type and repr of one object (raw: the screen escapes them). */
  describe(address: number): ObjectSummary {
    const s = this.opened_();
    return { type: s.objects.typeName(address), repr: s.objects.decoder.repr(address) };
  }

  referrers(address: string, watch: Watch = {}): Promise<RefsReport> {
    const session = () => this.session();
    return runInSlices(function* () { return yield* referrersSteps(yield* session(), [parseAddress(address)]); }, walkProgress, watch).then((r) => r[0]);
  }

  path(address: string, watch: Watch = {}): Promise<PathReport> {
    const session = () => this.session();
    return runInSlices(function* () { return yield* pathSteps(yield* session(), parseAddress(address)); }, pathProgress, watch);
  }
}

export { hex, typeLabel };
