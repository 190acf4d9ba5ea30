// A streaming decoder for the LZ4 frame format (the `.lz4` files of the lz4 tool and of
// systemd-coredump), written here because no maintained pure-JS package decodes frames as a
// stream: lz4js decodes whole buffers only and node-lz4 builds native code at install time.
// Memory is bounded by the frame's block size (at most 4 MiB) plus the 64 KiB history of linked
// blocks; the header, block and content checksums (xxHash32) are verified when present.
import { XxHash32, xxh32 } from './xxhash32.js';

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const HISTORY = 64 * 1024;
const BLOCK_SIZES: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };

export class Lz4Error extends Error {}

interface Frame {
  blockMax: number;
  independent: boolean;
  blockChecksum: boolean;
  contentChecksum: XxHash32 | null;
  contentSize: bigint | null;
  produced: bigint;
  window: Uint8Array;
  historyLength: number;
}

type State = { kind: 'magic' } | { kind: 'skip'; remaining: number } | { kind: 'descriptor' } | { kind: 'block'; frame: Frame } | { kind: 'content-checksum'; frame: Frame };

/** Push compressed chunks, call end() after the last; `ondata` must consume each chunk before returning (it is reused). */
export class Lz4FrameDecoder {
  /** Unconsumed input, kept as a list until there is enough of it for the next unit. */
  private parts: Uint8Array[] = [];
  private partsLength = 0;
  /** Bytes the next unit needs (0: unknown, try with whatever there is). */
  private needed = 0;
  private state: State = { kind: 'magic' };
  private frames = 0;

  constructor(private readonly ondata: (chunk: Uint8Array) => void) {}

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.parts.push(chunk);
    this.partsLength += chunk.length;
    if (this.partsLength < this.needed) {
      // Our own copy, as it outlives this call (the caller may reuse its buffer).
      this.parts[this.parts.length - 1] = chunk.slice();
      return;
    }
    let b = this.parts.length === 1 ? this.parts[0] : concat(this.parts, this.partsLength);
    let at = 0;
    for (;;) {
      const used = this.step(b, at);
      if (used === 0) break;
      at += used;
      this.needed = 0;
    }
    b = b.subarray(at);
    this.parts = b.length ? [b.slice()] : [];
    this.partsLength = b.length;
  }

  end(): void {
    if (this.state.kind !== 'magic' || this.partsLength > 0) throw new Lz4Error('unexpected end of data (the file is truncated)');
    if (this.frames === 0) throw new Lz4Error('no LZ4 frame');
  }

  /** Consumes one unit at `at` when it is complete; returns how many bytes it used (0: need more). */
  private step(b: Uint8Array, at: number): number {
    const avail = b.length - at;
    const s = this.state;
    switch (s.kind) {
      case 'magic': {
        if (avail < 4) return 0;
        const magic = u32(b, at);
        if (magic === FRAME_MAGIC) {
          this.state = { kind: 'descriptor' };
          return 4;
        }
        if (((magic & SKIPPABLE_MASK) >>> 0) === SKIPPABLE_MAGIC) {
          if (avail < 8) return 0;
          this.state = { kind: 'skip', remaining: u32(b, at + 4) };
          return 8;
        }
        throw new Lz4Error(this.frames ? 'data after the last LZ4 frame is not an LZ4 frame' : 'not an LZ4 frame');
      }
      case 'skip': {
        if (avail === 0) return 0;
        const n = Math.min(avail, s.remaining);
        s.remaining -= n;
        if (s.remaining === 0) this.state = { kind: 'magic' };
        return n;
      }
      case 'descriptor': {
        if (avail < 2) return 0;
        const flg = b[at];
        const bd = b[at + 1];
        const length = 2 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0) + 1;
        if (avail < length) return 0;
        if (flg >> 6 !== 1) throw new Lz4Error(`unsupported LZ4 frame version ${flg >> 6}`);
        if (flg & 0x02 || bd & 0x8f) throw new Lz4Error('reserved bits set in the LZ4 frame descriptor');
        const blockMax = BLOCK_SIZES[(bd >> 4) & 7];
        if (!blockMax) throw new Lz4Error(`invalid LZ4 block size code ${(bd >> 4) & 7}`);
        const hc = (xxh32(b.subarray(at, at + length - 1)) >>> 8) & 0xff;
        if (hc !== b[at + length - 1]) throw new Lz4Error('LZ4 frame header checksum mismatch');
        if (flg & 0x01) throw new Lz4Error('LZ4 frame needs a dictionary, which a core never uses');
        const independent = (flg & 0x20) !== 0;
        this.state = {
          kind: 'block',
          frame: {
            blockMax,
            independent,
            blockChecksum: (flg & 0x10) !== 0,
            contentChecksum: flg & 0x04 ? new XxHash32() : null,
            contentSize: flg & 0x08 ? u64(b, at + 2) : null,
            produced: 0n,
            window: new Uint8Array((independent ? 0 : HISTORY) + blockMax),
            historyLength: 0,
          },
        };
        return length;
      }
      case 'block': {
        if (avail < 4) return 0;
        const f = s.frame;
        const word = u32(b, at);
        if (word === 0) {
          if (f.contentSize !== null && f.contentSize !== f.produced) throw new Lz4Error(`LZ4 frame declares ${f.contentSize} bytes but holds ${f.produced}`);
          if (f.contentChecksum) this.state = { kind: 'content-checksum', frame: f };
          else this.finishFrame();
          return 4;
        }
        const size = word & 0x7fffffff;
        const stored = (word & 0x80000000) !== 0;
        if (size > f.blockMax) throw new Lz4Error(`LZ4 block of ${size} bytes exceeds the frame's maximum of ${f.blockMax}`);
        const need = 4 + size + (f.blockChecksum ? 4 : 0);
        if (avail < need) {
          this.needed = need;
          return 0;
        }
        const data = b.subarray(at + 4, at + 4 + size);
        if (f.blockChecksum && xxh32(data) !== u32(b, at + 4 + size)) throw new Lz4Error('LZ4 block checksum mismatch');
        this.emitBlock(f, data, stored);
        return need;
      }
      case 'content-checksum': {
        if (avail < 4) return 0;
        if (s.frame.contentChecksum!.digest() !== u32(b, at)) throw new Lz4Error('LZ4 content checksum mismatch (the data is corrupt)');
        this.finishFrame();
        return 4;
      }
    }
  }

  private finishFrame(): void {
    this.frames++;
    this.state = { kind: 'magic' };
  }

  private emitBlock(f: Frame, data: Uint8Array, stored: boolean): void {
    const w = f.window;
    const start = f.historyLength;
    let n: number;
    if (stored) {
      w.set(data, start);
      n = data.length;
    } else n = decodeBlock(data, w, start, start + f.blockMax) - start;
    const out = w.subarray(start, start + n);
    f.contentChecksum?.update(out);
    f.produced += BigInt(n);
    this.ondata(out);
    if (!f.independent) {
      const keep = Math.min(HISTORY, start + n);
      w.copyWithin(0, start + n - keep, start + n);
      f.historyLength = keep;
    }
  }
}

