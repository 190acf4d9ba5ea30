// Line tables against CPython's own answers (co_lines() / dis.findlinestarts()), recorded per
// version by corpus/make_linetables.py.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capabilitiesByMinor } from '../src/cpython-layouts/capabilities.js';
import { linetable310Line, lnotabLine, locationTableLine } from '../src/cpython/line-table.js';
import { CORPUS } from './helpers/corpus.js';

const dir = join(CORPUS, 'linetables');
const decoders = { lnotab: lnotabLine, 'linetable-310': linetable310Line, 'locations-311': locationTableLine };

describe('line tables', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  it('has fixtures for 2.7 and 3.6 to 3.13', () => expect(files.length).toBeGreaterThanOrEqual(9));
  for (const f of files) {
    const label = f.replace(/\.json$/, '');
    it(`${label}: every instruction's line equals CPython's`, () => {
      const data = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { codes: { name: string; firstlineno: number; table: string; lines: number[] }[] };
      const caps = capabilitiesByMinor[label];
      const decode = caps.lnotabDeltas === 'unsigned' ? (t: Uint8Array, first: number, off: number) => lnotabLine(t, first, off, true) : decoders[caps.lineTable];
      let checked = 0;
      for (const co of data.codes) {
        const table = Buffer.from(co.table, 'hex');
        const got = co.lines.map((_, i) => decode(table, co.firstlineno, i * 2));
        expect(got, `${label} ${co.name}`).toEqual(co.lines);
        checked += co.lines.length;
      }
      expect(checked).toBeGreaterThan(1000);
    });
  }

  it('gives the first line for a negative offset (a frame that has not started)', () => {
    expect(linetable310Line(Buffer.from([6, 1]), 10, -2)).toBe(10);
    expect(locationTableLine(Buffer.from([0x80 | (13 << 3), 2]), 10, -2)).toBe(10);
  });

  it('stops at the end of a truncated or empty table', () => {
    expect(lnotabLine(Buffer.alloc(0), 5, 100)).toBe(5);
    expect(linetable310Line(Buffer.from([2]), 5, 0)).toBe(-1);
    expect(locationTableLine(Buffer.from([0xff, 0xff, 0xff]), 5, 1000)).toBe(-1);
  });
});
