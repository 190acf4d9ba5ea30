// What _PyMem_DumpTraceback printed after a damaged debug block's dump, byte for byte (3.8+):
// the allocation traceback when tracemalloc traced the block, the hint when it was off, nothing
// when tracing missed the block. Filenames go through _Py_DumpASCII's escaping.
import type { MemoryErrorView } from '../analysis/memory-check.js';
import { faulthandlerAscii } from './sanitize.js';

/** Lines after debugBlockText(e): CPython's whole report is [...debugBlockText(e), ...these].join('\n') + '\n'. */
export function allocationTracebackText(e: Pick<MemoryErrorView, 'tracemalloc' | 'allocated_at'>): string[] {
  if (e.tracemalloc === 'not-tracing') return ['Enable tracemalloc to get the memory block allocation traceback', ''];
  if (e.tracemalloc !== 'traced' || !e.allocated_at) return [];
  return [
    'Memory block allocated at (most recent call first):',
    ...e.allocated_at.map((f) => `  File "${f.filename === null ? '???' : faulthandlerAscii(f.filename)}", line ${f.lineno}`),
    '',
  ];
}
