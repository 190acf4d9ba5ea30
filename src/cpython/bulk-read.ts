// Bulk reads of the core's own memory for heap walks: whole arenas and 64 KiB windows read with
// one positional read straight into a caller's (reused) buffer, instead of through the shared
// page cache (which would copy every byte once more and evict the small pages other decoders
// need). Only ranges the core file itself holds are read this way; everything else (file-backed
// mappings, ranges crossing segments, in-memory test sources) goes through Memory.read().
import { closeSync, openSync, readSync } from 'node:fs';
import type { Region } from '../target/address-space.js';
import type { Target } from '../target/target.js';
import { RangeIndex } from './range-index.js';

export class BulkReader {
  private fd: number | null = null;
  /** The core's own regions, sorted, and an index over them. */
  private readonly regions: readonly Region[];
  private readonly index: RangeIndex;

  constructor(private readonly target: Target) {
    const core = target.core.source;
    this.regions = target.memory.coreRegions.filter((r) => r.source === core).sort((a, b) => a.start - b.start);
    this.index = new RangeIndex(this.regions);
    try {
      if (this.regions.length > 0) this.fd = openSync(core.name, 'r');
    } catch {
      this.fd = null;
    }
  }

  private region(address: number): Region | null {
    const i = this.index.find(address);
    return i < 0 ? null : this.regions[i];
  }

  /** Fills `buf[0 ... length)` with the memory at `address`; false when any of it is unreadable. */
  readInto(address: number, buf: Buffer, length: number): boolean {
    const r = this.fd === null ? null : this.region(address);
    if (r && address + length <= r.end) {
      let got = 0;
      const at = r.sourceOffset + (address - r.start);
      while (got < length) {
        const n = readSync(this.fd!, buf, got, length - got, at + got);
        if (n <= 0) break;
        got += n;
      }
      if (got === length) return true;
    }
    const b = this.target.memory.read(address, length);
    if (!b) return false;
    b.copy(buf, 0, 0, length);
    return true;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
