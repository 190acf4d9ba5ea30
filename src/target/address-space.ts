// The crashed process's memory as one address space, in layers (like Delve's SplicedMemory):
// the core's own segments on top, then the file-backed mappings that the core left out, read
// from the executable and libraries named in NT_FILE.
import type { ByteSource } from '../io/byte-source.js';

export interface Region {
  start: number;
  end: number;
  source: ByteSource;
  /** Offset in `source` of the byte at `start`. */
  sourceOffset: number;
  /** Bytes past the source's end but inside the region read as zeros (the tail of a file's last page). */
  zeroFillEnd: number;
  origin: string;
}

export type MemoryFault =
  | { kind: 'unmapped'; address: number }
  | { kind: 'not-in-core'; address: number; mapping: string };

export function formatMemoryFault(f: MemoryFault): string {
  const a = `0x${f.address.toString(16)}`;
  return f.kind === 'unmapped' ? `address ${a} is not mapped in the process` : `address ${a} is in ${f.mapping}, which the core does not contain and no matching file supplies`;
}

export interface Memory {
  /** Exactly `length` bytes at `address`, or null when any of them is unreadable. */
  read(address: number, length: number): Buffer | null;
  /** Why `address` cannot be read (for messages); null when it can. */
  fault(address: number): MemoryFault | null;
  readonly pointerSize: number;
  readonly littleEndian: boolean;
}

/** Which of a set of disjoint address ranges holds an address, the last hit tried first. */
export class RegionSet<R extends { start: number; end: number } = Region> {
  private readonly regions: R[];
  private last: R | null = null;
  constructor(regions: R[]) {
    this.regions = regions.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  }
  find(address: number): R | null {
    const l = this.last;
    if (l && address >= l.start && address < l.end) return l;
    const rs = this.regions;
    let lo = 0;
    let hi = rs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = rs[mid];
      if (address < r.start) hi = mid - 1;
      else if (address >= r.end) lo = mid + 1;
      else {
        this.last = r;
        return r;
      }
    }
    return null;
  }
  get all(): readonly R[] {
    return this.regions;
  }
}

export interface KnownMapping {
  start: number;
  end: number;
  name: string;
}

export class AddressSpace implements Memory {
  private readonly core: RegionSet;
  private readonly files: RegionSet;
  private readonly known: RegionSet;

  constructor(
    coreRegions: Region[],
    fileRegions: Region[],
    /** Every mapping the process had (core PT_LOADs and NT_FILE entries), dumped or not. */
    knownMappings: KnownMapping[],
    readonly pointerSize: number,
    readonly littleEndian: boolean,
  ) {
    this.core = new RegionSet(coreRegions);
    this.files = new RegionSet(fileRegions);
    const dummy = { read: () => Buffer.alloc(0), close() {}, size: 0, name: '' };
    this.known = new RegionSet(knownMappings.map((m) => ({ start: m.start, end: m.end, source: dummy, sourceOffset: 0, zeroFillEnd: 0, origin: m.name })));
  }

  get coreRegions(): readonly Region[] {
    return this.core.all;
  }

  read(address: number, length: number): Buffer | null {
    return this.readFrom(address, length, true);
  }

  /** Only what the core itself holds: used to compare a file with the copy of it the core recorded. */
  readCoreOnly(address: number, length: number): Buffer | null {
    return this.readFrom(address, length, false);
  }

  private readFrom(address: number, length: number, withFiles: boolean): Buffer | null {
    if (!(address >= 0) || !Number.isSafeInteger(address) || length < 0) return null;
    const first = this.chunk(address, length, withFiles);
    if (first === null || first.length === length) return first;
    // The read crosses a region boundary: gather the pieces.
    const out = Buffer.allocUnsafe(length);
    first.copy(out, 0);
    let got = first.length;
    while (got < length) {
      const piece = this.chunk(address + got, length - got, withFiles);
      if (piece === null || piece.length === 0) return null;
      piece.copy(out, got);
      got += piece.length;
    }
    return out;
  }

  private chunk(address: number, length: number, withFiles: boolean): Buffer | null {
    const r = this.core.find(address) ?? (withFiles ? this.files.find(address) : null);
    if (!r) return null;
    const n = Math.min(length, r.end - address);
    const off = r.sourceOffset + (address - r.start);
    const b = r.source.read(off, n);
    if (b.length === n) return b;
    // Past the end of the backing file: zero-filled up to the end of that page, else unreadable.
    const zeroEnd = r.zeroFillEnd;
    if (address + n > zeroEnd) return b.length > 0 ? b : null;
    const out = Buffer.alloc(n);
    b.copy(out, 0);
    return out;
  }

  fault(address: number): MemoryFault | null {
    if (this.core.find(address) || this.files.find(address)) return null;
    const k = this.known.find(address);
    return k ? { kind: 'not-in-core', address, mapping: k.origin } : { kind: 'unmapped', address };
  }
}
