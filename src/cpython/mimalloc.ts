// The mimalloc heaps of a free-threaded build (3.13t), walked as CPython's GC walks them
// (gc_visit_heaps in Python/gc_free_threading.c): every thread state's heaps, page queue by page
// queue, then the interpreter's pool of segments abandoned by threads that exited, page by page
// (slices whose page carries the heap's tag). A page's blocks are in use unless they are on one
// of its free lists: `free`, `local_free`, `xthread_free` (frees from other threads, flags in its
// low bits) or the owning heap's `thread_delayed_free`, which a live process would merge first.
// Walks are bounded: every list by the page's capacity, every queue by a step limit, and a loop
// stops with the reason recorded.
import { field, type Layout } from '../cpython-layouts/layout.js';
import type { MimallocLayout } from '../cpython-layouts/mimalloc-layout.js';
import type { HeapMemory } from './heap-memory.js';
import type { InterpreterInfo } from './threads.js';

/** Which of a thread's heaps: objects (non-GC), GC objects, GC objects with the two-word pre-header. */
export type MimallocHeapKind = 'object' | 'gc' | 'gc-pre';

export interface MimallocPage {
  address: number;
  heap: MimallocHeapKind;
  /** First block, block size, blocks carved out. */
  start: number;
  blockSize: number;
  capacity: number;
  /** Found through a thread's heap, or in a segment abandoned by an exited thread. */
  owner: 'thread' | 'abandoned';
}

export interface MimallocWalkSummary {
  /** Thread heaps read (initialized ones), pages and abandoned segments visited. */
  heaps: number;
  pages: number;
  abandonedSegments: number;
  /** Blocks in use in the pages visited. */
  usedBlocks: number;
  problems: string[];
}

/** Pages per heap queue, and segments per abandoned list, before a walk gives up (a loop in corrupt memory). */
const MAX_LIST = 1 << 20;

/** The heaps (by _Py_mimalloc_heap_id) pycore walks, and what each holds. */
function heapKinds(M: MimallocLayout): [number, MimallocHeapKind][] {
  return [[M.heapIds.object, 'object'], [M.heapIds.gc, 'gc'], [M.heapIds.gcPre, 'gc-pre']];
}

/**
 * Visits the used blocks of every page of the object and GC heaps, page by page: `visit(page,
 * used)` gets the page and a bitmap of its used blocks (1 = in use).
 */
