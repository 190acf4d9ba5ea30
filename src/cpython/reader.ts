// Typed reads of target memory for decoders. Every read can fail (unmapped, not in the core):
// it returns null and the caller records why, rather than decoding garbage.
import type { Memory } from '../target/address-space.js';

export class Reader {
  constructor(readonly mem: Memory) {}

  bytes(address: number, length: number): Buffer | null {
    return this.mem.read(address, length);
  }
  ptr(address: number): number | null {
    const b = this.mem.read(address, this.mem.pointerSize);
    if (!b) return null;
    if (this.mem.pointerSize === 4) return this.mem.littleEndian ? b.readUInt32LE(0) : b.readUInt32BE(0);
    // Two 32-bit halves, not a BigInt: the same number (one rounding either way), no allocation.
    return this.mem.littleEndian ? b.readUInt32LE(0) + b.readUInt32LE(4) * 4294967296 : b.readUInt32BE(0) * 4294967296 + b.readUInt32BE(4);
  }
  /** A signed machine word (Py_ssize_t). */
  ssize(address: number): number | null {
    const b = this.mem.read(address, this.mem.pointerSize);
    if (!b) return null;
    if (this.mem.pointerSize === 4) return this.mem.littleEndian ? b.readInt32LE(0) : b.readInt32BE(0);
    return this.mem.littleEndian ? b.readUInt32LE(0) + b.readInt32LE(4) * 4294967296 : b.readInt32BE(0) * 4294967296 + b.readUInt32BE(4);
  }
  /** A signed 64-bit word as a number (exact up to 2^53). */
  i64(address: number): number | null {
    const b = this.mem.read(address, 8);
    return b ? Number(this.mem.littleEndian ? b.readBigInt64LE(0) : b.readBigInt64BE(0)) : null;
  }
  u64(address: number): bigint | null {
    const b = this.mem.read(address, 8);
    return b ? (this.mem.littleEndian ? b.readBigUInt64LE(0) : b.readBigUInt64BE(0)) : null;
  }
  u32(address: number): number | null {
    const b = this.mem.read(address, 4);
    return b ? (this.mem.littleEndian ? b.readUInt32LE(0) : b.readUInt32BE(0)) : null;
  }
  i32(address: number): number | null {
    const b = this.mem.read(address, 4);
    return b ? (this.mem.littleEndian ? b.readInt32LE(0) : b.readInt32BE(0)) : null;
  }
  u8(address: number): number | null {
    const b = this.mem.read(address, 1);
    return b ? b[0] : null;
  }
  /** A NUL-terminated C string of at most `max` bytes. */
  cString(address: number, max: number): string | null {
    let out = Buffer.alloc(0);
    for (let a = address; out.length < max; ) {
      const chunk = Math.min(256, max - out.length, 4096 - (a % 4096));
      const b = this.mem.read(a, chunk);
      if (!b) return out.length > 0 ? out.toString('latin1') : null;
      const z = b.indexOf(0);
      if (z >= 0) return Buffer.concat([out, b.subarray(0, z)]).toString('latin1');
      out = Buffer.concat([out, b]);
      a += chunk;
    }
    return out.toString('latin1');
  }
}
