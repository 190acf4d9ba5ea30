// Findings: what pycore concluded about one part of a crash report, with what to do next. The
// log explainer (src/analysis/log) makes them from text today; the core checks of the debug
// allocator and the heap walk will make the same shapes from a core (issue 6 items 1-3, 5), and
// `explain LOG --core CORE` will fill the optional `object`/`neighbor`/`referrers` slots of a
// memory error from the core. Strings here are raw (as in the log); reports escape them.

export type FindingKind =
  | 'fatal-signal'
  | 'fatal-error'
  | 'startup-failure'
  | 'stack-overflow'
  | 'gil-not-held'
  | 'bad-api-id'
  | 'trailing-pad'
  | 'leading-pad'
  | 'use-after-free'
  | 'negative-refcount'
  | 'deallocating-none'
  | 'gc-assertion'
  | 'heap-corruption'
  | 'assertion-failed'
  | 'object-dump'
  | 'thread-dump'
  | 'timeout'
  | 'runtime-state'
  | 'extension-modules'
  | 'path-configuration'
  | 'python-exception'
  | 'recursion-error'
  | 'memory-error'
  | 'resource-warning'
  | 'native-crash'
  | 'findings-capped';

export interface Finding {
  kind: FindingKind;
  /** What happened, in one or two sentences with the specifics from the report. */
  summary: string;
  /** 1-based, inclusive line range of the report this finding covers. */
  lines: [number, number];
  /** What was read from the report (per kind; see README), plus `likely_causes`. */
  details: Record<string, unknown>;
  next_steps: string[];
}

/** A Python frame as faulthandler, a traceback or tracemalloc printed it. */
export interface FrameRef {
  file: string;
  /** null when the report printed `???` or no line. */
  line: number | null;
  /** null when the report names no function (tracemalloc frames). */
  function: string | null;
  /** The source line a traceback printed under the frame, when there was one. */
  source?: string;
}

export interface ThreadRef {
  /** pthread id as printed (`0x%016lx`), or null for `Stack (most recent call first):`. */
  thread_id: string | null;
  /** Printed as `Current thread` (or the only stack of a `Stack` dump). */
  current: boolean;
  /** faulthandler's `  Garbage-collecting` line (3.10+): the GC was running in this thread. */
  garbage_collecting: boolean;
  frames: FrameRef[];
  /** faulthandler cut the stack (`  ...`, or exactly 100 frames on 3.13 which prints no marker). */
  truncated: boolean;
  /** Frames the report had beyond pycore's own cap (not shown). */
  frames_omitted?: number;
  /** `<no Python frame>` */
  no_python_frame: boolean;
}

/** One byte that differs from the debug allocator's FORBIDDENBYTE, as `at p-1: 0x78 *** OUCH`. */
export interface BadPad {
  /** Relative to `p` (leading pads, negative) or to `tail` (trailing pads, 0..7). */
  base: 'p' | 'tail';
  offset: number;
  value: string;
}

/**
 * A debug-allocator block (PYTHONMALLOC=debug) as `_PyObject_DebugDumpAddress` printed it; the
 * same shape the core check will produce. `object`, `neighbor` and `referrers` come from a core
 * only (issue 6: `--core`); the log explainer leaves them out.
 */
export interface MemoryBlockDetails {
  address: string | null;
  api: string | null;
  requested: number | null;
  leading_pads_ok: boolean | null;
  trailing_pads_ok: boolean | null;
  tail: string | null;
  bad_pads: BadPad[];
  data: string | null;
  allocated_at: FrameRef[] | null;
  object?: unknown;
  neighbor?: unknown;
  referrers?: unknown;
}

/** `_PyObject_Dump` output. refcount is the decimal text as printed (it can exceed 2^53). */
export interface ObjectDumpDetails {
  address: string | null;
  refcount: string | null;
  type_address: string | null;
  type_name: string | null;
  repr: string | null;
  /** `<object at 0x... is freed>`: CPython saw the debug allocator's dead-byte pattern. */
  freed: boolean;
  /** What the refcount's bytes look like: freed memory, never-initialized memory, negative. */
  refcount_pattern: 'dead-bytes' | 'clean-bytes' | 'forbidden-bytes' | 'negative' | null;
}
