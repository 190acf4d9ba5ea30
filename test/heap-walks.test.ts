// Malformed heap structures (hand-made bytes): GC lists that loop or break and pymalloc free
// lists that loop or leave their pool end in a reason, never in a hang or a crash.
import { describe, expect, it } from 'vitest';
import { walkGcList } from '../src/cpython/gc.js';
import { HeapMemory } from '../src/cpython/heap-memory.js';
import { markFreeBlocks, type PoolHeader } from '../src/cpython/pymalloc.js';
import { pymallocLayout } from '../src/cpython-layouts/pymalloc-layout.js';
import type { Memory } from '../src/target/address-space.js';

const BASE = 0x10000;

/** A flat memory image at BASE. */
function image(size: number): { mem: Memory; buf: Buffer; put: (address: number, value: number) => void } {
  const buf = Buffer.alloc(size);
  const mem: Memory = {
    read: (a, n) => (a >= BASE && a + n <= BASE + size ? buf.subarray(a - BASE, a - BASE + n) : null),
    fault: () => null,
    pointerSize: 8,
    littleEndian: true,
  };
  return { mem, buf, put: (a, v) => buf.writeBigUInt64LE(BigInt(v), a - BASE) };
}

/** GC heads at BASE (the list head) and BASE + 32 * i; `next` gives each node's successor index (0 = head). */
function gcList(next: number[], prev: number[]) {
  const img = image(4096);
  const at = (i: number) => BASE + 32 * i;
  next.forEach((n, i) => img.put(at(i), at(n)));
  prev.forEach((p, i) => img.put(at(i) + 8, at(p)));
  return { mem: new HeapMemory(img.mem), head: BASE };
}

describe('GC list walks', () => {
  it('visits a well-formed list once per object', () => {
    const { mem, head } = gcList([1, 2, 0], [2, 0, 1]);
    const seen: number[] = [];
    expect(walkGcList(mem, head, 16, false, 100, (o) => seen.push(o))).toEqual({ count: 2 });
    expect(seen).toEqual([BASE + 32 + 16, BASE + 64 + 16]);
  });

  it('stops where a next link does not match the following prev link (a loop not through the head)', () => {
    const { mem, head } = gcList([1, 2, 1], [2, 0, 1]);
    expect(walkGcList(mem, head, 16, false, 100, () => {})).toEqual({ count: 2, stopped: { reason: 'broken-link', at: BASE + 32 } });
  });

  it('stops on a loop during a collection, when prev links hold reference counts', () => {
    const { mem, head } = gcList([1, 2, 1], [0, 0, 0]);
    const w = walkGcList(mem, head, 16, true, 1000, () => {});
    expect(w.stopped?.reason).toBe('cycle');
    expect(w.count).toBeLessThan(10);
  });

  it('stops at the limit and at unreadable memory', () => {
    const { mem, head } = gcList([1, 2, 0], [2, 0, 1]);
    expect(walkGcList(mem, head, 16, false, 1, () => {}).stopped?.reason).toBe('limit');
    const broken = gcList([1, 0x7000, 0], [2, 0, 1]);
    expect(walkGcList(broken.mem, broken.head, 16, false, 100, () => {}).stopped?.reason).toBe('unreadable');
  });
});

describe('pymalloc free lists', () => {
  const P = pymallocLayout({ major: 3, minor: 12, micro: 1, level: 0xf, serial: 0 })!;
  const header = (freeblock: number): PoolHeader => ({ address: BASE, count: 1, szidx: 1, blockSize: 32, nextoffset: 48 + 4 * 32, maxnextoffset: P.poolSize - 32, freeblock, arenaindex: 0 });

  it('marks the blocks on the free list', () => {
    const img = image(P.poolSize);
    img.put(BASE + 48 + 32, BASE + 48 + 96);
    img.put(BASE + 48 + 96, 0);
    const free = new Uint8Array(600);
    expect(markFreeBlocks(P, header(BASE + 48 + 32), img.buf, 0, free)).toBe(2);
    expect([...free.subarray(0, 4)]).toEqual([0, 1, 0, 1]);
  });

  it('says when the free list loops or leaves the pool', () => {
    const img = image(P.poolSize);
    img.put(BASE + 48 + 32, BASE + 48 + 64);
    img.put(BASE + 48 + 64, BASE + 48 + 32);
    expect(markFreeBlocks(P, header(BASE + 48 + 32), img.buf, 0, new Uint8Array(600))).toBe('the free list loops');
    img.put(BASE + 48 + 64, 0xdead0000);
    expect(markFreeBlocks(P, header(BASE + 48 + 32), img.buf, 0, new Uint8Array(600))).toMatch(/outside the pool/);
  });
});
