// Bounded list walks: every linked list in a core may loop, break off or run on forever.
import { describe, expect, it } from 'vitest';
import { followList, type WalkEnd } from '../src/cpython/walk.js';

function walk(links: Record<number, number | null>, first: number | null, limit = 100) {
  const end: WalkEnd = {};
  const seen = [...followList(first, (a) => (a in links ? links[a] : null), limit, end)];
  return { seen, end };
}

describe('followList', () => {
  it('walks to the terminating 0', () => expect(walk({ 1: 2, 2: 3, 3: 0 }, 1)).toEqual({ seen: [1, 2, 3], end: {} }));
  it('stops at a cycle, naming where it closed', () => expect(walk({ 1: 2, 2: 1 }, 1)).toEqual({ seen: [1, 2], end: { reason: 'cycle', at: 1 } }));
  it('stops at a self-loop', () => expect(walk({ 7: 7 }, 7)).toEqual({ seen: [7], end: { reason: 'cycle', at: 7 } }));
  it('does not yield an entry whose memory is unreadable', () => expect(walk({ 1: 2 }, 1)).toEqual({ seen: [1], end: { reason: 'unreadable', at: 2 } }));
  it('stops at the limit', () => {
    const links: Record<number, number> = {};
    for (let i = 1; i < 1000; i++) links[i] = i + 1;
    const r = walk(links, 1, 10);
    expect(r.seen.length).toBe(10);
    expect(r.end.reason).toBe('limit');
  });
  it('reports an unreadable head', () => expect(walk({}, null)).toEqual({ seen: [], end: { reason: 'unreadable' } }));
});
