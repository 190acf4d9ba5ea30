// Where a block was allocated, from tracemalloc's tables in the core: what CPython prints after
// a damaged debug block ("Memory block allocated at (most recent call first):") and what
// tracemalloc.get_object_traceback() returns for an object.
import { tracemallocLayout } from '../cpython-layouts/tracemalloc-layout.js';
import type { Limits } from '../cpython/limits.js';
import type { PythonRuntime } from '../cpython/runtime.js';
import { lookupTrace, tracemallocRoots, type TraceLookup } from '../cpython/tracemalloc.js';
import type { Target } from '../target/target.js';
import type { ObjectDecoder } from '../cpython/objects/decoder.js';
import { preHeader, type MemoryErrorView } from './memory-check.js';

export interface AllocationTraceView {
  /** 'traced': `frames` is the traceback, newest first; 'untraced': tracing, but the block has no trace. */
  state: 'traced' | 'not-tracing' | 'untraced' | 'unreadable';
  frames: { filename: string | null; lineno: number }[];
  /** How many frames the stack had (tracemalloc kept at most its nframe of them). */
  total_frames: number | null;
  /** Why the trace could not be read (or only partly). */
  unreadable?: string;
}

/** A lookup function for one core: the roots are resolved once, each pointer costs one bucket chain. */
export function allocationTracer(rt: PythonRuntime, target: Target, limits: Limits): (ptr: number) => AllocationTraceView {
  const T = tracemallocLayout(rt.layout.version);
  const roots = T ? tracemallocRoots(T, rt.runtimeAddress, (name) => target.symbolAddress(rt.module, name)?.address ?? null) : 'no tracemalloc layout for this version';
  return (ptr) => {
    if (!T || typeof roots === 'string') return { state: 'unreadable', frames: [], total_frames: null, unreadable: typeof roots === 'string' ? roots : 'no tracemalloc layout' };
    return view(lookupTrace(rt.reader, rt.layout, T, roots, ptr, limits));
  };
}

function view(t: TraceLookup): AllocationTraceView {
  switch (t.kind) {
    case 'traced':
      return { state: 'traced', frames: t.frames, total_frames: t.totalFrames, ...(t.unreadable ? { unreadable: t.unreadable } : {}) };
    case 'unreadable':
      return { state: 'unreadable', frames: [], total_frames: null, unreadable: t.reason };
    default:
      return { state: t.kind, frames: [], total_frames: null };
  }
}

/** Each damaged block gains its allocation traceback (the key of a trace is the block's user pointer p). */
export function attachAllocationTracebacks(errors: MemoryErrorView[], trace: (ptr: number) => AllocationTraceView): void {
  for (const e of errors) {
    const t = trace(Number.parseInt(e.address, 16));
    e.tracemalloc = t.state;
    e.allocated_at = t.state === 'traced' ? t.frames : null;
    if (t.unreadable) e.tracemalloc_unreadable = t.unreadable;
  }
}

/** tracemalloc.get_object_traceback(obj): the trace of the object's allocation, which starts at its pre-header (GC head, managed dict/weakref words). */
export function objectAllocation(d: ObjectDecoder, address: number, trace: (ptr: number) => AllocationTraceView): AllocationTraceView | null {
  const v = d.validate(address);
  return v.ok ? trace(address - preHeader(d, v.type)) : null;
}