export function walkMimalloc(
  L: Layout,
  M: MimallocLayout,
  mem: HeapMemory,
  interps: InterpreterInfo[],
  visit: (page: MimallocPage, used: Uint8Array) => void,
): MimallocWalkSummary {
  const summary: MimallocWalkSummary = { heaps: 0, pages: 0, abandonedSegments: 0, usedBlocks: 0, problems: [] };
  const problem = (p: string) => {
    if (summary.problems.length < 20) summary.problems.push(p);
  };
  const heapsOff = field(L, 'tstate.mimalloc_heaps');
  const initOff = L.offsets['tstate.mimalloc_initialized'];
  const seenPages = new Set<number>();
  const segMask = M.segmentSize - 1;

  const doPage = (page: number, kind: MimallocHeapKind, owner: MimallocPage['owner'], delayed: Set<number>) => {
    if (seenPages.has(page)) return;
    seenPages.add(page);
    const P = M.page;
    const view = mem.bytes(page, P.size);
    const b = view ? Buffer.from(view) : null;
    if (!b || b.length < P.size) {
      problem(`mimalloc page 0x${page.toString(16)} is not in the core`);
      return;
    }
    const capacity = b.readUInt16LE(P.capacity);
    const used = b.readUInt32LE(P.used);
    const xblock = b.readUInt32LE(P.xblockSize);
    const sliceCount = b.readUInt32LE(P.sliceCount);
    const segment = page - (page % M.segmentSize);
    const index = (page - segment - M.segment.slices) / P.size;
    if (!Number.isInteger(index) || index < 0 || index > M.segmentSize / M.sliceSize) {
      problem(`mimalloc page 0x${page.toString(16)} is not a slice of its segment 0x${segment.toString(16)}`);
      return;
    }
    if (used === 0 || capacity === 0) return;
    // mi_page_block_size(): a huge page's one block is the whole page.
    const blockSize = xblock < M.hugeBlockSize ? xblock : sliceCount * M.sliceSize;
    // _mi_segment_page_start_from_slice(): small blocks start a few blocks into the page.
    const startOffset = xblock >= 8 && xblock <= 64 ? 3 * xblock : xblock > 64 && xblock <= 512 ? xblock : 0;
    const start = segment + index * M.sliceSize + startOffset;
    if (blockSize === 0 || capacity * blockSize > sliceCount * M.sliceSize) {
      problem(`mimalloc page 0x${page.toString(16)}: ${capacity} blocks of ${blockSize} bytes do not fit its ${sliceCount} slices`);
      return;
    }
    const inUse = new Uint8Array(capacity).fill(1);
    let free = 0;
    const mark = (head: number, what: string): boolean => {
      for (let p = head, n = 0; p !== 0; n++) {
        const off = p - start;
        if (n > capacity || off < 0 || off % blockSize !== 0 || off / blockSize >= capacity) {
          problem(`mimalloc page 0x${page.toString(16)}: ${what} list leaves the page at 0x${p.toString(16)}`);
          return false;
        }
        if (inUse[off / blockSize]) {
          inUse[off / blockSize] = 0;
          free++;
        }
        const next = mem.u64(p);
        if (next === null) {
          problem(`mimalloc page 0x${page.toString(16)}: ${what} list unreadable at 0x${p.toString(16)}`);
          return false;
        }
        p = next;
      }
      return true;
    };
    const xthread = Number(b.readBigUInt64LE(P.xthreadFree));
    const ok =
      mark(Number(b.readBigUInt64LE(P.free)), 'free') &&
      mark(Number(b.readBigUInt64LE(P.localFree)), 'local_free') &&
      mark(xthread - (xthread % (M.threadFreeFlagBits + 1)), 'thread_free');
    if (!ok) return;
    for (const d of delayed) {
      const off = d - start;
      if (off >= 0 && off % blockSize === 0 && off / blockSize < capacity && inUse[off / blockSize]) {
        inUse[off / blockSize] = 0;
        free++;
      }
    }
    summary.pages++;
    summary.usedBlocks += capacity - free;
    visit({ address: page, heap: kind, start, blockSize, capacity, owner }, inUse);
  };

  /** Blocks on a heap's thread_delayed_free list (freed by other threads, not yet given back to their pages). */
  const delayedOf = (heap: number): Set<number> => {
    const out = new Set<number>();
    for (let p = mem.u64(heap + M.heap.threadDelayedFree) ?? 0; p !== 0 && out.size < MAX_LIST; ) {
      if (out.has(p)) break;
      out.add(p);
      const next = mem.u64(p);
      if (next === null) {
        problem(`mimalloc heap 0x${heap.toString(16)}: thread_delayed_free list unreadable at 0x${p.toString(16)}`);
        break;
      }
      p = next;
    }
    return out;
  };

  for (const interp of interps) {
    for (const ts of interp.threads) {
      if (initOff !== undefined && !mem.i32(ts.address + initOff)) continue;
      for (const [id, kind] of heapKinds(M)) {
        const heap = ts.address + heapsOff + id * M.heap.size;
        const queues = mem.bytes(heap + M.heap.pages, M.heap.queues * M.queue.size);
        if (!queues) {
          problem(`mimalloc heap 0x${heap.toString(16)} is not in the core`);
          continue;
        }
        const copy = Buffer.from(queues);
        summary.heaps++;
        const delayed = delayedOf(heap);
        for (let q = 0; q < M.heap.queues; q++) {
          let page = Number(copy.readBigUInt64LE(q * M.queue.size + M.queue.first));
          for (let n = 0; page !== 0; n++) {
            if (n >= MAX_LIST) {
              problem(`mimalloc heap 0x${heap.toString(16)}: page queue ${q} does not end`);
              break;
            }
            doPage(page, kind, 'thread', delayed);
            const next = mem.u64(page + M.page.next);
            if (next === null) {
              problem(`mimalloc heap 0x${heap.toString(16)}: page queue ${q} unreadable at 0x${page.toString(16)}`);
              break;
            }
            page = next;
          }
        }
      }
    }
    // Segments of threads that exited: pages are told apart by their heap tag.
    const pool = interp.address + M.interpAbandonedPool;
    const tagged = mem.u64(pool + M.pool.abandoned);
    const heads = [tagged === null ? 0 : tagged - (tagged % M.segmentSize), mem.u64(pool + M.pool.abandonedVisited) ?? 0];
    const seenSegments = new Set<number>();
    for (const head of heads) {
      for (let seg = head; seg !== 0 && !seenSegments.has(seg) && seenSegments.size < MAX_LIST; ) {
        if (seg & segMask) {
          problem(`abandoned mimalloc segment 0x${seg.toString(16)} is misaligned`);
          break;
        }
        seenSegments.add(seg);
        summary.abandonedSegments++;
        segmentPages(M, mem, seg, problem, (page, tag) => {
          const kind = heapKinds(M).find(([id]) => id === tag)?.[1];
          if (kind) doPage(page, kind, 'abandoned', new Set());
        });
        seg = mem.u64(seg + M.segment.abandonedNext) ?? 0;
      }
    }
  }
  return summary;
}

/** The used pages of a segment (mi_segment_visit_pages), with each page's heap tag. */
function segmentPages(M: MimallocLayout, mem: HeapMemory, seg: number, problem: (p: string) => void, visit: (page: number, tag: number) => void): void {
  const entries = mem.u64(seg + M.segment.sliceEntries);
  const maxEntries = M.segmentSize / M.sliceSize + 1;
  if (entries === null || entries > maxEntries) {
    problem(`abandoned mimalloc segment 0x${seg.toString(16)}: slice_entries ${entries ?? 'unreadable'}`);
    return;
  }
  const P = M.page;
  const sliceAt = (i: number) => seg + M.segment.slices + i * P.size;
  // The first page holds the segment's own metadata: skip it (mi_slices_start_iterate).
  let i = mem.u32(sliceAt(0) + P.sliceCount) ?? 0;
  while (i > 0 && i < entries) {
    const s = sliceAt(i);
    const count = mem.u32(s + P.sliceCount);
    const xblock = mem.u32(s + P.xblockSize);
    const flags = mem.bytes(s + P.flagsByte, 1);
    if (count === null || xblock === null || !flags || count === 0) {
      problem(`abandoned mimalloc segment 0x${seg.toString(16)}: slice ${i} unreadable or empty`);
      return;
    }
    if (xblock > 0) visit(s, (flags[0] >> P.tagShift) & ((1 << P.tagBits) - 1));
    i += count;
  }
}
