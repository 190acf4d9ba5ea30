// The free-threaded build's mimalloc layout (src/cpython-layouts/mimalloc-layout.ts) against what
// gdb printed from the 3.13t build's DWARF (corpus/layouts-gdb/mimalloc-py313t.txt), and the
// heap walk over it against the 3.13t corpus cores' own records.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { truthSections } from '../src/cli/generate-layouts.js';
import { mimallocLayout } from '../src/cpython-layouts/mimalloc-layout.js';
import { generatedLayouts } from '../src/cpython-layouts/generated/index.js';
import { openHeap } from '../src/analysis/heap/session.js';
import { census } from '../src/analysis/heap/census.js';
import { openCore } from '../src/cli/open-core.js';
import { printed } from './helpers/gdb-truth.js';
import { CORES, CORPUS, SYSROOT } from './helpers/corpus.js';

const text = readFileSync(join(CORPUS, 'layouts-gdb', 'mimalloc-py313t.txt'), 'utf8');
const sections = truthSections(text);
const M = mimallocLayout({ major: 3, minor: 13, micro: 0, level: 0xc, serial: 2 })!;
const gdb = (cmd: string) => printed(sections, cmd);
const off = (type: string, member: string) => gdb(`print/d (long)&((${type}*)0)->${member}`);

describe('mimalloc layout of the free-threaded 3.13 build', () => {
  it('was read from the build the 3.13t table and corpus cores come from', () => {
    expect(text).toContain(`build-id ${M.verifiedOn.buildId}`);
    expect(generatedLayouts['3.13-free-threaded'].generatedFrom.buildId).toBe(M.verifiedOn.buildId);
  });

  it('has the sizes and member offsets gdb printed', () => {
    expect(M.heap).toEqual({
      size: gdb('print/d sizeof(mi_heap_t)'), pages: off('mi_heap_t', 'pages'), queues: gdb('print/d sizeof(((mi_heap_t*)0)->pages)/sizeof(mi_page_queue_t)'),
      threadDelayedFree: off('mi_heap_t', 'thread_delayed_free'), threadId: off('mi_heap_t', 'thread_id'), pageCount: off('mi_heap_t', 'page_count'), tag: off('mi_heap_t', 'tag'),
    });
    expect(M.queue).toEqual({ size: gdb('print/d sizeof(mi_page_queue_t)'), first: off('mi_page_queue_t', 'first'), last: off('mi_page_queue_t', 'last'), blockSize: off('mi_page_queue_t', 'block_size') });
    const { size, flagsByte, tagShift, tagBits, ...members } = M.page;
    expect(size).toBe(gdb('print/d sizeof(mi_page_t)'));
    const names: Record<string, string> = { sliceCount: 'slice_count', sliceOffset: 'slice_offset', capacity: 'capacity', reserved: 'reserved', free: 'free', used: 'used', xblockSize: 'xblock_size', localFree: 'local_free', xthreadFree: 'xthread_free', next: 'next' };
    for (const [k, v] of Object.entries(members)) expect(v, k).toBe(off('mi_page_t', names[k]));
    // ptype /o prints a bitfield as "/* byte: bit | size */ uint8_t tag : 4;".
    const tag = /\/\*\s+(\d+):\s*(\d+)\s+\|\s+\d+ \*\/\s+uint8_t tag : (\d+);/.exec(sections.get('ptype /o mi_page_t') ?? '');
    expect(tag && [+tag[1], +tag[2], +tag[3]]).toEqual([flagsByte, tagShift, tagBits]);
    const seg: Record<string, string> = { abandonedNext: 'abandoned_next', used: 'used', cookie: 'cookie', segmentSlices: 'segment_slices', sliceEntries: 'slice_entries', threadId: 'thread_id', slices: 'slices' };
    for (const [k, v] of Object.entries(M.segment)) expect(v, k).toBe(off('mi_segment_t', seg[k]));
    expect(M.pool).toEqual({ abandoned: off('mi_abandoned_pool_t', 'abandoned'), abandonedVisited: off('mi_abandoned_pool_t', 'abandoned_visited'), abandonedCount: off('mi_abandoned_pool_t', 'abandoned_count') });
    expect(M.interpAbandonedPool).toBe(off('PyInterpreterState', 'mimalloc.abandoned_pool'));
    expect(M.heapCount).toBe(gdb('print/d sizeof(((struct _mimalloc_thread_state*)0)->heaps)/sizeof(mi_heap_t)'));
    expect(M.heapIds).toEqual({ object: gdb('print/d _Py_MIMALLOC_HEAP_OBJECT'), gc: gdb('print/d _Py_MIMALLOC_HEAP_GC'), gcPre: gdb('print/d _Py_MIMALLOC_HEAP_GC_PRE') });
    // The generated table's heaps offset agrees with gdb's (the walk adds the two).
    expect(generatedLayouts['3.13-free-threaded'].structs._PyThreadStateImpl.fields['mimalloc.heaps']).toBe(off('_PyThreadStateImpl', 'mimalloc.heaps'));
  });
});

describe('mimalloc heap walk of the 3.13t cores', () => {
  it('finds every object of the heap scenario in the thread heaps, with no problem', async () => {
    const opened = openHeap(await openCore(join(CORES, '3.13t-heap.core.gz'), { sysroot: SYSROOT, progress: false }));
    if ('fatal' in opened) throw new Error(opened.fatal);
    const r = census(opened, { top: 0, leaks: false, threshold: 10_000, largest: 4 });
    const mi = r.sources.mimalloc!;
    // The one expected note: sizes pycore estimates are kept out of bytes_total.
    expect(r.warnings.filter((w) => !/ more bytes are estimates \(/.test(w))).toEqual([]);
    expect(mi.objects).toBe(r.objects_total);
    // Two threads alive (main and the sleeper): each has an object, a GC and a GC_PRE heap.
    expect(mi.thread_heaps).toBe(6);
    expect(mi.used_blocks).toBeGreaterThanOrEqual(mi.objects);
    expect(r.sources).toMatchObject({ gc: 0, gc_and_pymalloc: 0, pymalloc: 0, reachable: 0 });
  });
});
