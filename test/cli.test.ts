// The command line itself: help, --versions, exit codes and one-line errors.
import { describe, expect, it } from 'vitest';
import { versionSupport } from '../src/cpython-layouts/support.js';
import { corpusCores } from './helpers/corpus.js';
import { expectOneLineError, pycore } from './helpers/cli.js';

describe('pycore', () => {
  it('--versions lists every version with what is verified', () => {
    const r = pycore(['--versions']);
    expect(r.code).toBe(0);
    for (const v of versionSupport) expect(r.stdout).toContain(`${v.version}\n`);
    expect(r.stdout).toContain("verified:    release (pyenv 3.12.1)");
  });

  it('--versions claims only what the corpus has cores for', () => {
    const labels = new Set(corpusCores().map((c) => c.truth.label));
    for (const l of ['3.8', '3.9', '3.10', '3.11', '3.12', '3.13', 'debian-3.11', 'debian-3.11d']) expect(labels).toContain(l);
    // Every corpus label a row names has cores of that build.
    for (const v of versionSupport)
      for (const c of v.corpus ?? []) {
        const builds = corpusCores().filter((x) => x.truth.label === c.label).map((x) => x.truth.python.build);
        expect(builds.length, c.label).toBeGreaterThan(0);
        expect(new Set(builds), c.label).toEqual(new Set([c.build]));
      }
  });

  it('an unknown option is a usage error', () => {
    const r = pycore(['analyze', 'x', '--no-such-option']);
    expect(r.code).toBe(2);
  });

  it('a bad repr limit is a usage error', () => {
    const r = pycore(['analyze', 'x', '--max-items', 'lots']);
    expect(r.code).toBe(2);
  });

  it('show refuses something that is not an address', () => {
    const r = pycore(['show', 'core', 'banana']);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/banana: not an address; pass a hexadecimal address/);
  });
});
