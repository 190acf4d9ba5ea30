// glibc malloc's chunk header in front of a block it returned (x86_64): the size word at q-8
// (low bits: PREV_INUSE 1, IS_MMAPPED 2, NON_MAIN_ARENA 4) and, only when the previous chunk is
// free, that chunk's size at q-16. Used to name the block just before a system-malloc block.
import type { Reader } from './reader.js';

export interface MallocChunk {
  /** The chunk's start (q - 16) and the next chunk's start. */
  chunk: number;
  next: number;
  mmapped: boolean;
  /** The previous chunk's start when it is free (its size is known only then), else null. */
  previousFree: number | null;
  previousInUse: boolean;
}

/** Chunks larger than this are not believed (a corrupt size word). */
const MAX_CHUNK = 2 ** 40;

/** The chunk of the block malloc returned at `q`, or null when its size word is implausible. */
export function mallocChunk(r: Reader, q: number): MallocChunk | null {
  const head = r.bytes(q - 16, 16);
  if (!head) return null;
  const word = Number(head.readBigUInt64LE(8));
  const size = word - (word % 8);
  if (size < 32 || size > MAX_CHUNK) return null;
  const chunk = q - 16;
  const prevInUse = (word & 1) === 1;
  const prevSize = Number(head.readBigUInt64LE(0));
  const previousFree = !prevInUse && prevSize >= 32 && prevSize % 16 === 0 && prevSize <= MAX_CHUNK ? chunk - prevSize : null;
  return { chunk, next: chunk + size, mmapped: (word & 2) === 2, previousFree, previousInUse: prevInUse };
}

/** Chunks walked at most in one region (a brk heap of a big process has millions). */
const MAX_WALK = 2_000_000;

/**
 * The chunk starts of a region, walked from its start: the main arena's brk heap is one region
 * whose first chunk is at its start, and each chunk's size leads to the next. The walk stops at
 * the region's end, at a size word that cannot be right (a damaged header, or a region that is a
 * thread arena's heap or an mmapped chunk and starts with something else) or after MAX_WALK chunks.
 */
export function chunkStarts(u64: (address: number) => number | null, region: { start: number; end: number }): Float64Array {
  const out: number[] = [];
  let c = region.start;
  while (out.length < MAX_WALK && c + 16 <= region.end) {
    const word = u64(c + 8);
    if (word === null) break;
    const size = word - (word % 8);
    if (size < 32 || size % 16 !== 0 || c + size > region.end) break;
    out.push(c);
    c += size;
  }
  return Float64Array.from(out);
}

/** The chunk before `chunk` among `starts` (sorted), or null when `chunk` is not one of them or is the first. */
export function previousChunk(starts: Float64Array, chunk: number): number | null {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] === chunk) return mid > 0 ? starts[mid - 1] : null;
    if (starts[mid] < chunk) lo = mid + 1;
    else hi = mid - 1;
  }
  return null;
}
