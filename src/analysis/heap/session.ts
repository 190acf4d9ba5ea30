// What every heap command opens first: the interpreter, its interpreters and threads, the object
// decoder and the heap (pymalloc state and GC lists). Built once per run and shared.
import { formatVersion } from '../../cpython-layouts/version.js';
import { readFreeLists } from '../../cpython/free-lists.js';
import { Heap } from '../../cpython/heap.js';
import { defaultLimits, type Limits } from '../../cpython/limits.js';
import { mallocStats } from '../../cpython/pymalloc.js';
import { findRuntime, formatRuntimeError, type PythonRuntime } from '../../cpython/runtime.js';
import { noInterpretersReason, readInterpreters, type InterpreterInfo } from '../../cpython/threads.js';
import type { ReprLimits } from '../../cpython/objects/decoder.js';
import type { Target } from '../../target/target.js';
import { Objects } from '../objects.js';
import { runSteps } from '../../cpython/heap.js';
import { hex } from '../view-model.js';
import type { MallocStatsView } from './view-model.js';

export interface HeapSession {
  target: Target;
  rt: PythonRuntime;
  interpreters: InterpreterInfo[];
  objects: Objects;
  heap: Heap;
  version: string;
  warnings: string[];
}

/** Opens the heap of a core, or says in one line why there is none. */
export function openHeap(target: Target, reprLimits?: ReprLimits, limits: Limits = defaultLimits): HeapSession | { fatal: string } {
  return runSteps(openHeapSteps(target, reprLimits, limits));
}

/** What openHeapSteps is reading when it pauses. */
export type OpenStep = 'runtime' | 'interpreters' | 'objects' | 'heap';

/**
 * openHeap() that pauses between its parts (each reads a different corner of a possibly cold,
 * compressed core), so a caller that must stay responsive can let other work run.
 */
export function* openHeapSteps(target: Target, reprLimits?: ReprLimits, limits: Limits = defaultLimits): Generator<OpenStep, HeapSession | { fatal: string }, void> {
  yield 'runtime';
  const found = findRuntime(target);
  if (!found.ok) return { fatal: formatRuntimeError(found.error, target.truncated) };
  const rt = found.value;
  yield 'interpreters';
  const { interpreters } = readInterpreters(rt, limits);
  if (interpreters.length === 0) return { fatal: noInterpretersReason(rt, target) };
  yield 'objects';
  const objects = Objects.create(rt, target, reprLimits, limits);
  yield 'heap';
  const heap = new Heap(rt, target, objects.decoder, interpreters);
  const warnings = target.warnings.map((w) => w.message);
  if (heap.pymalloc.unreadable) warnings.push(`pymalloc: ${heap.pymalloc.unreadable}; objects outside the GC lists are found only through references`);
  return { target, rt, interpreters, objects, heap, version: formatVersion(rt.layout.version), warnings };
}

export function mallocStatsViews(s: HeapSession): MallocStatsView[] {
  // sys._debugmallocstats() prints the free lists of the interpreter it runs in: here the main one.
  const main = s.interpreters.find((i) => i.id === 0) ?? s.interpreters[s.interpreters.length - 1];
  const free = readFreeLists(s.rt, s.target, main.address);
  return s.heap.pymalloc.heaps.map((h, i) => {
    const m = mallocStats(h, s.rt.layout, s.heap.mem);
    return {
      where: h.where,
      threshold: m.threshold,
      num_classes: m.numClasses,
      classes: m.classes,
      arena_size: m.arenaSize,
      pool_size: m.poolSize,
      narenas: m.narenas,
      ntimes_arena_allocated: m.ntimesArenaAllocated,
      narenas_highwater: m.narenasHighwater,
      num_free_pools: m.numFreePools,
      allocated_bytes: m.allocatedBytes,
      available_bytes: m.availableBytes,
      pool_header_bytes: m.poolHeaderBytes,
      quantization: m.quantization,
      arena_alignment: m.arenaAlignment,
      arena_map: m.arenaMap ? { mid: m.arenaMap.mid, bot: m.arenaMap.bot, root_bytes: m.arenaMap.rootBytes, mid_bytes: m.arenaMap.midBytes, bot_bytes: m.arenaMap.botBytes } : null,
      allocated_blocks: m.allocatedBlocks,
      ...(i === 0 ? { free_lists: free.lists } : {}),
      problems: i === 0 ? [...m.problems, ...free.problems] : m.problems,
    };
  });
}

/** `module.qualname` as users write it (`builtins` left out). */
export function typeLabel(module: string, qualname: string): string {
  return module === 'builtins' ? qualname : `${module}.${qualname}`;
}

export { hex };
