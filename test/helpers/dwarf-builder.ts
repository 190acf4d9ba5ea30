// Assembles small DWARF sections byte by byte (like gimli's test_assembler) for the reader's unit
// tests and malformed-input tests: .debug_abbrev, .debug_info (versions 2-5, 32-bit format),
// .debug_str, .debug_line_str, .debug_str_offsets, .debug_addr and .debug_line.
export class Bytes {
  private out: number[] = [];
  get length(): number {
    return this.out.length;
  }
  u8(...v: number[]): this {
    for (const x of v) this.out.push(x & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v, v >> 8);
  }
  u32(v: number): this {
    return this.u8(v, v >> 8, v >> 16, v >>> 24);
  }
  u64(v: number): this {
    return this.u32(v % 2 ** 32).u32(Math.floor(v / 2 ** 32));
  }
  uleb(v: number): this {
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v) b |= 0x80;
      this.out.push(b);
    } while (v);
    return this;
  }
  sleb(v: number): this {
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) return this.u8(b);
      this.u8(b | 0x80);
    }
  }
  cstr(s: string): this {
    for (const ch of Buffer.from(s, 'latin1')) this.out.push(ch);
    return this.u8(0);
  }
  bytes(b: Buffer | number[]): this {
    for (const x of b) this.out.push(x);
    return this;
  }
  set32(at: number, v: number): this {
    this.out[at] = v & 0xff;
    this.out[at + 1] = (v >> 8) & 0xff;
    this.out[at + 2] = (v >> 16) & 0xff;
    this.out[at + 3] = (v >>> 24) & 0xff;
    return this;
  }
  buf(): Buffer {
    return Buffer.from(this.out);
  }
}

/** A string section that hands out offsets of the strings added to it. */
export class StrSection {
  readonly b = new Bytes();
  private at = new Map<string, number>();
  add(s: string): number {
    let o = this.at.get(s);
    if (o === undefined) {
      o = this.b.length;
      this.b.cstr(s);
      this.at.set(s, o);
    }
    return o;
  }
}

/** Writes a unit header for `version` (32-bit DWARF); call `finish` once the DIEs are written. */
export function unitHeader(b: Bytes, version: number, abbrevOffset = 0, addrSize = 8): { start: number; finish: () => void } {
  const start = b.length;
  b.u32(0).u16(version);
  if (version >= 5) b.u8(1 /* DW_UT_compile */, addrSize).u32(abbrevOffset);
  else b.u32(abbrevOffset).u8(addrSize);
  return { start, finish: () => b.set32(start, b.length - start - 4) };
}