/** A length's extension bytes at src[at] (255 means another byte follows): the amount added and where it ends. */
function lengthExtension(src: Uint8Array, at: number, what: string): [number, number] {
  let sum = 0;
  let x: number;
  do {
    if (at >= src.length) throw new Lz4Error(`corrupt LZ4 block: ${what} runs past the block`);
    x = src[at++];
    sum += x;
  } while (x === 255);
  return [sum, at];
}

/** Decodes one LZ4 block into `out` from `op`; matches may reach back to out[0]. Returns the end position. */
export function decodeBlock(src: Uint8Array, out: Uint8Array, op: number, limit: number): number {
  let ip = 0;
  const end = src.length;
  const bad = (what: string) => new Lz4Error(`corrupt LZ4 block: ${what}`);
  while (ip < end) {
    const token = src[ip++];
    let lit = token >>> 4;
    if (lit === 15) {
      const [more, next] = lengthExtension(src, ip, 'literal length');
      lit += more;
      ip = next;
    }
    if (ip + lit > end) throw bad('literals run past the block');
    if (op + lit > limit) throw bad('output exceeds the block size');
    if (lit < 32) for (let k = 0; k < lit; k++) out[op + k] = src[ip + k];
    else out.set(src.subarray(ip, ip + lit), op);
    ip += lit;
    op += lit;
    if (ip === end) break; // the last sequence has literals only
    if (ip + 2 > end) throw bad('match offset runs past the block');
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw bad(`match offset ${offset} points before the data`);
    let len = (token & 15) + 4;
    if ((token & 15) === 15) {
      const [more, next] = lengthExtension(src, ip, 'match length');
      len += more;
      ip = next;
    }
    if (op + len > limit) throw bad('output exceeds the block size');
    const from = op - offset;
    if (len < 32) {
      // Short matches (the common case): a byte loop, which also handles overlap.
      for (let k = 0; k < len; k++) out[op + k] = out[from + k];
      op += len;
    } else if (offset >= len) {
      out.copyWithin(op, from, from + len);
      op += len;
    } else {
      // Overlapping copy (a run): copy in pieces no longer than the distance.
      while (len > 0) {
        const piece = Math.min(len, op - from);
        out.copyWithin(op, from, from + piece);
        op += piece;
        len -= piece;
      }
    }
  }
  return op;
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function u64(b: Uint8Array, o: number): bigint {
  return BigInt(u32(b, o)) | (BigInt(u32(b, o + 4)) << 32n);
}
