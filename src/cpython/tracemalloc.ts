// tracemalloc's record of where a memory block was allocated, read from its tables in the core:
// is tracemalloc tracing, and the traceback of the trace whose key is a given pointer (what
// _PyMem_DumpTraceback prints after a damaged debug block, and tracemalloc.get_object_traceback
// returns). One bucket chain and one traceback are read, both bounded by the limits.
import type { Layout } from '../cpython-layouts/layout.js';
import type { TracemallocLayout } from '../cpython-layouts/tracemalloc-layout.js';
import type { Limits } from './limits.js';
import type { Reader } from './reader.js';
import { isFailure, readUnicode } from './strings.js';

/** Where tracemalloc's state is in this process, resolved by the caller (symbols, _PyRuntime). */
export interface TracemallocRoots {
  /** Address of the config struct (its `tracing` member is at T.configTracing). */
  config: number;
  /** Address of the variable holding the traces table pointer; null when only the config was found (a stripped libpython exports the config but not the static table). */
  tracesVar: number | null;
}

export interface TracebackFrame {
  /** co_filename as tracemalloc interned it; null when the str is unreadable. */
  filename: string | null;
  lineno: number;
}

export type TraceLookup =
  /** tracemalloc was not tracing: CPython prints "Enable tracemalloc to get the memory block allocation traceback". */
  | { kind: 'not-tracing' }
  /** Tracing, but no trace has this pointer as key (allocated before tracing started, or by an untraced allocator): CPython prints nothing. */
  | { kind: 'untraced' }
  | { kind: 'traced'; size: number; frames: TracebackFrame[]; totalFrames: number; unreadable?: string }
  | { kind: 'unreadable'; reason: string };

/** Where `traces` and `tracing` are: LOCAL/GLOBAL statics (3.8-3.11) or inside _PyRuntime (3.12+). */
export function tracemallocRoots(T: TracemallocLayout, runtimeAddress: number, symbol: (name: string) => number | null): TracemallocRoots | string {
  if (T.state.kind === 'runtime') {
    const base = runtimeAddress + T.state.runtimeOffset;
    return { config: base, tracesVar: base + T.state.tracesOffset };
  }
  const config = symbol(T.state.configSymbol);
  if (config === null) return `libpython names no ${T.state.configSymbol}: cannot tell whether tracemalloc was tracing`;
  return { config, tracesVar: symbol(T.state.tracesSymbol) };
}

const hex = (a: number) => `0x${a.toString(16)}`;

/** _Py_HashPointerRaw: the pointer rotated right by 4 bits (the low bits of an aligned pointer are zero). */
function hashPointer(p: number): bigint {
  const y = BigInt(p);
  return ((y >> 4n) | (y << 60n)) & 0xffff_ffff_ffff_ffffn;
}

