// .symtab / .dynsym: name -> symbol and address -> nearest symbol, built lazily on first use.
import { SHN_UNDEF, STT_FUNC, STT_GNU_IFUNC, STT_OBJECT } from './constants.js';
import type { Fields } from './fields.js';
import { cString } from './sections.js';

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  type: number;
  bind: number;
  shndx: number;
  table: '.symtab' | '.dynsym';
}

export class SymbolTable {
  private byNameIndex: Map<string, ElfSymbol> | null = null;
  private byAddress: ElfSymbol[] | null = null;

  constructor(readonly symbols: readonly ElfSymbol[]) {}

  static parse(entries: Buffer, strings: Buffer, f: Fields, table: '.symtab' | '.dynsym', maxSymbols: number): ElfSymbol[] {
    const size = f.is64 ? 24 : 16;
    const n = Math.min(Math.floor(entries.length / size), maxSymbols);
    const out: ElfSymbol[] = [];
    for (let i = 1; i < n; i++) {
      const o = i * size;
      const nameOff = f.u32(entries, o);
      const info = f.is64 ? entries[o + 4] : entries[o + 12];
      const shndx = f.is64 ? f.u16(entries, o + 6) : f.u16(entries, o + 14);
      const value = f.is64 ? f.u64(entries, o + 8) : f.u32(entries, o + 4);
      const symSize = f.is64 ? f.u64(entries, o + 16) : f.u32(entries, o + 8);
      if (nameOff === 0) continue;
      out.push({ name: cString(strings, nameOff, 1024), value, size: symSize, type: info & 0xf, bind: info >> 4, shndx, table });
    }
    return out;
  }

  /** A defined symbol by exact name; .symtab entries win over .dynsym ones (same value anyway). */
  lookup(name: string): ElfSymbol | undefined {
    if (!this.byNameIndex) {
      this.byNameIndex = new Map();
      for (const s of this.symbols) {
        if (s.shndx === SHN_UNDEF) continue;
        const cur = this.byNameIndex.get(s.name);
        if (!cur || (cur.table === '.dynsym' && s.table === '.symtab')) this.byNameIndex.set(s.name, s);
      }
    }
    return this.byNameIndex.get(name);
  }

  /** The function or object symbol covering `value` (a link-time address), or the nearest below it. */
  nearest(value: number): ElfSymbol | undefined {
    if (!this.byAddress) {
      this.byAddress = this.symbols
        .filter((s) => s.shndx !== SHN_UNDEF && s.value !== 0 && (s.type === STT_FUNC || s.type === STT_OBJECT || s.type === STT_GNU_IFUNC))
        .sort((a, b) => a.value - b.value || b.size - a.size);
    }
    const arr = this.byAddress;
    let lo = 0;
    let hi = arr.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (arr[mid].value <= value) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) return undefined;
    // Prefer a sized symbol that actually contains the address among those at the same value.
    for (let i = best; i >= 0 && i > best - 64; i--) {
      const s = arr[i];
      if (value < s.value + Math.max(1, s.size)) return s;
      if (s.value !== arr[best].value) break;
    }
    return arr[best];
  }
}
