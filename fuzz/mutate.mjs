// Seeded, reproducible mutations of a core file: each mutation is a plain record, so a failing
// input is saved as (base core, mutations) and rebuilt exactly by the regression test.
import { readFileSync } from 'node:fs';

/** xorshift32: small, fast, and the same sequence everywhere for a seed. */
export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

function loadSegments(core) {
  // ELF64 little-endian program headers: where the core's memory lives in the file.
  const phoff = Number(core.readBigUInt64LE(32));
  const phnum = core.readUInt16LE(56);
  const segs = [];
  for (let i = 0; i < phnum && phoff + (i + 1) * 56 <= core.length; i++) {
    const o = phoff + i * 56;
    segs.push({ type: core.readUInt32LE(o), offset: Number(core.readBigUInt64LE(o + 8)), vaddr: Number(core.readBigUInt64LE(o + 16)), filesz: Number(core.readBigUInt64LE(o + 32)) });
  }
  return segs;
}

/** Plans `count` mutations for `core` from the random source. */
export function planMutations(core, random, count) {
  const segs = loadSegments(core);
  const loads = segs.filter((s) => s.type === 1 && s.filesz > 0 && s.offset + s.filesz <= core.length);
  const notes = segs.filter((s) => s.type === 4);
  const mapped = (v) => loads.find((s) => v >= s.vaddr && v < s.vaddr + s.filesz);
  const pick = (n) => Math.floor(random() * n);
  const out = [];
  for (let i = 0; i < count; i++) {
    const r = random();
    if (r < 0.05) {
      out.push({ kind: 'truncate', at: pick(core.length) });
    } else if (r < 0.2 && notes.length) {
      const n = notes[pick(notes.length)];
      out.push({ kind: 'flip', at: n.offset + pick(Math.max(1, n.filesz)), bit: pick(8) });
    } else if (r < 0.25) {
      out.push({ kind: 'flip', at: pick(Math.min(core.length, 64 + 56 * 64)), bit: pick(8) });
    } else {
      // A pointer-like word in the core's memory: send it somewhere hostile.
      const seg = loads[pick(loads.length)];
      let at = -1;
      for (let tries = 0; tries < 64; tries++) {
        const o = seg.offset + pick(Math.floor(seg.filesz / 8)) * 8;
        const v = Number(core.readBigUInt64LE(o));
        if (mapped(v)) {
          at = o;
          break;
        }
      }
      if (at < 0) continue;
      const self = seg.vaddr + (at - seg.offset);
      const choices = [self, self - 8, 0x10, 0xdeadbeef000, Number(core.readBigUInt64LE(at)) + 8, 2 ** 40, -1, 0x7fffffffffffffffn];
      const value = choices[pick(choices.length)];
      out.push({ kind: 'word', at, value: String(value) });
    }
  }
  return out;
}

/** The mutated bytes: `base` with `mutations` applied in order. */
export function applyMutations(base, mutations) {
  let b = Buffer.from(base);
  for (const m of mutations) {
    if (m.kind === 'truncate') b = b.subarray(0, m.at);
    else if (m.kind === 'flip' && m.at < b.length) b[m.at] ^= 1 << m.bit;
    else if (m.kind === 'word' && m.at + 8 <= b.length) b.writeBigInt64LE(BigInt.asIntN(64, BigInt(m.value)), m.at);
  }
  return b;
}

export function readBase(path) {
  return readFileSync(path);
}
