// One limits object bounds every walk over core data: a corrupt core can make any list loop or
// any size absurd, and these caps are what keeps pycore from hanging or exhausting memory.
export interface Limits {
  maxInterpreters: number;
  maxThreads: number;
  /** Frames walked per thread (faulthandler prints 100; we walk further for JSON and --all). */
  maxFrames: number;
  /** Frames walked over all threads together: a corrupt core can make many long chains. */
  maxTotalFrames: number;
  /** Characters decoded from one str object for names and file names. */
  maxNameLength: number;
  /** Bytes of one line table / lnotab. */
  maxLineTableBytes: number;
  /** Entries followed along one hash-table bucket chain (tracemalloc's traces). */
  maxHashChain: number;
  /** Frames read from one tracemalloc traceback (CPython caps nframe at 65535). */
  maxTracebackFrames: number;
}

export const defaultLimits: Limits = {
  maxInterpreters: 256,
  maxThreads: 100_000,
  maxFrames: 100_000,
  maxTotalFrames: 1_000_000,
  maxNameLength: 4096,
  maxLineTableBytes: 4 * 1024 * 1024,
  maxHashChain: 10_000,
  maxTracebackFrames: 65_535,
};
