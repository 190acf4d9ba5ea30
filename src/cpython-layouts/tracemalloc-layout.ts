// tracemalloc's tables, per minor version: where its state lives and the layouts of the traces
// hashtable, its entries, trace_t, traceback_t and frame_t (Modules/_tracemalloc.c 3.6-3.11,
// Python/tracemalloc.c + struct _tracemalloc_runtime_state 3.12+). Verified with
// `gdb ptype /o` on the 3.6.15, 3.7.16, 3.8.18, 3.9.18, 3.10.13, 3.11.7, 3.12.1 and 3.13.0 builds, and against
// the allocation tracebacks CPython printed in the debugmalloc-trace corpus cores
// (test/tracemalloc.test.ts). The generated tables do not hold these structs.
import { minorKey, type PythonVersion } from './version.js';

/** Where `tracing` and the traces table are. */
export type TracemallocState =
  /** GLOBAL `_Py_tracemalloc_config` {initialized, tracing, max_nframe[, use_domain]} and the LOCAL static `tracemalloc_traces` (3.8-3.11). */
  | { kind: 'statics'; configSymbol: string; tracesSymbol: string }
  /** `_PyRuntime.tracemalloc` (struct _tracemalloc_runtime_state): config first, then `traces` at a fixed offset (3.12+). */
  | { kind: 'runtime'; runtimeOffset: number; tracesOffset: number };

/**
 * The traces hashtable.
 * 'inline-data' (3.8): {num_buckets, entries, buckets, key_size, data_size, ...}; an entry is
 *   {next, key_hash} followed by key_size key bytes and the trace_t itself.
 * 'pointers' (3.9+): {nentries, nbuckets, buckets, ...}; an entry is {next, key_hash, key, value},
 *   value pointing at a trace_t. The traces table holds domain 0 only (others are in `domains`).
 */
export interface HashtableLayout {
  kind: 'inline-data' | 'pointers';
  nbuckets: number;
  buckets: number;
  /** 3.8: offset of key_size (8 for a bare pointer; 12 once a non-default domain made keys {ptr, domain}). */
  keySize: number | null;
  entryNext: number;
  entryHash: number;
  entryKey: number;
  /** 'pointers': offset of the value pointer in an entry. */
  entryValue: number | null;
}

export interface TracemallocLayout {
  state: TracemallocState;
  /** Offset of `int tracing` in the config struct. */
  configTracing: number;
  /** Offset of `int max_nframe` (1..65535 once tracemalloc started): a check that the config is where the layout says. */
  configMaxNframe: number;
  /** 3.8: offset of `int use_domain` (keys carry a domain after the pointer). */
  configUseDomain: number | null;
  table: HashtableLayout;
  /** trace_t {size_t size; traceback_t *traceback}. */
  traceTraceback: number;
  /** traceback_t: nframe is an int (3.8) or a uint16_t followed by total_nframe (3.9+). */
  tracebackNframe: { offset: number; bytes: 2 | 4 };
  tracebackFrames: number;
  /** frame_t {PyObject *filename; unsigned int lineno} packed: 12 bytes. */
  frameSize: number;
  frameFilename: number;
  frameLineno: number;
}

const TB = { traceTraceback: 8, tracebackFrames: 12, frameSize: 12, frameFilename: 0, frameLineno: 8 };
const TABLE_39: HashtableLayout = { kind: 'pointers', nbuckets: 8, buckets: 16, keySize: null, entryNext: 0, entryHash: 8, entryKey: 16, entryValue: 24 };
const STATICS: TracemallocState = { kind: 'statics', configSymbol: '_Py_tracemalloc_config', tracesSymbol: 'tracemalloc_traces' };
const V39: TracemallocLayout = { ...TB, state: STATICS, configTracing: 4, configMaxNframe: 8, configUseDomain: null, table: TABLE_39, tracebackNframe: { offset: 8, bytes: 2 } };

const V38: TracemallocLayout = {
  ...TB,
  state: STATICS,
  configTracing: 4,
  configMaxNframe: 8,
  configUseDomain: 12,
  table: { kind: 'inline-data', nbuckets: 0, buckets: 16, keySize: 24, entryNext: 0, entryHash: 8, entryKey: 16, entryValue: null },
  tracebackNframe: { offset: 8, bytes: 4 },
};
// 3.6-3.7: 3.8's structs (gdb ptype /o on 3.6.15 and 3.7.16), the config a LOCAL static.
const V36: TracemallocLayout = { ...V38, state: { kind: 'statics', configSymbol: 'tracemalloc_config', tracesSymbol: 'tracemalloc_traces' } };

const byMinor: Record<string, TracemallocLayout> = {
  '3.6': V36,
  '3.7': V36,
  '3.8': V38,
  '3.9': V39,
  '3.10': V39,
  '3.11': V39,
  // offsetof(_PyRuntimeState, tracemalloc): 2768 (3.12.1), 10080 (3.13.0); traces at +184 in both.
  '3.12': { ...V39, state: { kind: 'runtime', runtimeOffset: 2768, tracesOffset: 184 } },
  '3.13': { ...V39, state: { kind: 'runtime', runtimeOffset: 10080, tracesOffset: 184 } },
};

export function tracemallocLayout(version: PythonVersion): TracemallocLayout | null {
  return byMinor[minorKey(version)] ?? null;
}
