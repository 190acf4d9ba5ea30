// Mangled C++ names read as gdb and c++filt print them (corpus/demangle/cxxfilt.json, made by
// corpus/demangle/make.sh from a translation unit compiled here and binutils' c++filt).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demangle } from '../src/target/demangle.js';
import { CORPUS } from './helpers/corpus.js';

const pairs = JSON.parse(readFileSync(join(CORPUS, 'demangle', 'cxxfilt.json'), 'utf8')) as [string, string][];

describe('demangle', () => {
  it('has fixtures', () => expect(pairs.length).toBeGreaterThanOrEqual(4));
  it('equals c++filt for every mangled name, except the return type of template instances', () => {
    let exact = 0;
    for (const [mangled, expected] of pairs) {
      const got = demangle(mangled);
      if (got === expected) exact++;
      // cpp_demangle leaves out a template function's return type ("int f<int>(int)" -> "f<int>(int)").
      else expect(`${expected.slice(0, expected.indexOf(' ') + 1)}${got}`, mangled).toBe(expected);
    }
    expect(exact).toBeGreaterThanOrEqual(pairs.length - 2);
  });
  it('leaves C names and garbage alone', () => {
    expect(demangle('crashext_crash')).toBe('crashext_crash');
    expect(demangle('_PyEval_EvalFrameDefault')).toBe('_PyEval_EvalFrameDefault');
    expect(demangle('_Zgarbage')).toBe('_Zgarbage');
  });
});
