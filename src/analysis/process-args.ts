// The process's command line, read from its initial stack (argv strings survive in the core
// even when NT_PRPSINFO's 80-byte psargs cut them short).
import { AT_EXECFN } from '../elf/constants.js';
import type { Target } from '../target/target.js';

const MAX_ARGS = 4096;
const MAX_ARG_LEN = 128 * 1024;
const SEARCH_BYTES = 1024 * 1024;

export function readArgv(target: Target): string[] | null {
  const auxv = target.notes.auxv;
  const execfn = auxv.get(AT_EXECFN);
  if (!execfn || auxv.size === 0) return null;
  const w = target.memory.pointerSize;
  const le = target.memory.littleEndian;
  // The auxv array sits on the stack below the strings: find its first entries there.
  const entries = [...auxv.entries()].slice(0, 2);
  const pattern = Buffer.alloc(entries.length * 2 * w);
  entries.forEach(([k, v], i) => {
    writeWord(pattern, i * 2 * w, k, w, le);
    writeWord(pattern, i * 2 * w + w, v, w, le);
  });
  const word = (a: number) => {
    const b = target.memory.read(a, w);
    return b ? readWord(b, 0, w, le) : null;
  };
  const chunk = 64 * 1024;
  for (let top = execfn; top > execfn - SEARCH_BYTES; top -= chunk - pattern.length) {
    const start = top - chunk;
    const b = target.memory.read(start, chunk);
    if (!b) continue;
    const at = b.lastIndexOf(pattern);
    if (at < 0 || (start + at) % w !== 0) continue;
    // Walk down: NULL ending envp, envp pointers, NULL ending argv, argv pointers, argc.
    let p = start + at - w;
    if (word(p) !== 0) return null;
    p -= w;
    let guard = 0;
    while (guard++ < 1_000_000) {
      const v = word(p);
      if (v === null) return null;
      if (v === 0) break;
      p -= w;
    }
    const argvEnd = p;
    const ptrs: number[] = [];
    for (p = argvEnd - w; ptrs.length <= MAX_ARGS; p -= w) {
      const v = word(p);
      if (v === null) return null;
      if (v === ptrs.length) break; // argc
      ptrs.unshift(v);
    }
    const out: string[] = [];
    for (const a of ptrs) {
      const s = readCString(target, a, MAX_ARG_LEN);
      if (s === null) return null;
      out.push(s);
    }
    return out;
  }
  return null;
}

export function readCString(target: Target, address: number, max: number): string | null {
  const parts: Buffer[] = [];
  let len = 0;
  while (len < max) {
    const n = Math.min(256, 4096 - ((address + len) % 4096));
    const b = target.memory.read(address + len, n);
    if (!b) return null;
    const z = b.indexOf(0);
    if (z >= 0) {
      parts.push(b.subarray(0, z));
      return Buffer.concat(parts).toString('utf8');
    }
    parts.push(b);
    len += n;
  }
  return Buffer.concat(parts).toString('utf8');
}

function writeWord(b: Buffer, o: number, v: number, w: number, le: boolean) {
  if (w === 8) le ? b.writeBigUInt64LE(BigInt(v), o) : b.writeBigUInt64BE(BigInt(v), o);
  else le ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o);
}

function readWord(b: Buffer, o: number, w: number, le: boolean): number {
  if (w === 8) return Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
  return le ? b.readUInt32LE(o) : b.readUInt32BE(o);
}
