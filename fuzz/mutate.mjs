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

// Crash logs (for `explain`): the ways a log arrives damaged or hostile — bit flips, truncation,
// CRLF line ends, terminal escapes, huge lines, another log interleaved, binary garbage.
const HOSTILE = ['\x1b]0;pwned\x07', '\x1b[2J', '\x1b[31m', '\x9b1;1H', '\r', '\0', '\x7f', '\u202e', '\ud800', 'File "\x1b[2J", line 1 in \x1b]0;x\x07'];

/** Plans `count` mutations of log `base` (a Buffer); `others` are names of other corpus logs. */
export function planLogMutations(base, random, count, others) {
  const pick = (n) => Math.floor(random() * n);
  const out = [];
  for (let i = 0; i < count; i++) {
    const r = random();
    const at = pick(base.length + 1);
    if (r < 0.2) out.push({ kind: 'flip', at, bit: pick(8) });
    else if (r < 0.3) out.push({ kind: 'truncate', at });
    else if (r < 0.4) out.push({ kind: 'crlf' });
    else if (r < 0.55) out.push({ kind: 'insert', at, text: HOSTILE[pick(HOSTILE.length)] });
    else if (r < 0.65) out.push({ kind: 'huge-line', at, length: [4096, 65536, 1 << 20, 4 << 20][pick(4)], text: ['A', '  File "', 'Thread 0x', '\x1b['][pick(4)] });
    else if (r < 0.75) out.push({ kind: 'interleave', other: others[pick(others.length)], every: 1 + pick(4) });
    else if (r < 0.85) out.push({ kind: 'garbage', at, length: 1 + pick(512), seed: 1 + pick(2 ** 31) });
    else if (r < 0.92) out.push({ kind: 'repeat-line', line: pick(64), times: [100, 10000, 200000][pick(3)] });
    else out.push({ kind: 'delete-lines', line: pick(64), count: 1 + pick(8) });
  }
  return out;
}

/** The mutated log: `base` with `mutations` applied in order; `readOther(name)` gives another log. */
export function applyLogMutations(base, mutations, readOther) {
  let b = Buffer.from(base);
  const lines = () => b.toString('latin1').split('\n');
  const fromLines = (ls) => Buffer.from(ls.join('\n'), 'latin1');
  for (const m of mutations) {
    const at = Math.min(m.at ?? 0, b.length);
    if (m.kind === 'flip' && at < b.length) b[at] ^= 1 << m.bit;
    else if (m.kind === 'truncate') b = b.subarray(0, at);
    else if (m.kind === 'crlf') b = Buffer.from(b.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(m.text, 'utf8'), b.subarray(at)]);
    else if (m.kind === 'huge-line') b = Buffer.concat([b.subarray(0, at), Buffer.from(m.text.repeat(Math.ceil(m.length / m.text.length)).slice(0, m.length), 'latin1'), b.subarray(at)]);
    else if (m.kind === 'garbage') {
      const g = Buffer.alloc(m.length);
      const r = rng(m.seed);
      for (let i = 0; i < g.length; i++) g[i] = Math.floor(r() * 256);
      b = Buffer.concat([b.subarray(0, at), g, b.subarray(at)]);
    } else if (m.kind === 'interleave') {
      const mine = lines();
      const theirs = readOther(m.other).toString('latin1').split('\n');
      const out = [];
      for (let i = 0, j = 0; i < mine.length || j < theirs.length; ) {
        for (let k = 0; k < m.every && i < mine.length; k++) out.push(mine[i++]);
        if (j < theirs.length) out.push(theirs[j++]);
      }
      b = fromLines(out);
    } else if (m.kind === 'repeat-line') {
      const ls = lines();
      const n = m.line % Math.max(1, ls.length);
      // Repeated up to 32 MB in all: big enough to test bounds, small enough to build.
      const times = Math.min(m.times, Math.floor(2 ** 25 / ((ls[n] ?? '').length + 1)));
      b = fromLines([...ls.slice(0, n), ...Array(times).fill(ls[n] ?? ''), ...ls.slice(n)]);
    } else if (m.kind === 'delete-lines') {
      const ls = lines();
      ls.splice(m.line % Math.max(1, ls.length), m.count);
      b = fromLines(ls);
    }
  }
  return b;
}