/** The trace of the block whose user pointer is `ptr` in tracemalloc's default domain. */
export function lookupTrace(r: Reader, L: Layout, T: TracemallocLayout, roots: TracemallocRoots, ptr: number, limits: Limits): TraceLookup {
  const tracing = r.i32(roots.config + T.configTracing);
  if (tracing === null) return { kind: 'unreadable', reason: `tracemalloc's config at ${hex(roots.config)} is not in the core` };
  if (tracing === 0) return { kind: 'not-tracing' };
  if (tracing !== 1) return { kind: 'unreadable', reason: `tracemalloc's tracing flag reads ${tracing}, not 0 or 1` };
  // A patch release whose _PyRuntime moved the state would put other data here: max_nframe tells.
  const maxNframe = r.i32(roots.config + T.configMaxNframe);
  if (maxNframe === null || maxNframe < 1 || maxNframe > 65535) return { kind: 'unreadable', reason: `tracemalloc's config at ${hex(roots.config)} reads max_nframe ${maxNframe}: not tracemalloc's state (another patch release's layout?)` };
  if (roots.tracesVar === null) return { kind: 'unreadable', reason: `tracemalloc was tracing, but it keeps its traces in a static variable and libpython has no symbol table (.symtab) naming it; pass an unstripped copy (--lib-path DIR or --sysroot DIR)` };
  const table = r.ptr(roots.tracesVar);
  if (table === null || table === 0) return { kind: 'unreadable', reason: `tracemalloc's traces table pointer at ${hex(roots.tracesVar)} is ${table === null ? 'unreadable' : 'NULL'}` };
  const H = T.table;
  const nbuckets = r.u64(table + H.nbuckets);
  const buckets = r.ptr(table + H.buckets);
  if (nbuckets === null || buckets === null) return { kind: 'unreadable', reason: `tracemalloc's traces table at ${hex(table)} is not in the core` };
  // CPython keeps the bucket count a power of two; anything else means this is not the table.
  if (nbuckets === 0n || nbuckets > 1n << 40n || (nbuckets & (nbuckets - 1n)) !== 0n) return { kind: 'unreadable', reason: `tracemalloc's traces table at ${hex(table)} has ${nbuckets} buckets, not a power of two` };
  let keySize = 8;
  let domainKey = false;
  if (H.keySize !== null) {
    const ks = r.u64(table + H.keySize);
    if (ks === null) return { kind: 'unreadable', reason: `tracemalloc's traces table at ${hex(table)} is not in the core` };
    keySize = Number(ks);
    // 3.8: once a non-default domain was traced, keys are a packed {uintptr_t ptr; unsigned int domain}.
    domainKey = T.configUseDomain !== null && r.i32(roots.config + T.configUseDomain) === 1;
    if (keySize !== (domainKey ? 12 : 8)) return { kind: 'unreadable', reason: `tracemalloc's traces table at ${hex(table)} has keys of ${keySize} bytes` };
  }
  // With domain keys the hash is the pointer's hash XOR the domain, which is 0 here.
  const hash = hashPointer(ptr);
  let entry = r.ptr(buckets + Number(hash & (nbuckets - 1n)) * 8);
  for (let steps = 0; entry !== null && entry !== 0; steps++) {
    if (steps >= limits.maxHashChain) return { kind: 'unreadable', reason: `a bucket chain of tracemalloc's traces table is longer than ${limits.maxHashChain} entries` };
    const keyHash = r.u64(entry + H.entryHash);
    const key = r.ptr(entry + H.entryKey);
    if (keyHash === null || key === null) return { kind: 'unreadable', reason: `a trace entry at ${hex(entry)} is not in the core` };
    const domain = domainKey ? r.u32(entry + H.entryKey + 8) : 0;
    if (keyHash === hash && key === ptr && domain === 0) {
      const trace = H.entryValue === null ? entry + H.entryKey + keySize : r.ptr(entry + H.entryValue);
      if (trace === null || trace === 0) return { kind: 'unreadable', reason: `the trace of ${hex(ptr)} in entry ${hex(entry)} is unreadable` };
      return readTrace(r, L, T, trace, limits);
    }
    entry = r.ptr(entry + H.entryNext);
  }
  if (entry === null) return { kind: 'unreadable', reason: `a bucket chain of tracemalloc's traces table is cut short (unreadable memory)` };
  return { kind: 'untraced' };
}

/** trace_t {size, traceback*} and its traceback's frames, newest first (as tracemalloc stores them). */
function readTrace(r: Reader, L: Layout, T: TracemallocLayout, trace: number, limits: Limits): TraceLookup {
  const size = r.u64(trace);
  const tb = r.ptr(trace + T.traceTraceback);
  if (size === null || tb === null || tb === 0) return { kind: 'unreadable', reason: `the trace at ${hex(trace)} is not in the core` };
  const n = r.bytes(tb + T.tracebackNframe.offset, 4);
  if (!n) return { kind: 'unreadable', reason: `the traceback at ${hex(tb)} is not in the core` };
  const nframe = T.tracebackNframe.bytes === 2 ? n.readUInt16LE(0) : n.readInt32LE(0);
  // 3.9+ also count the frames tracemalloc dropped (total_nframe); 3.8 keeps only nframe.
  const totalFrames = T.tracebackNframe.bytes === 2 ? n.readUInt16LE(2) : nframe;
  if (nframe < 0) return { kind: 'unreadable', reason: `the traceback at ${hex(tb)} has ${nframe} frames` };
  const want = Math.min(nframe, limits.maxTracebackFrames);
  const raw = r.bytes(tb + T.tracebackFrames, want * T.frameSize);
  if (!raw) return { kind: 'unreadable', reason: `the ${nframe} frames of the traceback at ${hex(tb)} are not in the core` };
  const frames: TracebackFrame[] = [];
  const problems: string[] = [];
  for (let i = 0; i < want; i++) {
    const base = i * T.frameSize;
    const fnPtr = Number(raw.readBigUInt64LE(base + T.frameFilename));
    const lineno = raw.readUInt32LE(base + T.frameLineno);
    const s = readUnicode(r, L, fnPtr, limits.maxNameLength);
    if (isFailure(s)) problems.push(`frame ${i}: filename at ${hex(fnPtr)}: ${s.what} ${s.kind}`);
    frames.push({ filename: isFailure(s) ? null : s.value, lineno });
  }
  if (want < nframe) problems.push(`only the first ${want} of ${nframe} frames are read`);
  return { kind: 'traced', size: Number(size), frames, totalFrames, ...(problems.length ? { unreadable: problems.join('; ') } : {}) };
}
