// Code-object line tables, decoded as CPython's PyCode_Addr2Line does. Pure functions of bytes:
// `offset` is a byte offset into the bytecode in every format.

/** 3.6-3.9 co_lnotab: (address increment, signed line increment) byte pairs; 2.7's increments are unsigned. */
export function lnotabLine(table: Uint8Array, firstLine: number, offset: number, unsigned = false): number {
  let line = firstLine;
  let addr = 0;
  for (let i = 0; i + 1 < table.length; i += 2) {
    addr += table[i];
    if (addr > offset) break;
    line += unsigned ? table[i + 1] : (table[i + 1] << 24) >> 24;
  }
  return line;
}

/** 3.10 co_linetable (PEP 626): (byte length, signed line delta) pairs; delta -128 means "no line". */
export function linetable310Line(table: Uint8Array, firstLine: number, offset: number): number {
  if (offset < 0) return firstLine;
  let computed = firstLine;
  let end = 0;
  let line = -1;
  for (let i = 0; i + 1 < table.length; i += 2) {
    const start = end;
    end += table[i];
    const delta = (table[i + 1] << 24) >> 24;
    if (delta === -128) line = -1;
    else {
      computed += delta;
      line = computed;
    }
    if (start <= offset && offset < end) return line;
  }
  return -1;
}

/** 3.11+ location table: entries of 1..8 code units, each with a line delta; see Objects/locations.md. */
export function locationTableLine(table: Uint8Array, firstLine: number, offset: number): number {
  if (offset < 0) return firstLine;
  let computed = firstLine;
  let end = 0;
  let i = 0;
  while (i < table.length) {
    const head = table[i];
    const code = (head >> 3) & 15;
    const start = end;
    end += ((head & 7) + 1) * 2;
    let delta = 0;
    if (code === 13 || code === 14) delta = readSignedVarint(table, i + 1);
    else if (code >= 10 && code <= 12) delta = code - 10;
    computed += delta;
    const line = code === 15 ? -1 : computed;
    if (start <= offset && offset < end) return line;
    i++;
    while (i < table.length && (table[i] & 128) === 0) i++;
  }
  return -1;
}

function readSignedVarint(t: Uint8Array, i: number): number {
  let v = 0;
  let shift = 0;
  while (i < t.length && shift < 35) {
    const b = t[i++];
    v += (b & 63) * 2 ** shift;
    shift += 6;
    if (!(b & 64)) break;
  }
  return v & 1 ? -Math.floor(v / 2) : Math.floor(v / 2);
}
