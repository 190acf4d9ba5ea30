// Function names for native frames, chosen the way gdb chooses a "minimal symbol" for an address
// (gdb/minsyms.c lookup_minimal_symbol_by_pc_section, gdb 13): symbols of .symtab, or of .dynsym
// when there is no .symtab; only those in the section that holds the address; at one address
// the name that sorts last; a sized symbol only covers its size, a zero-sized one covers up to
// the next symbol. So a static function of a stripped library gets no name (gdb's `??`) rather
// than the name of the exported function that happens to precede it.
import { SHF_ALLOC, SHN_LORESERVE, SHN_UNDEF, STB_LOCAL, STT_FILE, STT_GNU_IFUNC, STT_SECTION, STT_TLS } from '../elf/constants.js';
import type { ElfFile } from '../elf/elf-file.js';
import { lastAtOrBelow } from '../io/sorted.js';
import type { SymbolTable } from '../elf/symbols.js';

/** Assembler-local labels (.L...), which gdb never names a function after. */
const DOT_L = Buffer.from('.L', 'latin1');
const EMPTY = Buffer.alloc(0);

export interface NativeSymbol {
  name: string;
  /** Link-time address of the symbol. */
  value: number;
  size: number;
}

/** One module's symbols, sorted for address lookups (built on first use): indexes into the
 *  module's SymbolTable, whose names are decoded only for the symbol a lookup returns. */
export class ModuleSymbols {
  private syms: Uint32Array | null = null;
  /** gdb's mst_text (global function) vs mst_file_text / mst_text_gnu_ifunc: preferred at a tie. */
  private text: Uint8Array | null = null;
  private sections: { start: number; end: number; index: number }[] | null = null;

  constructor(private readonly elf: ElfFile) {}

  private get st(): SymbolTable {
    return this.elf.symbols();
  }

  private table(): Uint32Array {
    if (this.syms) return this.syms;
    const st = this.st;
    const want = st.sections.findIndex((x, si) => x.table === '.symtab' && st.from.includes(si)) >= 0 ? '.symtab' : '.dynsym';
    const fromWanted = st.sections.map((x) => x.table === want);
    const keep: number[] = [];
    for (let i = 0; i < st.count; i++) {
      const shndx = st.shndxs[i];
      const type = st.infos[i] & 0xf;
      if (!fromWanted[st.from[i]] || shndx === SHN_UNDEF || shndx >= SHN_LORESERVE || type === STT_SECTION || type === STT_FILE || type === STT_TLS) continue;
      if (st.nameStartsWith(i, EMPTY) === 'equal' || st.nameStartsWith(i, DOT_L) !== 'no') continue;
      keep.push(i);
    }
    const out = st.sortByValue(keep, (a, b) => st.compareNames(a, b));
    // gdb keeps one of each (address, name) pair (.symtab often lists a global twice).
    let n = 0;
    for (const s of out) if (n === 0 || st.value(out[n - 1]) !== st.value(s) || st.compareNames(out[n - 1], s) !== 0) out[n++] = s;
    this.syms = out.subarray(0, n);
    this.text = new Uint8Array(n);
    for (let k = 0; k < n; k++) this.text[k] = st.bind(this.syms[k]) !== STB_LOCAL && st.type(this.syms[k]) !== STT_GNU_IFUNC ? 1 : 0;
    return this.syms;
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
    const want = Buffer.from(name, 'latin1');
    const idx = this.table();
    for (let k = 0; k < idx.length; k++) if (this.st.nameStartsWith(idx[k], want) === 'equal') return this.st.value(idx[k]);
    return null;
  }

  /** The symbol gdb would name for link-time address `pc`, or null (gdb prints `??`). */
  lookup(pc: number): NativeSymbol | null {
    const section = this.sectionOf(pc);
    const idx = this.table();
    const st = this.st;
    const text = this.text!;
    const value = (k: number) => st.value(idx[k]);
    const size = (k: number) => st.size(idx[k]);
    const shndx = (k: number) => st.shndx(idx[k]);
    if (section === null || idx.length === 0 || pc < value(0)) return null;
    let hi = lastAtOrBelow(idx.length, value, pc);
    let zeroSized = -1;
    while (hi >= 0) {
      if (shndx(hi) !== section) {
        hi--;
        continue;
      }
      const prev = hi > 0 ? hi - 1 : -1;
      if (prev >= 0 && !text[hi] && text[prev] && size(prev) === size(hi) && value(prev) === value(hi) && shndx(prev) === shndx(hi)) {
        hi--;
        continue;
      }
      if (size(hi) === 0) {
        if (zeroSized === -1) zeroSized = hi;
        hi--;
        continue;
      }
      if (prev >= 0 && pc >= value(hi) + size(hi) && pc < value(prev) + size(prev)) {
        hi--;
        continue;
      }
      break;
    }
    if (zeroSized !== -1 && (hi < 0 || size(hi) === 0)) hi = zeroSized;
    if (hi >= 0 && size(hi) !== 0 && pc >= value(hi) + size(hi)) {
      if (zeroSized === -1) return null;
      hi = zeroSized;
    }
    if (hi < 0) return null;
    return { name: st.name(idx[hi]), value: value(hi), size: size(hi) };
  }
}
