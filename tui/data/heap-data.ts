// The heap side of the TUI: opened on first use (a heap walk takes seconds on big cores), each
// answer computed once, after the screen has had a chance to show its spinner. Walks run in
// slices (./steps.ts): the screen shows how far they got, keys work meanwhile, and a screen
// closed before its walk ends stops it.
import { censusSteps } from '../../src/analysis/heap/census.js';
import { pathSteps, referrersSteps, type PathProgress } from '../../src/analysis/heap/references.js';
import { hex, mallocStatsViews, typeLabel, type HeapSession } from '../../src/analysis/heap/session.js';
import type { HeapReport, MallocStatsView, PathReport, RefsReport } from '../../src/analysis/heap/view-model.js';
import { runInSlices, type Watch, type WorkProgress } from './steps.js';

export type HeapOpener = () => HeapSession | { fatal: string };

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

/** Runs `f` on a later turn of the event loop, so a spinner renders before the work starts. */
function later<T>(f: () => T): Promise<T> {
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(f());
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    }),
  );
}

const parseAddress = (a: string) => Number.parseInt(a, 16);

/** A heap walk's pause, as the screens show it. */
export function walkProgress(p: { objects: number; arenas: number; arenasTotal: number }): WorkProgress {
  return { objects: p.objects, where: p.arenasTotal > 0 ? `arena ${Math.min(p.arenas + 1, p.arenasTotal)} of ${p.arenasTotal}` : 'GC lists' };
}

const pathProgress = (p: PathProgress): WorkProgress => ({ objects: p.objects, where: `depth ${p.level}` });

export class HeapData {
  private opened: HeapSession | { fatal: string } | null = null;
  /** Answers kept once computed (a walk stopped or failed is not kept). */
  private readonly kept = new Map<string, Promise<unknown>>();

  constructor(private readonly opener: HeapOpener) {}

  private session(): HeapSession {
    this.opened ??= this.opener();
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
    // largest: 1, not 0: census() (src/analysis/heap/census.ts TopN.floor) fails with 0.
    return this.keep('census', () => runInSlices(() => censusSteps(this.session(), { top: 0, largest: 1 }), walkProgress, watch));
  }

  mallocStats(): Promise<MallocStats> {
    return later(() => {
      const s = this.session();
      return { heaps: mallocStatsViews(s), note: s.heap.pymalloc.unreadable ?? null };
    });
  }

  /** Addresses of the instances of the type object at `typeAddress` (one walk per type, kept). */
  instances(typeAddress: string, watch: Watch = {}): Promise<number[]> {
    const wanted = parseAddress(typeAddress);
    const session = () => this.session();
    function* find() {
      const out: number[] = [];
      yield* session().heap.walkSteps((x) => {
        if (x.profile.type.address === wanted && out.length < MAX_INSTANCES) out.push(x.address);
      });
      return out;
    }
    return this.keep(`instances ${typeAddress}`, () => runInSlices(find, walkProgress, watch));
  }

  /** Type and repr of one object (raw: the screen escapes them). */
  describe(address: number): ObjectSummary {
    const s = this.session();
    return { type: s.objects.typeName(address), repr: s.objects.decoder.repr(address) };
  }

  referrers(address: string, watch: Watch = {}): Promise<RefsReport> {
    return runInSlices(() => referrersSteps(this.session(), [parseAddress(address)]), walkProgress, watch).then((r) => r[0]);
  }

  path(address: string, watch: Watch = {}): Promise<PathReport> {
    return runInSlices(() => pathSteps(this.session(), parseAddress(address)), pathProgress, watch);
  }
}

export { hex, typeLabel };
