// ELF reader: headers, segments, sections, notes, symbols and core notes, on assembled bytes
// for each class and byte order, and malformed variants of them.
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../src/io/byte-source.js';
import { ElfFile } from '../src/elf/elf-file.js';
import { parseCoreNotes } from '../src/elf/core-notes.js';
import { EM_386, EM_AARCH64, EM_X86_64, ET_CORE, ET_DYN, NT_AUXV, NT_FILE, NT_PRPSINFO, NT_PRSTATUS, NT_SIGINFO, PT_LOAD, PT_NOTE, SHT_DYNSYM, SHT_NOTE, SHT_PROGBITS_FOR_TEST, SHT_STRTAB_FOR_TEST, SHT_SYMTAB, STT_FUNC, STT_OBJECT } from './helpers/elf-constants.js';
import { buildElf, note, Writer } from './helpers/elf-builder.js';
import { formatElfError } from '../src/elf/errors.js';

const open = (b: Buffer, name = 'test.elf') => ElfFile.open(new BufferSource(name, b));

function symtab(le: boolean, is64: boolean, syms: { name: number; value: number; size: number; type: number; shndx: number }[]): Buffer {
  const w = new Writer(le, is64);
  const all = [{ name: 0, value: 0, size: 0, type: 0, shndx: 0 }, ...syms];
  for (const s of all) {
    if (is64) w.u32(s.name).u8(s.type | (1 << 4)).u8(0).u16(s.shndx).u64(s.value).u64(s.size);
    else w.u32(s.name).u32(s.value).u32(s.size).u8(s.type | (1 << 4)).u8(0).u16(s.shndx);
  }
  return w.build();
}

