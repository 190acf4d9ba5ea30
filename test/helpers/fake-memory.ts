// A process memory made of a few buffers at chosen addresses, for the synthetic-core tests of
// layouts no interpreter here can produce (3.14, 3.15): no core file, only the bytes read.
import type { Memory } from '../../src/target/address-space.js';

export class FakeMemory implements Memory {
  readonly pointerSize = 8;
  readonly littleEndian = true;
  private readonly regions: { at: number; b: Buffer }[] = [];
  put(at: number, b: Buffer) {
    this.regions.push({ at, b });
  }
  read(address: number, length: number): Buffer | null {
    const r = this.regions.find((x) => address >= x.at && address + length <= x.at + x.b.length);
    return r ? r.b.subarray(address - r.at, address - r.at + length) : null;
  }
  fault() {
    return null;
  }
}

export const word = (b: Buffer, off: number, v: number) => b.writeBigUInt64LE(BigInt(v), off);

/** A compact ASCII str object (3.12+ layout: length at 16, state at 32, the characters at 40). */
export function str(mem: FakeMemory, at: number, text: string) {
  const b = Buffer.alloc(40 + text.length + 1);
  word(b, 16, text.length);
  b.writeUInt32LE((1 << 2) | (1 << 5) | (1 << 6), 32); // kind 1, compact, ascii
  b.write(text, 40, 'latin1');
  mem.put(at, b);
}
