// A random-access source of bytes: a file, a decompressed cache file, or an in-memory fixture.
export interface ByteSource {
  /** What to call this source in messages (usually a path). */
  readonly name: string;
  readonly size: number;
  /** Up to `length` bytes at `offset`; shorter (possibly empty) past the end. */
  read(offset: number, length: number): Buffer;
  /** Optional: fill `into` from `offset` without allocating (sequential scans); returns the bytes read. */
  readInto?(offset: number, into: Buffer): number;
  close(): void;
}

/**
 * The bytes of [start, end) of a source in chunks of `chunk` bytes, each extended by `overlap`
 * bytes (so a pattern across a boundary is seen whole). One buffer is reused when the source can
 * fill it: the yielded Buffer is only valid until the next step.
 */
export function* chunksOf(src: ByteSource, start: number, end: number, chunk: number, overlap = 0): Generator<{ offset: number; bytes: Buffer }> {
  end = Math.min(end, src.size);
  const buf = src.readInto ? Buffer.allocUnsafe(chunk + overlap) : null;
  for (let off = start; off < end; off += chunk) {
    const n = Math.min(chunk + overlap, end - off);
    if (buf && src.readInto) yield { offset: off, bytes: buf.subarray(0, src.readInto(off, buf.subarray(0, n))) };
    else yield { offset: off, bytes: src.read(off, n) };
  }
}

/** A source over a Buffer: for tests and for small sections already in memory. */
export class BufferSource implements ByteSource {
  constructor(readonly name: string, private readonly bytes: Buffer) {}
  get size(): number {
    return this.bytes.length;
  }
  read(offset: number, length: number): Buffer {
    if (offset >= this.bytes.length || length <= 0) return Buffer.alloc(0);
    return this.bytes.subarray(offset, Math.min(this.bytes.length, offset + length));
  }
  close(): void {}
}