describe('ELF files', () => {
  for (const is64 of [true, false]) {
    for (const le of [true, false]) {
      const kind = `${is64 ? 'ELF64' : 'ELF32'} ${le ? 'little' : 'big'}-endian`;
      it(`${kind}: header, segments, sections, notes, symbols, build-id, debuglink`, () => {
        const strings = Buffer.from('\0main\0counter\0', 'latin1');
        const buildIdNote = note('GNU', 3, Buffer.from('0123456789abcdef0123', 'hex'), le);
        const debuglink = Buffer.concat([Buffer.from('libfoo.debug\0\0\0\0', 'latin1'), (() => { const b = Buffer.alloc(4); le ? b.writeUInt32LE(0xdeadbeef) : b.writeUInt32BE(0xdeadbeef); return b; })()]);
        const bytes = buildElf({
          is64,
          littleEndian: le,
          type: ET_DYN,
          machine: is64 ? EM_X86_64 : EM_386,
          segments: [
            { type: PT_LOAD, vaddr: 0x1000, data: Buffer.alloc(64, 0xaa), memsz: 128 },
            { type: PT_NOTE, vaddr: 0x2000, data: buildIdNote, align: 4 },
          ],
          sections: [
            { name: '.text', type: SHT_PROGBITS_FOR_TEST, data: Buffer.alloc(16), addralign: 16, entsize: 0 },
            { name: '.note.gnu.build-id', type: SHT_NOTE, data: buildIdNote, addralign: 4 },
            { name: '.dynstr', type: SHT_STRTAB_FOR_TEST, data: strings },
            { name: '.dynsym', type: SHT_DYNSYM, data: symtab(le, is64, [{ name: 1, value: 0x1010, size: 0x20, type: STT_FUNC, shndx: 1 }, { name: 6, value: 0x1100, size: 8, type: STT_OBJECT, shndx: 1 }]), link: 3, entsize: is64 ? 24 : 16, addralign: 8 },
            { name: '.gnu_debuglink', type: SHT_PROGBITS_FOR_TEST, data: debuglink },
          ],
        });
        const r = open(bytes);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        const e = r.value;
        expect(e.header.fields.is64).toBe(is64);
        expect(e.header.fields.littleEndian).toBe(le);
        expect(e.header.type).toBe(ET_DYN);
        expect(e.segments.map((s) => [s.type, s.vaddr, s.filesz, s.memsz])).toEqual([
          [PT_LOAD, 0x1000, 64, 128],
          [PT_NOTE, 0x2000, buildIdNote.length, buildIdNote.length],
        ]);
        const secs = e.sections();
        expect(secs.ok).toBe(true);
        if (!secs.ok) return;
        expect(secs.value.map((s) => s.name)).toEqual(['', '.text', '.note.gnu.build-id', '.dynstr', '.dynsym', '.gnu_debuglink', '.shstrtab']);
        // The fields elfy reads from the wrong offsets:
        expect(secs.value[1].addralign).toBe(16);
        expect(secs.value[4].entsize).toBe(is64 ? 24 : 16);
        expect(secs.value[4].addralign).toBe(8);
        expect(e.buildId()).toBe('0123456789abcdef0123');
        expect(e.debugLink()).toEqual({ file: 'libfoo.debug', crc: 0xdeadbeef });
        const syms = e.symbols();
        expect(syms.lookup('main')).toMatchObject({ value: 0x1010, size: 0x20 });
        expect(syms.lookup('counter')).toMatchObject({ value: 0x1100 });
        expect(syms.nearest(0x1015)?.name).toBe('main');
        expect(syms.nearest(0x1104)?.name).toBe('counter');
        expect(syms.nearest(0x10)).toBeUndefined();
        expect(e.vaddrOfOffset(e.segments[0].offset + 4)).toBe(0x1004);
      });
    }
  }

  it('reads the real section count from section 0 when e_shnum overflows', () => {
    const bytes = buildElf({ type: ET_DYN, machine: EM_X86_64, sections: [{ name: '.a', type: SHT_PROGBITS_FOR_TEST, data: Buffer.alloc(4) }] });
    const shoff = Number(bytes.readBigUInt64LE(40));
    const shnum = bytes.readUInt16LE(60);
    bytes.writeUInt16LE(0, 60); // e_shnum = 0: the count lives in section 0's sh_size
    bytes.writeBigUInt64LE(BigInt(shnum), shoff + 32);
    const r = open(bytes);
    expect(r.ok && r.value.sections().ok && (r.value.sections() as { value: unknown[] }).value.length).toBe(shnum);
  });

  describe('malformed input gives a typed error, never an exception', () => {
    const good = buildElf({ type: ET_DYN, machine: EM_X86_64, segments: [{ type: PT_LOAD, vaddr: 0, data: Buffer.alloc(32) }], sections: [{ name: '.a', type: SHT_PROGBITS_FOR_TEST, data: Buffer.alloc(4) }] });
    const cases: [string, Buffer, string][] = [
      ['empty', Buffer.alloc(0), 'empty file'],
      ['not ELF', Buffer.from('#!/bin/sh\necho hi\n'), 'not an ELF file'],
      ['truncated header', good.subarray(0, 40), 'truncated'],
      ['bad class', (() => { const b = Buffer.from(good); b[4] = 9; return b; })(), 'unsupported ELF: EI_CLASS 9'],
      ['phoff past the end', (() => { const b = Buffer.from(good); b.writeBigUInt64LE(1n << 40n, 32); return b; })(), 'program header table'],
      ['phentsize too small', (() => { const b = Buffer.from(good); b.writeUInt16LE(8, 54); return b; })(), 'e_phentsize'],
    ];
    for (const [what, bytes, message] of cases) {
      it(what, () => {
        const r = open(bytes);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(formatElfError(r.error)).toContain(message);
      });
    }

    it('section table past the end of the file', () => {
      const b = Buffer.from(good);
      b.writeBigUInt64LE(1n << 40n, 40);
      const r = open(b);
      expect(r.ok).toBe(true);
      if (r.ok) {
        const s = r.value.sections();
        expect(s.ok).toBe(false);
        expect(r.value.symbols().symbols).toEqual([]);
        expect(r.value.buildId()).toBeNull();
      }
    });

    it('a note whose size runs past its segment ends the note list', () => {
      const n = note('GNU', 3, Buffer.alloc(20, 1));
      n.writeUInt32LE(0x7fffffff, 4); // descsz lies
      const r = open(buildElf({ type: ET_DYN, machine: EM_X86_64, segments: [{ type: PT_NOTE, vaddr: 0, data: n }] }));
      expect(r.ok && [...r.value.notes()].length).toBe(0);
    });
  });
});

