// .symtab / .dynsym: name -> symbol and address -> nearest symbol. The entries stay in typed
// columns read straight from the sections (a libc's .symtab is tens of thousands of entries, and
// a small core needs a handful of them): names are decoded only for the symbols asked about,
// by-name lookups search the string table, and the address order is an index sort.
import { lastAtOrBelow } from '../io/sorted.js';
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

/** One symbol section with its string table. */
export interface RawSymbolSection {
  entries: Buffer;
  strings: Buffer;
  table: '.symtab' | '.dynsym';
}

/** Names are cut at this many bytes (as cString cuts them). */
const MAX_NAME = 1024;
const ZERO = Buffer.alloc(1);

export class SymbolTable {
  /** Symbols with a name, in section order: column i is one symbol. */
  readonly count: number;
  readonly values: Float64Array;
  readonly sizes: Float64Array;
  readonly nameOffs: Uint32Array;
  readonly infos: Uint8Array;
  readonly shndxs: Uint16Array;
  /** Which section (index into `sections`) each symbol came from. */
  readonly from: Uint8Array;
  readonly sections: readonly RawSymbolSection[];
  private all: ElfSymbol[] | null = null;
  private byAddress: Uint32Array | null = null;

  constructor(sections: readonly RawSymbolSection[], f: Fields, maxSymbols: number) {
    this.sections = sections;
    const esize = f.is64 ? 24 : 16;
    let total = 0;
    for (const s of sections) total += Math.max(0, Math.min(Math.floor(s.entries.length / esize), maxSymbols) - 1);
    this.values = new Float64Array(total);
    this.sizes = new Float64Array(total);
    this.nameOffs = new Uint32Array(total);
    this.infos = new Uint8Array(total);
    this.shndxs = new Uint16Array(total);
    this.from = new Uint8Array(total);
    let k = 0;
    sections.forEach((s, si) => {
      const b = s.entries;
      const n = Math.min(Math.floor(b.length / esize), maxSymbols);
      for (let i = 1; i < n; i++) {
        const o = i * esize;
        const nameOff = f.u32(b, o);
        if (nameOff === 0) continue;
        this.nameOffs[k] = nameOff;
        this.infos[k] = f.is64 ? b[o + 4] : b[o + 12];
        this.shndxs[k] = f.is64 ? f.u16(b, o + 6) : f.u16(b, o + 14);
        this.values[k] = f.is64 ? f.u64(b, o + 8) : f.u32(b, o + 4);
        this.sizes[k] = f.is64 ? f.u64(b, o + 16) : f.u32(b, o + 8);
        this.from[k] = si;
        k++;
      }
    });
    this.count = k;
  }

  value(i: number): number {
    return this.values[i];
  }
  size(i: number): number {
    return this.sizes[i];
  }
  type(i: number): number {
    return this.infos[i] & 0xf;
  }
  bind(i: number): number {
    return this.infos[i] >> 4;
  }
  shndx(i: number): number {
    return this.shndxs[i];
  }
  table(i: number): '.symtab' | '.dynsym' {
    return this.sections[this.from[i]].table;
  }
  name(i: number): string {
    return cString(this.sections[this.from[i]].strings, this.nameOffs[i], MAX_NAME);
  }
  symbol(i: number): ElfSymbol {
    return { name: this.name(i), value: this.values[i], size: this.sizes[i], type: this.type(i), bind: this.bind(i), shndx: this.shndxs[i], table: this.table(i) };
  }

  /** Every named symbol, in section order (decodes every name: for callers that need them all). */
  get symbols(): readonly ElfSymbol[] {
    if (!this.all) {
      const out: ElfSymbol[] = new Array(this.count);
      for (let i = 0; i < this.count; i++) out[i] = this.symbol(i);
      this.all = out;
    }
    return this.all;
  }

  /** -1, 0 or 1 as symbol i's name sorts before, equal to or after symbol j's, byte by byte. */
  compareNames(i: number, j: number): number {
    const a = this.sections[this.from[i]].strings;
    const b = this.sections[this.from[j]].strings;
    let p = this.nameOffs[i];
    let q = this.nameOffs[j];
    for (let k = 0; k < MAX_NAME; k++, p++, q++) {
      const x = p < a.length ? a[p] : 0;
      const y = q < b.length ? b[q] : 0;
      if (x !== y) return x < y ? -1 : 1;
      if (x === 0) return 0;
    }
    return 0;
  }

