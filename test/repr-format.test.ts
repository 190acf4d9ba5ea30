// Scalar repr() formatting against CPython's own repr() (corpus/repr/format.json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reprByteArray, reprBytes, reprComplex, reprFloat, reprStr } from '../src/cpython/objects/format.js';
import { CORPUS } from './helpers/corpus.js';

const truth = JSON.parse(readFileSync(join(CORPUS, 'repr', 'format.json'), 'utf8')) as {
  floats: [string, string][];
  complex: [string, string, string][];
  strs: [string, string][];
  bytes: [string, string, string][];
};
const f64 = (hex: string) => Buffer.from(hex, 'hex').readDoubleLE(0);

describe('repr formatting', () => {
  it('float', () => {
    for (const [bits, r] of truth.floats) expect(reprFloat(f64(bits)), r).toBe(r);
  });
  it('complex', () => {
    for (const [re, im, r] of truth.complex) expect(reprComplex(f64(re), f64(im)), r).toBe(r);
  });
  it('str', () => {
    for (const [s, r] of truth.strs) expect(reprStr(s)).toBe(r);
  });
  it('bytes and bytearray', () => {
    for (const [hex, r, ra] of truth.bytes) {
      expect(reprBytes(Buffer.from(hex, 'hex'))).toBe(r);
      expect(reprByteArray(Buffer.from(hex, 'hex'))).toBe(ra);
    }
  });
});
