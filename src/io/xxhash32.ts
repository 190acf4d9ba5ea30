// xxHash32 (the checksum of the LZ4 frame format: header, block and content checksums), as a
// streaming state so that a multi-gigabyte core is hashed chunk by chunk.
const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
const round = (acc: number, lane: number) => Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);

export class XxHash32 {
  private v = new Int32Array(4);
  private readonly tail = new Uint8Array(16);
  private tailLength = 0;
  private total = 0;

  constructor(private readonly seed = 0) {
    this.v[0] = (seed + P1 + P2) | 0;
    this.v[1] = (seed + P2) | 0;
    this.v[2] = seed | 0;
    this.v[3] = (seed - P1) | 0;
  }

  update(data: Uint8Array): this {
    this.total += data.length;
    let i = 0;
    if (this.tailLength > 0) {
      const take = Math.min(16 - this.tailLength, data.length);
      this.tail.set(data.subarray(0, take), this.tailLength);
      this.tailLength += take;
      i = take;
      if (this.tailLength < 16) return this;
      this.stripe(this.tail, 0);
      this.tailLength = 0;
    }
    for (; i + 16 <= data.length; i += 16) this.stripe(data, i);
    if (i < data.length) {
      this.tail.set(data.subarray(i), 0);
      this.tailLength = data.length - i;
    }
    return this;
  }

  digest(): number {
    const v = this.v;
    let h = this.total >= 16 ? (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) | 0 : (this.seed + P5) | 0;
    h = (h + this.total) | 0;
    const t = this.tail;
    let i = 0;
    for (; i + 4 <= this.tailLength; i += 4) h = Math.imul(rotl((h + Math.imul(u32(t, i), P3)) | 0, 17), P4);
    for (; i < this.tailLength; i++) h = Math.imul(rotl((h + Math.imul(t[i], P5)) | 0, 11), P1);
    h = Math.imul(h ^ (h >>> 15), P2);
    h = Math.imul(h ^ (h >>> 13), P3);
    return (h ^ (h >>> 16)) >>> 0;
  }

  private stripe(b: Uint8Array, o: number): void {
    const v = this.v;
    v[0] = round(v[0], u32(b, o));
    v[1] = round(v[1], u32(b, o + 4));
    v[2] = round(v[2], u32(b, o + 8));
    v[3] = round(v[3], u32(b, o + 12));
  }
}

function u32(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
}

export function xxh32(data: Uint8Array, seed = 0): number {
  return new XxHash32(seed).update(data).digest();
}