describe('core notes', () => {
  function prstatusX86(tid: number, sig: number, rip: number, fsBase: number): Buffer {
    const b = Buffer.alloc(336);
    b.writeInt16LE(sig, 12);
    b.writeInt32LE(tid, 32);
    b.writeBigUInt64LE(BigInt(rip), 112 + 16 * 8);
    b.writeBigUInt64LE(BigInt(fsBase), 112 + 21 * 8);
    return b;
  }

  it('reads threads, process info, signal info, auxv and mapped files (x86_64)', () => {
    const w = new Writer(true, true);
    const ps = Buffer.alloc(136);
    ps.writeInt32LE(4242, 24);
    ps.write('python3.12', 40, 'latin1');
    ps.write('python3 -X faulthandler crash.py', 56, 'latin1');
    const si = Buffer.alloc(128);
    si.writeInt32LE(11, 0);
    si.writeInt32LE(1, 8);
    si.writeBigUInt64LE(0x10n, 16);
    const auxv = new Writer().u64(33).u64(0x7fff0000).u64(31).u64(0x7ffff000).u64(0).u64(0).build();
    const files = new Writer().u64(2).u64(4096).u64(0x400000).u64(0x401000).u64(0).u64(0x401000).u64(0x402000).u64(1).cstr('/usr/bin/python3').cstr('/usr/bin/python3').build();
    const notes = Buffer.concat([
      note('CORE', NT_PRSTATUS, prstatusX86(100, 11, 0x401234, 0x7f0000001000)),
      note('CORE', NT_PRPSINFO, ps),
      note('CORE', NT_SIGINFO, si),
      note('CORE', NT_AUXV, auxv),
      note('CORE', NT_FILE, files),
      note('CORE', NT_PRSTATUS, prstatusX86(101, 0, 0x401000, 0x7f0000002000)),
    ]);
    w.raw(notes);
    const core = open(buildElf({ type: ET_CORE, machine: EM_X86_64, segments: [{ type: PT_NOTE, vaddr: 0, data: notes, align: 4 }] }));
    expect(core.ok).toBe(true);
    if (!core.ok) return;
    const c = parseCoreNotes(core.value.notes(), core.value.header.fields, EM_X86_64);
    expect(c.threads.map((t) => [t.tid, t.signal, t.registers.rip, t.threadPointer, t.index])).toEqual([
      [100, 11, 0x401234, 0x7f0000001000, 0],
      [101, 0, 0x401000, 0x7f0000002000, 1],
    ]);
    expect(c.process).toMatchObject({ pid: 4242, fname: 'python3.12', psargs: 'python3 -X faulthandler crash.py' });
    expect(c.signal).toEqual({ signo: 11, errno: 0, code: 1, address: 0x10 });
    expect(c.auxv.get(31)).toBe(0x7ffff000);
    expect(c.files).toEqual([
      { start: 0x400000, end: 0x401000, fileOffset: 0, path: '/usr/bin/python3' },
      { start: 0x401000, end: 0x402000, fileOffset: 4096, path: '/usr/bin/python3' },
    ]);
    expect(c.problems).toEqual([]);
  });

  it('does not report a fault address for a signal sent by a process (si_code <= 0)', () => {
    const si = Buffer.alloc(128);
    si.writeInt32LE(11, 0);
    si.writeInt32LE(-6, 8);
    si.writeBigUInt64LE(1234n, 16);
    const c = parseCoreNotes([{ name: 'CORE', type: NT_SIGINFO, desc: si, offset: 0 }], open(buildElf({ type: ET_CORE, machine: EM_X86_64 })).ok ? (open(buildElf({ type: ET_CORE, machine: EM_X86_64 })) as { value: ElfFile }).value.header.fields : (null as never), EM_X86_64);
    expect(c.signal?.address).toBeNull();
  });

  it('reads aarch64 registers and the TLS register note', () => {
    const pr = Buffer.alloc(392);
    pr.writeInt32LE(7, 32);
    pr.writeBigUInt64LE(0xaaaa0000n, 112 + 32 * 8); // pc
    const tls = Buffer.alloc(8);
    tls.writeBigUInt64LE(0xffff8000n);
    const e = open(buildElf({ type: ET_CORE, machine: EM_AARCH64 }));
    if (!e.ok) throw new Error('builder');
    const c = parseCoreNotes([{ name: 'CORE', type: NT_PRSTATUS, desc: pr, offset: 0 }, { name: 'LINUX', type: 0x401, desc: tls, offset: 0 }], e.value.header.fields, EM_AARCH64);
    expect(c.threads[0]).toMatchObject({ tid: 7, threadPointer: 0xffff8000 });
    expect(c.threads[0].registers.pc).toBe(0xaaaa0000);
  });

  it('refuses an NT_FILE note whose count cannot fit', () => {
    const e = open(buildElf({ type: ET_CORE, machine: EM_X86_64 }));
    if (!e.ok) throw new Error('builder');
    const files = new Writer().u64(1e12).u64(4096).build();
    const c = parseCoreNotes([{ name: 'CORE', type: NT_FILE, desc: files, offset: 0 }], e.value.header.fields, EM_X86_64);
    expect(c.files).toEqual([]);
    expect(c.problems[0]).toContain('NT_FILE');
  });
});
