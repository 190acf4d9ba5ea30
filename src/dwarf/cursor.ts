// A bounded little-endian reader over one DWARF section (or a slice of it). Every read checks
// the end it was given; reading past it raises a 'truncated' fault naming section and offset.
import { fault } from './errors.js';

export class Cursor {
  constructor(
    readonly buf: Buffer,
    readonly section: string,
    public pos: number,
    public end: number = buf.length,
  ) {
    if (end > buf.length) this.end = buf.length;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) fault('truncated', this.section, this.pos, `${what} runs past the end (0x${this.end.toString(16)})`);
  }

  u8(): number {
    if (this.pos >= this.end) this.need(1, 'byte');
    return this.buf[this.pos++];
  }

  u16(): number {
    this.need(2, '2-byte value');
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.need(3, '3-byte value');
    const v = this.buf.readUIntLE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  u32(): number {
    this.need(4, '4-byte value');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** 8-byte value as a number; values above 2^53 lose precision (they are never sizes or offsets we use). */
  u64(): number {
    this.need(8, '8-byte value');
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    return hi * 0x1_0000_0000 + lo;
  }

  i64(): number {
    this.need(8, '8-byte value');
    const v = Number(this.buf.readBigInt64LE(this.pos));
    this.pos += 8;
    return v;
  }

  /** Unsigned value of `size` bytes (1, 2, 4 or 8). */
  uN(size: number): number {
    switch (size) {
      case 1:
        return this.u8();
      case 2:
        return this.u16();
      case 4:
        return this.u32();
      case 8:
        return this.u64();
      default:
        return fault('malformed', this.section, this.pos, `unsupported value size ${size}`);
    }
  }

  uleb(): number {
    let result = 0;
    let mul = 1;
    const start = this.pos;
    for (;;) {
      if (this.pos >= this.end) fault('truncated', this.section, start, 'ULEB128 runs past the end');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
      if (this.pos - start > 10) fault('malformed', this.section, start, 'ULEB128 longer than 10 bytes');
    }
  }

  sleb(): number {
    let result = 0;
    let mul = 1;
    const start = this.pos;
    for (;;) {
      if (this.pos >= this.end) fault('truncated', this.section, start, 'SLEB128 runs past the end');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return b & 0x40 ? result - mul : result;
      if (this.pos - start > 10) fault('malformed', this.section, start, 'SLEB128 longer than 10 bytes');
    }
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }

  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** NUL-terminated string (latin1); the NUL must lie before the end. */
  cstr(): string {
    const at = this.pos;
    const nul = this.buf.indexOf(0, at);
    if (nul < 0 || nul >= this.end) fault('truncated', this.section, at, 'string without a terminating NUL');
    this.pos = nul + 1;
    return this.buf.toString('latin1', at, nul);
  }

  skipCstr(): void {
    const nul = this.buf.indexOf(0, this.pos);
    if (nul < 0 || nul >= this.end) fault('truncated', this.section, this.pos, 'string without a terminating NUL');
    this.pos = nul + 1;
  }

  /** Unit length (32-bit or 64-bit DWARF). */
  initialLength(): { length: number; offsetSize: 4 | 8 } {
    const l = this.u32();
    if (l === 0xffffffff) return { length: this.u64(), offsetSize: 8 };
    if (l >= 0xfffffff0) fault('malformed', this.section, this.pos - 4, `reserved unit length 0x${l.toString(16)}`);
    return { length: l, offsetSize: 4 };
  }

  offset(offsetSize: 4 | 8): number {
    return offsetSize === 8 ? this.u64() : this.u32();
  }
}
