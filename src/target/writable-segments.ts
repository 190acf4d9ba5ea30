// The core's writable PT_LOAD segments: where malloc's blocks, the threads' stacks and the
// modules' data and .bss lie. One index per target: the memory check asks whether an address
// can be a heap block's, the runtime scans read the segments for _PyRuntime.
import { PF_W, PT_LOAD } from '../elf/constants.js';
import type { ProgramHeader } from '../elf/segments.js';
import { RegionSet } from './address-space.js';

export class WritableSegments {
  private readonly index: RegionSet<{ start: number; end: number; segment: ProgramHeader }>;

  constructor(segments: readonly ProgramHeader[]) {
    this.index = new RegionSet(segments.filter((p) => p.type === PT_LOAD && p.flags & PF_W).map((p) => ({ start: p.vaddr, end: p.vaddr + p.memsz, segment: p })));
  }

  /** The segments by address (those of no size left out). */
  get all(): ProgramHeader[] {
    return this.index.all.map((r) => r.segment);
  }

  /** Whether a writable segment's memory (what the core holds of it or not) holds `address`. */
  holds(address: number): boolean {
    return this.index.find(address) !== null;
  }
}
