// Finding _PyRuntime without any binary (3.13+): the runtime starts with _Py_DebugOffsets, whose
// 8-byte cookie "xdebugpy" and version can be searched for in the core's writable memory.
import { DEBUG_OFFSETS_COOKIE, parseDebugOffsetsHeader, type DebugOffsetsHeader } from '../cpython-layouts/debug-offsets.js';
import { hasDebugOffsets } from '../cpython-layouts/version.js';
import { PT_LOAD } from '../elf/constants.js';
import type { Target } from '../target/target.js';
import { chunksOf } from '../io/byte-source.js';

const PF_W = 2;
// Read into one reused buffer (chunksOf), small enough to stay in the CPU cache while scanned.
const CHUNK = 1024 * 1024;

export interface ScannedRuntime {
  address: number;
  header: DebugOffsetsHeader;
}

/** Every 8-aligned "xdebugpy" in writable core segments whose header names a version that has it. */
export function scanForDebugOffsets(target: Target, maxHits = 16): ScannedRuntime[] {
  const cookie = Buffer.from(DEBUG_OFFSETS_COOKIE, 'latin1');
  const out: ScannedRuntime[] = [];
  const src = target.core.source;
  for (const p of target.core.segments) {
    if (p.type !== PT_LOAD || !(p.flags & PF_W) || p.filesz === 0) continue;
    // Overlap chunks by the header size so a cookie on a boundary is not missed.
    for (const { offset: off, bytes: b } of chunksOf(src, p.offset, p.offset + p.filesz, CHUNK, 24)) {
      if (out.length >= maxHits) break;
      for (let i = b.indexOf(cookie); i >= 0; i = b.indexOf(cookie, i + 1)) {
        const fileOffset = off + i;
        if ((fileOffset - p.offset) % 8 !== 0 || i + 24 > b.length) continue;
        const header = parseDebugOffsetsHeader(b.subarray(i, i + 24));
        if (!header || !hasDebugOffsets(header.version)) continue;
        const address = p.vaddr + (fileOffset - p.offset);
        if (!out.some((h) => h.address === address)) out.push({ address, header });
      }
    }
  }
  return out;
}
