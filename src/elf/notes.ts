// ELF notes: (namesz, descsz, type, name, desc) records in PT_NOTE segments and SHT_NOTE sections.
import type { Fields } from './fields.js';

export interface Note {
  name: string;
  type: number;
  desc: Buffer;
  /** Offset of the note header within the buffer it was parsed from. */
  offset: number;
}

const MAX_NOTES = 1_000_000;

export function* parseNotes(b: Buffer, f: Fields, align: number): Generator<Note> {
  const a = align === 8 ? 8 : 4;
  const pad = (n: number) => (n + a - 1) & ~(a - 1);
  let o = 0;
  for (let i = 0; i < MAX_NOTES && o + 12 <= b.length; i++) {
    const namesz = f.u32(b, o);
    const descsz = f.u32(b, o + 4);
    const type = f.u32(b, o + 8);
    const nameStart = o + 12;
    const descStart = nameStart + pad(namesz);
    const end = descStart + pad(descsz);
    if (descStart + descsz > b.length) return; // a truncated note ends the list
    const nameEnd = namesz > 0 && b[nameStart + namesz - 1] === 0 ? nameStart + namesz - 1 : nameStart + namesz;
    yield { name: b.toString('latin1', nameStart, nameEnd), type, desc: b.subarray(descStart, descStart + descsz), offset: o };
    if (end <= o) return;
    o = end;
  }
}
