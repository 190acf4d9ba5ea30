// mimalloc's geometry and structs as a free-threaded CPython embeds it (Objects/mimalloc,
// Include/internal/mimalloc, pycore_mimalloc.h), which the generated tables do not hold: the
// constants of mimalloc/types.h and the member offsets of mi_heap_t, mi_page_queue_t, mi_page_t,
// mi_segment_t and mi_abandoned_pool_t on x86_64 (LP64). Read off `gdb ptype /o` and offsetof
// prints of the 3.13.0rc2 --disable-gil build; test/mimalloc.test.ts compares them with what gdb
// printed then (corpus/layouts-gdb/mimalloc-py313t.txt).
import { FREE_THREADED_SUFFIX } from './layout.js';
import { minorKey, type PythonVersion } from './version.js';

export interface MimallocLayout {
  /** MI_SEGMENT_SIZE: segments are this big and aligned to it (a page's segment is its address masked). */
  segmentSize: number;
  /** MI_SEGMENT_SLICE_SIZE: pages are made of slices of this size. */
  sliceSize: number;
  /** MI_HUGE_BLOCK_SIZE: an xblock_size this big means "the page's size". */
  hugeBlockSize: number;
  /** Low bits of mi_page_t.xthread_free that are delayed-free flags, not address. */
  threadFreeFlagBits: number;
  /** _Py_mimalloc_heap_id: which heap of a thread holds what (objects after the GC_PRE heap's two pre-header words). */
  heapIds: { object: number; gc: number; gcPre: number };
  /** Heaps per thread (_Py_MIMALLOC_HEAP_COUNT), in struct _mimalloc_thread_state.heaps. */
  heapCount: number;
  heap: { size: number; pages: number; queues: number; threadDelayedFree: number; threadId: number; pageCount: number; tag: number };
  queue: { size: number; first: number; last: number; blockSize: number };
  page: {
    size: number; sliceCount: number; sliceOffset: number;
    /** The byte holding the is_committed/is_zero_init/use_qsbr/tag bitfields, and tag's bits in it. */
    flagsByte: number; tagShift: number; tagBits: number;
    capacity: number; reserved: number; free: number; used: number; xblockSize: number; localFree: number; xthreadFree: number; next: number;
  };
  segment: { abandonedNext: number; used: number; cookie: number; segmentSlices: number; sliceEntries: number; threadId: number; slices: number };
  /** Offsets in mi_abandoned_pool_t: the tagged list of abandoned segments, and the visited ones. */
  pool: { abandoned: number; abandonedVisited: number; abandonedCount: number };
  /** PyInterpreterState.mimalloc.abandoned_pool (build-specific: pinned with the build-id below). */
  interpAbandonedPool: number;
  /** The build these offsets were read from. */
  verifiedOn: { micro: string; buildId: string };
}

const py313t: MimallocLayout = {
  segmentSize: 1 << 25,
  sliceSize: 1 << 16,
  hugeBlockSize: 2 ** 31,
  threadFreeFlagBits: 3,
  heapIds: { object: 1, gc: 2, gcPre: 3 },
  heapCount: 4,
  // MI_BIN_FULL + 1 = 75 queues.
  heap: { size: 3064, pages: 1040, queues: 75, threadDelayedFree: 2840, threadId: 2848, pageCount: 3024, tag: 3057 },
  queue: { size: 24, first: 0, last: 8, blockSize: 16 },
  page: {
    size: 96, sliceCount: 0, sliceOffset: 4, flagsByte: 8, tagShift: 3, tagBits: 4,
    capacity: 10, reserved: 12, free: 16, used: 24, xblockSize: 28, localFree: 32, xthreadFree: 40, next: 56,
  },
  segment: { abandonedNext: 176, used: 208, cookie: 216, segmentSlices: 224, sliceEntries: 248, threadId: 256, slices: 264 },
  pool: { abandoned: 64, abandonedVisited: 0, abandonedCount: 128 },
  interpAbandonedPool: 10880,
  verifiedOn: { micro: '3.13.0rc2', buildId: '5a32925288227b5f4ee44f774947cdb9eb4189e3' },
};

const byKey: Record<string, MimallocLayout> = { [`3.13${FREE_THREADED_SUFFIX}`]: py313t };

/** mimalloc's layout in a free-threaded build of this version, or null when pycore has none. */
export function mimallocLayout(version: PythonVersion): MimallocLayout | null {
  return byKey[minorKey(version) + FREE_THREADED_SUFFIX] ?? null;
}
