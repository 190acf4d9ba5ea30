// Endian- and class-aware scalar reads. Addresses and offsets are JS numbers: user-space
// addresses fit in 53 bits; larger 64-bit values (kernel addresses, garbage) lose their low
// bits, which is harmless because such values never resolve to mapped memory.
export class Fields {
  constructor(
    readonly littleEndian: boolean,
    readonly is64: boolean,
  ) {}
  get wordSize(): number {
    return this.is64 ? 8 : 4;
  }
  u8(b: Buffer, o: number): number {
    return b[o];
  }
  u16(b: Buffer, o: number): number {
    return this.littleEndian ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }
  i16(b: Buffer, o: number): number {
    return this.littleEndian ? b.readInt16LE(o) : b.readInt16BE(o);
  }
  u32(b: Buffer, o: number): number {
    return this.littleEndian ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }
  i32(b: Buffer, o: number): number {
    return this.littleEndian ? b.readInt32LE(o) : b.readInt32BE(o);
  }
  u64(b: Buffer, o: number): number {
    // Two 32-bit halves, not a BigInt: the same number (one rounding either way), without an
    // allocation per read (symbol tables and DWARF read millions).
    return this.littleEndian ? b.readUInt32LE(o) + b.readUInt32LE(o + 4) * 4294967296 : b.readUInt32BE(o) * 4294967296 + b.readUInt32BE(o + 4);
  }
  u64big(b: Buffer, o: number): bigint {
    return this.littleEndian ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o);
  }
  /** A native word (address, size_t, long). */
  word(b: Buffer, o: number): number {
    return this.is64 ? this.u64(b, o) : this.u32(b, o);
  }
}