  /** Whether symbol i's name begins with `prefix` ('equal': is exactly it), without decoding it. */
  nameStartsWith(i: number, prefix: Buffer): 'no' | 'prefix' | 'equal' {
    const s = this.sections[this.from[i]].strings;
    const off = this.nameOffs[i];
    if (off + prefix.length > s.length) return off >= s.length && prefix.length === 0 ? 'equal' : 'no';
    for (let k = 0; k < prefix.length; k++) if (s[off + k] !== prefix[k]) return 'no';
    return prefix.length === MAX_NAME || off + prefix.length === s.length || s[off + prefix.length] === 0 ? 'equal' : 'prefix';
  }

  private nameIs(i: number, want: Buffer): boolean {
    return this.nameStartsWith(i, want) === 'equal';
  }

  /** A defined symbol by exact name; .symtab entries win over .dynsym ones (same value anyway). */
  lookup(name: string): ElfSymbol | undefined {
    const want = Buffer.from(name, 'latin1');
    // Where the name sits in each string table (a native search), then which entries point
    // there: no name is decoded or hashed. Tables share suffixes, so every place counts.
    const places = this.sections.map((sec) => {
      const at = new Set<number>();
      if (want.length === 0 || want.length >= MAX_NAME) return null;
      const needle = Buffer.concat([want, ZERO]);
      for (let p = sec.strings.indexOf(needle); p >= 0; p = sec.strings.indexOf(needle, p + 1)) at.add(p);
      // The last name of a table missing its NUL still reads to the end.
      if (sec.strings.length >= want.length && sec.strings.subarray(sec.strings.length - want.length).equals(want)) at.add(sec.strings.length - want.length);
      return at;
    });
    let first = -1;
    for (let i = 0; i < this.count; i++) {
      if (this.shndxs[i] === SHN_UNDEF) continue;
      const at = places[this.from[i]];
      if (at ? !at.has(this.nameOffs[i]) : !this.nameIs(i, want.subarray(0, MAX_NAME))) continue;
      if (this.table(i) === '.symtab') return this.symbol(i);
      if (first < 0) first = i;
    }
    return first < 0 ? undefined : this.symbol(first);
  }

  /**
   * `indexes` sorted by value, ties by `tie` (then section order): a native sort of
   * value * 2^17 + position when every value allows it (link-time addresses of libraries and
   * executables do), the comparator sort otherwise.
   */
  sortByValue(indexes: number[], tie: (a: number, b: number) => number): Uint32Array {
    const v = this.values;
    const n = indexes.length;
    const SHIFT = 131072;
    const packable = n < SHIFT && indexes.every((i) => v[i] >= 0 && v[i] < 2 ** 36);
    if (!packable) return Uint32Array.from(indexes).sort((a, b) => v[a] - v[b] || tie(a, b) || a - b);
    const keys = new Float64Array(n);
    for (let k = 0; k < n; k++) keys[k] = v[indexes[k]] * SHIFT + k;
    keys.sort();
    const out = new Uint32Array(n);
    for (let k = 0; k < n; k++) out[k] = indexes[keys[k] % SHIFT];
    // Runs of one value: ordered by the tie-break (indexes came in section order, kept at a tie).
    for (let a = 0; a < n; ) {
      let b = a + 1;
      while (b < n && v[out[b]] === v[out[a]]) b++;
      if (b - a > 1) out.subarray(a, b).sort((x, y) => tie(x, y) || x - y);
      a = b;
    }
    return out;
  }

  /** The function or object symbol covering `value` (a link-time address), or the nearest below it. */
  nearest(value: number): ElfSymbol | undefined {
    if (!this.byAddress) {
      const keep: number[] = [];
      for (let i = 0; i < this.count; i++) {
        const t = this.type(i);
        if (this.shndxs[i] !== SHN_UNDEF && this.values[i] !== 0 && (t === STT_FUNC || t === STT_OBJECT || t === STT_GNU_IFUNC)) keep.push(i);
      }
      const sz = this.sizes;
      this.byAddress = this.sortByValue(keep, (a, b) => sz[b] - sz[a]);
    }
    const arr = this.byAddress;
    const v = this.values;
    const best = lastAtOrBelow(arr.length, (i) => v[arr[i]], value);
    if (best < 0) return undefined;
    // Prefer a sized symbol that actually contains the address among those at the same value.
    for (let i = best; i >= 0 && i > best - 64; i--) {
      const s = arr[i];
      if (value < v[s] + Math.max(1, this.sizes[s])) return this.symbol(s);
      if (v[s] !== v[arr[best]]) break;
    }
    return this.symbol(arr[best]);
  }
}
