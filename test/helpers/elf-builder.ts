// Assembles small ELF files byte by byte (like gimli's test_assembler) for unit tests and
// malformed-input tests. Only what the tests need: header, segments, sections, notes, symbols.
export interface BuildSegment {
  type: number;
  flags?: number;
  vaddr: number;
  data: Buffer;
  memsz?: number;
  align?: number;
}

export interface BuildSection {
  name: string;
  type: number;
  flags?: number;
  addr?: number;
  data: Buffer;
  link?: number;
  info?: number;
  addralign?: number;
  entsize?: number;
}

export interface BuildElf {
  is64?: boolean;
  littleEndian?: boolean;
  type: number;
  machine: number;
  segments?: BuildSegment[];
  sections?: BuildSection[];
}

export class Writer {
  private chunks: Buffer[] = [];
  length = 0;
  constructor(
    readonly littleEndian = true,
    readonly is64 = true,
  ) {}
  raw(b: Buffer): this {
    this.chunks.push(b);
    this.length += b.length;
    return this;
  }
  u8(v: number): this {
    return this.raw(Buffer.from([v & 0xff]));
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    this.littleEndian ? b.writeUInt16LE(v) : b.writeUInt16BE(v);
    return this.raw(b);
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    this.littleEndian ? b.writeUInt32LE(v >>> 0) : b.writeUInt32BE(v >>> 0);
    return this.raw(b);
  }
  u64(v: number | bigint): this {
    const b = Buffer.alloc(8);
    this.littleEndian ? b.writeBigUInt64LE(BigInt(v)) : b.writeBigUInt64BE(BigInt(v));
    return this.raw(b);
  }
  word(v: number): this {
    return this.is64 ? this.u64(v) : this.u32(v);
  }
  pad(to: number): this {
    const n = (to - (this.length % to)) % to;
    return this.raw(Buffer.alloc(n));
  }
  zeros(n: number): this {
    return this.raw(Buffer.alloc(n));
  }
  cstr(s: string): this {
    return this.raw(Buffer.from(s + '\0', 'latin1'));
  }
  build(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export function note(name: string, type: number, desc: Buffer, le = true, align = 4): Buffer {
  const w = new Writer(le);
  const n = Buffer.from(name + '\0', 'latin1');
  w.u32(n.length).u32(desc.length).u32(type).raw(n).pad(align).raw(desc).pad(align);
  return w.build();
}

export function buildElf(spec: BuildElf): Buffer {
  const is64 = spec.is64 ?? true;
  const le = spec.littleEndian ?? true;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const segs = spec.segments ?? [];
  const secs = spec.sections ? [{ name: '', type: 0, data: Buffer.alloc(0) } as BuildSection, ...spec.sections] : [];
  // Section name table goes last.
  let shstrtab = Buffer.alloc(0);
  const nameOffsets: number[] = [];
  if (secs.length) {
    const names = [...secs.map((s) => s.name), '.shstrtab'];
    const parts: Buffer[] = [];
    let off = 0;
    for (const n of names) {
      nameOffsets.push(off);
      const b = Buffer.from(n + '\0', 'latin1');
      parts.push(b);
      off += b.length;
    }
    shstrtab = Buffer.concat(parts);
  }
  const phoff = segs.length ? ehsize : 0;
  let cursor = ehsize + segs.length * phentsize;
  const segOffsets = segs.map((s) => {
    cursor = Math.ceil(cursor / 8) * 8;
    const o = cursor;
    cursor += s.data.length;
    return o;
  });
  const secOffsets = secs.map((s) => {
    cursor = Math.ceil(cursor / 8) * 8;
    const o = cursor;
    cursor += s.data.length;
    return o;
  });
  cursor = Math.ceil(cursor / 8) * 8;
  const shstrOff = cursor;
  cursor += shstrtab.length;
  cursor = Math.ceil(cursor / 8) * 8;
  const shoff = secs.length ? cursor : 0;
  const shnum = secs.length ? secs.length + 1 : 0;

  const w = new Writer(le, is64);
  w.raw(Buffer.from([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1, 0])).zeros(8);
  w.u16(spec.type).u16(spec.machine).u32(1).word(0).word(phoff).word(shoff).u32(0).u16(ehsize).u16(phentsize).u16(segs.length).u16(shentsize).u16(shnum).u16(secs.length ? secs.length : 0);
  segs.forEach((s, i) => {
    if (is64) w.u32(s.type).u32(s.flags ?? 4).u64(segOffsets[i]).u64(s.vaddr).u64(s.vaddr).u64(s.data.length).u64(s.memsz ?? s.data.length).u64(s.align ?? 4096);
    else w.u32(s.type).u32(segOffsets[i]).u32(s.vaddr).u32(s.vaddr).u32(s.data.length).u32(s.memsz ?? s.data.length).u32(s.flags ?? 4).u32(s.align ?? 4096);
  });
  segs.forEach((s, i) => {
    w.zeros(segOffsets[i] - w.length).raw(s.data);
  });
  secs.forEach((s, i) => {
    w.zeros(secOffsets[i] - w.length).raw(s.data);
  });
  w.zeros(shstrOff - w.length).raw(shstrtab);
  if (secs.length) {
    w.zeros(shoff - w.length);
    const all = [...secs.map((s, i) => ({ ...s, offset: secOffsets[i] })), { name: '.shstrtab', type: 3, data: shstrtab, offset: shstrOff } as BuildSection & { offset: number }];
    all.forEach((s, i) => {
      const nameOff = nameOffsets[i];
      const off = i === 0 ? 0 : s.offset;
      if (is64) w.u32(nameOff).u32(s.type).u64(s.flags ?? 0).u64(s.addr ?? 0).u64(off).u64(s.data.length).u32(s.link ?? 0).u32(s.info ?? 0).u64(s.addralign ?? 1).u64(s.entsize ?? 0);
      else w.u32(nameOff).u32(s.type).u32(s.flags ?? 0).u32(s.addr ?? 0).u32(off).u32(s.data.length).u32(s.link ?? 0).u32(s.info ?? 0).u32(s.addralign ?? 1).u32(s.entsize ?? 0);
    });
  }
  return w.build();
}
