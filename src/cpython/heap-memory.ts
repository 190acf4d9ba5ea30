// Fast word reads for heap walks, which make tens of millions of small reads: memory is read in
// 64 KiB windows (aligned in the address space) kept in a small cache, and words are decoded
// straight from the window. Addresses and words come back as JS numbers (exact below 2^53,
// which every user-space pointer is); a read that any part of is unreadable gives null.
import type { Memory } from '../target/address-space.js';
import type { BulkReader } from './bulk-read.js';

const WINDOW_BITS = 16;
const WINDOW = 1 << WINDOW_BITS;
const PAGE = 4096;
const PAGES_PER_WINDOW = WINDOW / PAGE;
const FULL = 2 ** PAGES_PER_WINDOW - 1;
const TWO32 = 4294967296;

interface Window {
  buf: Buffer;
  /** The same bytes as 32-bit words (windows are 4-aligned copies). */
  words: Uint32Array;
  /** Bit i set: page i of the window is readable. */
  mask: number;
}

export class HeapMemory {
  private readonly windows = new Map<number, Window>();
  private lastIndex = -1;
  private last: Window | null = null;
  /** Reads served from the cache vs. windows read from the target (for tests and the bench). */
  hits = 0;
  misses = 0;

  constructor(
    readonly mem: Memory,
    /** Reads whole windows straight from the core file, into reused buffers. */
    private readonly bulk: BulkReader | null = null,
    /** Windows kept: 512 x 64 KiB = 32 MiB. */
    private readonly maxWindows = 512,
  ) {}

  private window(index: number): Window {
    if (index === this.lastIndex) return this.last!;
    let w = this.windows.get(index);
    if (!w) {
      this.misses++;
      let spare: Window | null = null;
      if (this.windows.size >= this.maxWindows) {
        const oldest = this.windows.keys().next().value as number;
        spare = this.windows.get(oldest)!;
        this.windows.delete(oldest);
      }
      w = this.load(index, spare);
      this.windows.set(index, w);
    } else this.hits++;
    this.lastIndex = index;
    this.last = w;
    return w;
  }

  private load(index: number, spare: Window | null): Window {
    const base = index * WINDOW;
    if (this.bulk) {
      const buf = spare && spare.buf.length === WINDOW ? spare.buf : Buffer.allocUnsafeSlow(WINDOW);
      if (this.bulk.readInto(base, buf, WINDOW)) return { buf, words: spare && spare.buf === buf ? spare.words : wordsOf(buf), mask: FULL };
    } else {
      const whole = this.mem.read(base, WINDOW);
      if (whole) {
        const buf = aligned(whole);
        return { buf, words: wordsOf(buf), mask: FULL };
      }
    }
    // A mapping starts or ends inside the window: keep the pages that are there.
    const buf = Buffer.alloc(WINDOW);
    let mask = 0;
    for (let p = 0; p < PAGES_PER_WINDOW; p++) {
      const b = this.mem.read(base + p * PAGE, PAGE);
      if (b) {
        b.copy(buf, p * PAGE);
        mask |= 1 << p;
      }
    }
    return { buf, words: wordsOf(buf), mask };
  }

  /** The window holding [address, address+length) and the offset there, or null when it crosses windows or is unreadable. */
  private at(address: number, length: number): { buf: Buffer; off: number } | null {
    if (!(address >= 0) || !Number.isSafeInteger(address)) return null;
    const index = Math.floor(address / WINDOW);
    const off = address - index * WINDOW;
    if (off + length > WINDOW) return null;
    const w = this.window(index);
    if (w.mask !== FULL) {
      const first = off >>> 12;
      const last = (off + length - 1) >>> 12;
      for (let p = first; p <= last; p++) if (!(w.mask & (1 << p))) return null;
    }
    return { buf: w.buf, off };
  }

  /** For an aligned word: the words of its window with `wordAt` set to its index; null when unaligned or unreadable. */
  private aligned64(address: number): Uint32Array | null {
    if (address % 8 !== 0 || !(address >= 0) || !Number.isSafeInteger(address)) return null;
    const index = Math.floor(address / WINDOW);
    const w = index === this.lastIndex ? this.last! : this.window(index);
    const off = address - index * WINDOW;
    if (w.mask !== FULL && !(w.mask & (1 << (off >>> 12)))) return null;
    this.wordAt = off >>> 2;
    return w.words;
  }

  private wordAt = 0;

  u64(address: number): number | null {
    const w = this.aligned64(address);
    if (w) return w[this.wordAt] + w[this.wordAt + 1] * TWO32;
    const b = address % 8 === 0 ? null : this.mem.read(address, 8);
    return b ? b.readUInt32LE(0) + b.readUInt32LE(4) * TWO32 : null;
  }

