// Finding _PyRuntime without any binary (3.13+): the runtime starts with _Py_DebugOffsets, whose
// 8-byte cookie "xdebugpy" and version can be searched for in the core's writable memory.
import { DEBUG_OFFSETS_COOKIE, parseDebugOffsetsHeader, type DebugOffsetsHeader } from '../cpython-layouts/debug-offsets.js';
import { hasDebugOffsets } from '../cpython-layouts/version.js';
import { PT_LOAD } from '../elf/constants.js';
import type { Target } from '../target/target.js';

const PF_W = 2;
const CHUNK = 4 * 1024 * 1024;

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
    const end = Math.min(p.offset + p.filesz, src.size);
    // Overlap chunks by the header size so a cookie on a boundary is not missed.
    for (let off = p.offset; off < end && out.length < maxHits; off += CHUNK) {
      const b = src.read(off, Math.min(CHUNK + 24, end - off));
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
