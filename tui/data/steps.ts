// Step-by-step work (a heap walk, a path search: generators that pause every few thousand
// objects) run a slice of time at a time, each slice on its own turn of the event loop, so the
// terminal keeps reading keys and redrawing while the work runs; stopped between two slices
// when its signal aborts.

/** How far long work got: objects visited, and where it is (`arena 3 of 10`). */
export interface WorkProgress {
  objects: number;
  where: string;
}

export interface Watch {
  onProgress?: (p: WorkProgress) => void;
  signal?: AbortSignal;
}

/** The error a stopped run rejects with. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

/** Time a slice runs before the event loop gets a turn. */
export const SLICE_MS = 25;

/**
 * Runs `start()`'s steps from a later turn of the event loop (so a spinner renders first) to
 * their end, `sliceMs` at a time, telling `watch` how far they got after each slice.
 */
export function runInSlices<P, T>(start: () => Generator<P, T, void>, describe: (p: P) => WorkProgress, watch: Watch = {}, sliceMs = SLICE_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let steps: Generator<P, T, void> | null = null;
    const fail = (e: unknown) => reject(e instanceof Error ? e : new Error(String(e)));
    const slice = () => {
      try {
        if (watch.signal?.aborted) {
          steps?.return(undefined as T);
          reject(new Cancelled());
          return;
        }
        steps ??= start();
        const until = Date.now() + sliceMs;
        let last: P | null = null;
        for (;;) {
          const r = steps.next();
          if (r.done) {
            resolve(r.value);
            return;
          }
          last = r.value;
          if (Date.now() >= until) break;
        }
        watch.onProgress?.(describe(last));
        setImmediate(slice);
      } catch (e) {
        fail(e);
      }
    };
    setImmediate(slice);
  });
}
