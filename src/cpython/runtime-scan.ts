// Finding _PyRuntime without any binary (3.13+): the runtime starts with _Py_DebugOffsets, whose
// 8-byte cookie "xdebugpy" and version can be searched for in the core's writable memory.
import { DEBUG_OFFSETS_COOKIE, parseDebugOffsetsHeader, type DebugOffsetsHeader } from '../cpython-layouts/debug-offsets.js';
import { hasDebugOffsets } from '../cpython-layouts/version.js';
import type { Target } from '../target/target.js';
import { chunksOf } from '../io/byte-source.js';

// Read into one reused buffer (chunksOf), small enough to stay in the CPU cache while scanned.
const CHUNK = 1024 * 1024;

export interface ScannedRuntime {
  address: number;
  header: DebugOffsetsHeader;
}

/**
 * 8-aligned "xdebugpy" cookies in writable core segments whose header names a version that has
 * them, at most `maxHits`, those next to Python's own mappings first (where _PyRuntime lives).
 */
export function scanForDebugOffsets(target: Target, maxHits = 16, everywhere = false): ScannedRuntime[] {
  const cookie = Buffer.from(DEBUG_OFFSETS_COOKIE, 'latin1');
  const out: ScannedRuntime[] = [];
  const src = target.core.source;
  for (const p of writableSegmentsInOrder(target, everywhere)) {
    // Overlap chunks by the header size so a cookie on a boundary is not missed.
    for (const { offset: off, bytes: b } of chunksOf(src, p.offset, p.offset + p.filesz, CHUNK, 24)) {
      for (let i = b.indexOf(cookie); i >= 0; i = b.indexOf(cookie, i + 1)) {
        const fileOffset = off + i;
        if ((fileOffset - p.offset) % 8 !== 0 || i + 24 > b.length) continue;
        const header = parseDebugOffsetsHeader(b.subarray(i, i + 24));
        if (!header || !hasDebugOffsets(header.version)) continue;
        const address = p.vaddr + (fileOffset - p.offset);
        if (!out.some((h) => h.address === address)) out.push({ address, header });
        // Enough: no further segment is read (the no-binary path asks for one).
        if (out.length >= maxHits) return out;
      }
    }
  }
  return out;
}

/**
 * The core's writable segments with data where _PyRuntime can be: it is a static variable of the
 * interpreter binary, so it lies in a module's data mapping or in the .bss mapping right after
 * it. Those of modules named like Python come first. Heap, stacks and other anonymous memory
 * are scanned only with `everywhere` (benchmarks) or when the core names no modules at all.
 */
export function writableSegmentsInOrder(target: Target, everywhere = false) {
  const py = target.modules.filter((m) => /(?:^|\/)(?:lib)?python\d/.test(m.path));
  const rank = (vaddr: number) => {
    if (py.some((m) => vaddr >= m.start && vaddr <= m.end)) return 0;
    if (target.modules.some((m) => vaddr >= m.start && vaddr <= m.end)) return 1;
    return 2;
  };
  const all = everywhere || target.modules.length === 0;
  return target.writable.all
    .filter((p) => p.filesz > 0)
    .map((p) => ({ p, r: rank(p.vaddr) }))
    .filter((x) => all || x.r < 2)
    .sort((a, b) => a.r - b.r || a.p.vaddr - b.p.vaddr)
    .map((x) => x.p);
}
