// A random-access source of bytes: a file, a decompressed cache file, or an in-memory fixture.
export interface ByteSource {
  /** What to call this source in messages (usually a path). */
  readonly name: string;
  readonly size: number;
  /** Up to `length` bytes at `offset`; shorter (possibly empty) past the end. */
  read(offset: number, length: number): Buffer;
  close(): void;
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
