// Strings from a core never reach the terminal raw: a function name, a file name and a local
// holding terminal escape sequences (corpus/scenarios/hostile.py) are escaped in every text
// output, and kept exact in JSON.
import { describe, expect, it } from 'vitest';
import { corpusCores, SYSROOT } from './helpers/corpus.js';
import { pycore } from './helpers/cli.js';

const cores = corpusCores().filter((c) => c.truth.scenario === 'hostile');
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/;

describe('hostile strings', () => {
  it('has a hostile core for every version', () => expect(cores.length).toBeGreaterThanOrEqual(7));

  for (const c of cores) {
    it(`${c.name}: text output has no control characters; JSON has the raw strings`, () => {
      const text = pycore(['analyze', c.core, '--sysroot', SYSROOT, '--locals']);
      expect(text.code).toBe(0);
      expect(CONTROL.test(text.stdout)).toBe(false);
      expect(text.stdout).toContain('in tgt\\x1b]0;pwned\\x07\\x1b[2J\\xfcml');
      expect(text.stdout).toContain("evil_local = '\\x1b]0;pwned\\x07\\x1b[2J'");
      const json = JSON.parse(pycore(['analyze', c.core, '--sysroot', SYSROOT, '--format', 'json']).stdout);
      const frames = json.threads.find((t: { current: boolean }) => t.current).frames;
      expect(frames.map((f: { function: string }) => f.function)).toContain('tgt\x1b]0;pwned\x07\x1b[2J\u00fcml');
      expect(frames.map((f: { file: string }) => f.file)).toContain('\x1b[31mred\x1b[0m/evil\u00e9.py');
    });
  }
});
