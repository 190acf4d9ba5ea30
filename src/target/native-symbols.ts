// Function names for native frames, chosen the way gdb chooses a "minimal symbol" for an address
// (gdb/minsyms.c lookup_minimal_symbol_by_pc_section, gdb 13): symbols of .symtab, or of .dynsym
// when there is no .symtab; only those in the section that holds the address; at one address
// the name that sorts last; a sized symbol only covers its size, a zero-sized one covers up to
// the next symbol. So a static function of a stripped library gets no name (gdb's `??`) rather
// than the name of the exported function that happens to precede it.
import { SHN_UNDEF, STT_GNU_IFUNC } from '../elf/constants.js';
import type { ElfFile } from '../elf/elf-file.js';
import type { ElfSymbol } from '../elf/symbols.js';

const SHF_ALLOC = 0x2;
const SHN_LORESERVE = 0xff00;
const STT_SECTION = 3;
const STT_FILE = 4;
const STT_TLS = 6;
const STB_LOCAL = 0;

export interface NativeSymbol {
  name: string;
  /** Link-time address of the symbol. */
  value: number;
  size: number;
}

interface MinSym extends NativeSymbol {
  shndx: number;
  /** gdb's mst_text (global function) vs mst_file_text / mst_text_gnu_ifunc: preferred at a tie. */
  text: boolean;
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One module's symbols, sorted for address lookups (built on first use). */
export class ModuleSymbols {
  private syms: MinSym[] | null = null;
  private sections: { start: number; end: number; index: number }[] | null = null;

  constructor(private readonly elf: ElfFile) {}

  private table(): MinSym[] {
    if (this.syms) return this.syms;
    const all = this.elf.symbols().symbols;
    const fromSymtab = all.some((s) => s.table === '.symtab');
    const keep = (s: ElfSymbol) =>
      s.table === (fromSymtab ? '.symtab' : '.dynsym') &&
      s.name !== '' &&
      s.shndx !== SHN_UNDEF &&
      s.shndx < SHN_LORESERVE &&
      s.type !== STT_SECTION &&
      s.type !== STT_FILE &&
      s.type !== STT_TLS &&
      !s.name.startsWith('.L');
    const out: MinSym[] = [];
    for (const s of all) {
      if (keep(s)) out.push({ name: s.name, value: s.value, size: s.size, shndx: s.shndx, text: s.bind !== STB_LOCAL && s.type !== STT_GNU_IFUNC });
    }
    out.sort((a, b) => a.value - b.value || byteOrder(a.name, b.name));
    // gdb keeps one of each (address, name) pair (.symtab often lists a global twice).
    let n = 0;
    for (const s of out) if (n === 0 || out[n - 1].value !== s.value || out[n - 1].name !== s.name) out[n++] = s;
    out.length = n;
    this.syms = out;
    return out;
  }

  private sectionOf(pc: number): number | null {
    if (!this.sections) {
      const s = this.elf.sections();
      this.sections = s.ok ? s.value.filter((x) => x.flags & SHF_ALLOC && x.size > 0).map((x) => ({ start: x.addr, end: x.addr + x.size, index: x.index })) : [];
    }
    return this.sections.find((s) => pc >= s.start && pc < s.end)?.index ?? null;
  }

  /** Link-time address of the function symbol named `name` (the first of that name), or null. */
  addressOf(name: string): number | null {
    return this.table().find((s) => s.name === name)?.value ?? null;
  }

  /** The symbol gdb would name for link-time address `pc`, or null (gdb prints `??`). */
  lookup(pc: number): NativeSymbol | null {
    const section = this.sectionOf(pc);
    const syms = this.table();
    if (section === null || syms.length === 0 || pc < syms[0].value) return null;
    let lo = 0;
    let hi = syms.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (syms[mid].value <= pc) lo = mid;
      else hi = mid - 1;
    }
    hi = lo;
    let zeroSized = -1;
    while (hi >= 0) {
      const s = syms[hi];
      if (s.shndx !== section) {
        hi--;
        continue;
      }
      const prev = hi > 0 ? syms[hi - 1] : null;
      if (prev && !s.text && prev.text && prev.size === s.size && prev.value === s.value && prev.shndx === s.shndx) {
        hi--;
        continue;
      }
      if (s.size === 0) {
        if (zeroSized === -1) zeroSized = hi;
        hi--;
        continue;
      }
      if (prev && pc >= s.value + s.size && pc < prev.value + prev.size) {
        hi--;
        continue;
      }
      break;
    }
    if (zeroSized !== -1 && (hi < 0 || syms[hi].size === 0)) hi = zeroSized;
    if (hi >= 0 && syms[hi].size !== 0 && pc >= syms[hi].value + syms[hi].size) {
      if (zeroSized === -1) return null;
      hi = zeroSized;
    }
    if (hi < 0) return null;
    const s = syms[hi];
    return { name: s.name, value: s.value, size: s.size };
  }
}
