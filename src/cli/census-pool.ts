// The pool scan of `pycore heap`'s census on threads: worker threads (src/cli/census-worker.ts)
// open the core themselves (while the main thread reads the GC lists), then they and the main
// thread take ranges of arenas from one queue in address order; the main thread merges
// (analysis/heap/census.ts censusSplit). A worker that fails ends them all, and the census says
// why in one line.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CensusOptions, CensusPart, censusScanner, ScanArenas } from '../analysis/heap/census.js';
import type { ArenaScan, GcBits } from '../cpython/heap.js';
import type { CensusJob } from './census-worker.js';
import type { CoreOptions } from './open-core.js';

const WORKER_URL = new URL('./census-worker.js', import.meta.url);
/** Below this many arenas (1 MiB or 256 KiB each) starting threads costs more than it saves. */
const MIN_ARENAS = 64;
/** Ranges per worker: small enough to even out arenas of unequal density, large enough to keep messages few. */
const RANGES_PER_WORKER = 8;

/**
 * Threads that scan the pools of a census of `arenas` arenas, the main thread included:
 * PYCORE_HEAP_THREADS when set (0 or 1: the main thread alone), else one per core for a heap big
 * enough to gain from them.
 */
export function censusThreads(arenas: number): number {
  const env = process.env.PYCORE_HEAP_THREADS;
  if (env !== undefined && /^\d+$/.test(env)) return Math.min(Number(env), 64);
  return arenas >= MIN_ARENAS ? availableParallelism() : 1;
}

type Message = { kind: 'ready' } | { kind: 'scan'; scan: ArenaScan } | { kind: 'part'; part: CensusPart } | { kind: 'error'; message: string };

export class CensusPool {
  private readonly workers: Worker[] = [];
  private failure: ((e: Error) => void) | null = null;
  private failed: Error | null = null;
  /** Messages that came before scan() was called (a worker that opened the core early), and their handler once it is. */
  private readonly early: [Worker, Message][] = [];
  private handler: ((w: Worker, m: Message) => void) | null = null;

  /** `workers` threads besides the main one. */
  constructor(core: string, options: CoreOptions, census: Pick<CensusOptions, 'largest'>, workers: number) {
    for (let i = 0; i < workers; i++) {
      const w = new Worker(WORKER_URL);
      w.on('error', (e) => this.fail(new Error(`a census worker failed: ${e.message}`)));
      w.on('exit', (code) => this.fail(new Error(`a census worker exited (code ${code})`)));
      w.on('message', (m: Message) => (this.handler ? this.handler(w, m) : this.early.push([w, m])));
      w.postMessage({ kind: 'open', core, options, census } satisfies CensusJob);
      this.workers.push(w);
    }
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = e;
    this.failure?.(e);
  }

  /**
   * Scans every arena on the workers and, between their messages, on this thread with `local`
   * (censusScanner of the main session) (ScanArenas); `progress` with arenas done and in all.
   */
  scan(local: ReturnType<typeof censusScanner>, progress?: (done: number, total: number) => void): ScanArenas {
    return (gc: GcBits) =>
      new Promise((resolve, reject) => {
        if (this.failed) return reject(this.failed);
        this.failure = reject;
        const total = gc.bitmaps.length;
        const step = Math.max(1, Math.ceil(total / (this.workers.length * RANGES_PER_WORKER)));
        const ranges: [number, number][] = [];
        for (let first = 0; first < total; first += step) ranges.push([first, Math.min(total, first + step)]);
        const scans: ArenaScan[] = new Array(ranges.length);
        const parts: CensusPart[] = [];
        let next = 0;
        let done = 0;
        const finished = (part: CensusPart) => {
          parts.push(part);
          if (parts.length === this.workers.length + 1) resolve({ scans, parts });
        };
        const scanned = (scan: ArenaScan) => {
          scans[Math.floor(scan.first / step)] = scan;
          done += scan.end - scan.first;
          progress?.(done, total);
        };
        // This thread's share: a range at a time, letting the workers' messages in between.
        const mine = () => {
          if (this.failed) return;
          if (next >= ranges.length) return finished(local.part());
          const [first, end] = ranges[next++];
          try {
            scanned(local.scan(first, end, gc));
          } catch (e) {
            return this.fail(e as Error);
          }
          setImmediate(mine);
        };
        setImmediate(mine);
        const give = (w: Worker) => {
          if (next >= ranges.length) return w.postMessage({ kind: 'part' } satisfies CensusJob);
          const [first, end] = ranges[next++];
          // What the GC lists marked in these arenas only (the worker clears what it finds and sends them back).
          const sub: GcBits = { bitmaps: new Array(total), genBits: [new Array(total), new Array(total)] };
          for (let ai = first; ai < end; ai++) {
            sub.bitmaps[ai] = gc.bitmaps[ai];
            sub.genBits[0][ai] = gc.genBits[0][ai];
            sub.genBits[1][ai] = gc.genBits[1][ai];
          }
          w.postMessage({ kind: 'scan', first, end, gc: sub } satisfies CensusJob);
        };
        this.handler = (w, m) => {
          if (this.failed) return;
          switch (m.kind) {
            case 'ready':
              return give(w);
            case 'scan':
              scanned(m.scan);
              return give(w);
            case 'part':
              return finished(m.part);
            case 'error':
              return this.fail(new Error(`a census worker failed: ${m.message}`));
          }
        };
        for (const [w, m] of this.early.splice(0)) this.handler(w, m);
      });
  }

  /** Ends every worker (their results are in, or the census failed). */
  async close(): Promise<void> {
    this.failed ??= new Error('closed');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
