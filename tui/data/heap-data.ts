// The heap side of the TUI: opened on first use (a heap walk takes seconds on big cores), each
// answer computed once, after the screen has had a chance to show its spinner.
import { census } from '../../src/analysis/heap/census.js';
import { path, referrers } from '../../src/analysis/heap/references.js';
import { hex, mallocStatsViews, typeLabel, type HeapSession } from '../../src/analysis/heap/session.js';
import type { HeapReport, MallocStatsView, PathReport, RefsReport } from '../../src/analysis/heap/view-model.js';

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

export class HeapData {
  private opened: HeapSession | { fatal: string } | null = null;
  private censusReport: Promise<HeapReport> | null = null;
  private readonly instanceLists = new Map<string, Promise<number[]>>();

  constructor(private readonly opener: HeapOpener) {}

  private session(): HeapSession {
    this.opened ??= this.opener();
    if ('fatal' in this.opened) throw new Error(this.opened.fatal);
    return this.opened;
  }

  /** Every type with its count and bytes (one walk, kept). */
  census(): Promise<HeapReport> {
    // largest: 1, not 0: census() (src/analysis/heap/census.ts TopN.floor) fails with 0.
    this.censusReport ??= later(() => census(this.session(), { top: 0, largest: 1 }));
    return this.censusReport;
  }

  mallocStats(): Promise<MallocStats> {
    return later(() => {
      const s = this.session();
      return { heaps: mallocStatsViews(s), note: s.heap.pymalloc.unreadable ?? null };
    });
  }

  /** Addresses of the instances of the type object at `typeAddress` (one walk per type, kept). */
  instances(typeAddress: string): Promise<number[]> {
    let p = this.instanceLists.get(typeAddress);
    if (!p) {
      const wanted = parseAddress(typeAddress);
      p = later(() => {
        const out: number[] = [];
        this.session().heap.walk((x) => {
          if (x.profile.type.address === wanted && out.length < MAX_INSTANCES) out.push(x.address);
        });
        return out;
      });
      this.instanceLists.set(typeAddress, p);
    }
    return p;
  }

  /** Type and repr of one object (raw: the screen escapes them). */
  describe(address: number): ObjectSummary {
    const s = this.session();
    return { type: s.objects.typeName(address), repr: s.objects.decoder.repr(address) };
  }

  referrers(address: string): Promise<RefsReport> {
    return later(() => referrers(this.session(), [parseAddress(address)])[0]);
  }

  path(address: string): Promise<PathReport> {
    return later(() => path(this.session(), parseAddress(address)));
  }
}

export { hex, typeLabel };
