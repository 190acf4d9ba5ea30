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

/** Chunks walked at most to find the one before a block (a brk heap of a big process has millions). */
const MAX_WALK = 4_000_000;

/**
 * The chunk just before `chunk`, found by walking the chunks of the region holding it from the
 * region's start: the main arena's brk heap is one region whose first chunk is at its start, and
 * each chunk's size leads to the next. null when the walk does not land exactly on `chunk` (the
 * region is a thread arena's heap or an mmapped chunk, or a size word on the way is damaged).
 */
export function previousChunkByWalk(u64: (address: number) => number | null, region: { start: number; end: number }, chunk: number): number | null {
  let c = region.start;
  let prev: number | null = null;
  for (let i = 0; i < MAX_WALK && c < chunk; i++) {
    const word = u64(c + 8);
    if (word === null) return null;
    const size = word - (word % 8);
    if (size < 32 || size % 16 !== 0 || c + size > region.end) return null;
    prev = c;
    c += size;
  }
  return c === chunk ? prev : null;
}