  /** A signed 64-bit word (Py_ssize_t). */
  i64(address: number): number | null {
    const w = this.aligned64(address);
    if (w) return w[this.wordAt] + (w[this.wordAt + 1] | 0) * TWO32;
    const b = address % 8 === 0 ? null : this.mem.read(address, 8);
    return b ? b.readUInt32LE(0) + b.readInt32LE(4) * TWO32 : null;
  }

  u32(address: number): number | null {
    const a = this.at(address, 4);
    if (!a) {
      const b = this.mem.read(address, 4);
      return b ? b.readUInt32LE(0) : null;
    }
    return a.buf.readUInt32LE(a.off);
  }

  i32(address: number): number | null {
    const v = this.u32(address);
    return v === null ? null : v | 0;
  }

  /** `length` bytes; a view into the cache when they sit in one window (do not keep it), else a copy. */
  bytes(address: number, length: number): Buffer | null {
    if (length <= 0) return length === 0 ? Buffer.alloc(0) : null;
    const a = length <= WINDOW ? this.at(address, length) : null;
    if (a) return a.buf.subarray(a.off, a.off + length);
    return this.mem.read(address, length);
  }

  /**
   * A few bytes (a pool header) read without loading their 64 KiB window into the cache: from the
   * cache when it holds them, else straight from the core into a reused buffer. Do not keep it.
   */
  peek(address: number, length: number): Buffer | null {
    const index = Math.floor(address / WINDOW);
    const off = address - index * WINDOW;
    const w = this.windows.get(index);
    if (!this.bulk || length > WINDOW || (w && w.mask === FULL && off + length <= WINDOW)) return this.bytes(address, length);
    if (this.peeked.length < length) this.peeked = Buffer.allocUnsafeSlow(Math.max(length, 256));
    return this.bulk.readInto(address, this.peeked, length) ? this.peeked.subarray(0, length) : null;
  }

  private peeked = Buffer.alloc(0);

  /** Index in the array view() last returned of the first word asked for. */
  viewIndex = 0;

  /**
   * `length` bytes at `address` (4-aligned) as 32-bit words, without copying when they sit in
   * one cached window: the words start at index `viewIndex` of the array returned. Do not keep it.
   */
  view(address: number, length: number): Uint32Array | null {
    if (address % 4 === 0 && length <= WINDOW && address >= 0 && Number.isSafeInteger(address)) {
      const index = Math.floor(address / WINDOW);
      const off = address - index * WINDOW;
      if (off + length <= WINDOW) {
        const w = index === this.lastIndex ? this.last! : this.window(index);
        if (w.mask !== FULL) {
          for (let p = off >>> 12; p <= (off + length - 1) >>> 12; p++) if (!(w.mask & (1 << p))) return null;
        }
        this.viewIndex = off >>> 2;
        return w.words;
      }
    }
    if (this.bulk && length > 0) {
      // Bytes across windows (a big list's items, read in chunks): one read into a reused buffer,
      // neither cached nor allocated per read (Referents reads hundreds of MB of items this way).
      if (this.scratch.length < length) {
        this.scratch = Buffer.allocUnsafeSlow(Math.max(length, WINDOW));
        this.scratchWords = wordsOf(this.scratch);
      }
      if (!this.bulk.readInto(address, this.scratch, length)) return null;
      this.viewIndex = 0;
      return this.scratchWords;
    }
    const b = this.mem.read(address, length);
    if (!b) return null;
    this.viewIndex = 0;
    return wordsOf(aligned(b));
  }

  private scratch = Buffer.alloc(0);
  private scratchWords: Uint32Array = new Uint32Array(0);

}

/** `b` itself when its bytes start on a 4-byte boundary, else a copy that does. */
export function aligned(b: Buffer): Buffer {
  if (b.byteOffset % 4 === 0) return b;
  const c = Buffer.allocUnsafeSlow(b.length);
  b.copy(c);
  return c;
}

/** The 32-bit words of a 4-aligned buffer (a trailing partial word is left out). */
export function wordsOf(b: Buffer): Uint32Array {
  return new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
}

/** A little-endian u64 from a buffer as a JS number. */
export function u64At(buf: Buffer, off: number): number {
  return buf.readUInt32LE(off) + buf.readUInt32LE(off + 4) * TWO32;
}

/** A little-endian i64 (Py_ssize_t) from a buffer as a JS number. */
export function i64At(buf: Buffer, off: number): number {
  return buf.readUInt32LE(off) + buf.readInt32LE(off + 4) * TWO32;
}

/** Word `k` (a 32-bit index) and the next one as an unsigned 64-bit number. */
export function u64w(w: Uint32Array, k: number): number {
  return w[k] + w[k + 1] * TWO32;
}

/** Word `k` and the next one as a signed 64-bit number (Py_ssize_t). */
export function i64w(w: Uint32Array, k: number): number {
  return w[k] + (w[k + 1] | 0) * TWO32;
}
