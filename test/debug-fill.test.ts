// Which fill bytes the debug hooks used (bpo-36389 changed them in 3.8 and 3.7.4), per build,
// and whether a 3.6/3.7 core had the hooks on at all (PYTHONMALLOC=debug sets it at generation).
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.js';
import { oldDebugHooksInstalled } from '../src/analysis/memory-check.js';
import { openCore } from '../src/cli/open-core.js';
import { fillBytesOf, FILL_BYTES } from '../src/cpython/debug-allocator.js';
import { findRuntime } from '../src/cpython/runtime.js';
import { capabilitiesOf } from '../src/cpython-layouts/layout.js';
import { parseVersionString } from '../src/cpython-layouts/version.js';
import { corpusCores, SYSROOT } from './helpers/corpus.js';

const fillOf = (v: string) => capabilitiesOf(parseVersionString(v)!, false)?.debugFill;

describe('the debug fill bytes of a build', () => {
  it('3.6 and 3.7.0-3.7.3 fill with 0xCB/0xDB/0xFB; 3.7.4+ (3.7.16 checked) and 3.8+ with 0xCD/0xDD/0xFD', () => {
    expect(['3.6.15', '3.7.0', '3.7.3'].map(fillOf)).toEqual(['pre-3.7.4', 'pre-3.7.4', 'pre-3.7.4']);
    expect(['3.7.4', '3.7.16', '3.8.18', '3.11.2', '3.13.0'].map(fillOf)).toEqual(['current', 'current', 'current', 'current', 'current']);
    // Only the minor known: taken for the later (current) bytes.
    expect(fillOf('3.7')).toBe('current');
    expect(fillBytesOf('pre-3.7.4')).toEqual({ clean: 0xcb, dead: 0xdb, forbidden: 0xfb });
    expect(fillBytesOf('current')).toBe(FILL_BYTES);
  });
});

const debugScenarios = new Set(['debugmalloc', 'debugmalloc-trace', 'wrong-api', 'wrong-api-testcapi']);
const old = corpusCores().filter((c) => c.truth.label === '3.6' && c.name.endsWith('-heap'));

describe('a 3.6 core without PYTHONMALLOC=debug', () => {
  for (const c of old) {
    it(`${c.name}: the hooks are seen off, and no warning says its debug blocks went unchecked`, async () => {
      const t = await openCore(c.core, { sysroot: SYSROOT });
      const rt = findRuntime(t);
      expect(rt.ok).toBe(true);
      if (!rt.ok) return;
      expect(debugScenarios.has(c.truth.scenario)).toBe(false);
      expect(oldDebugHooksInstalled(t, rt.value.reader, rt.value.module)).toBe(false);
      expect(analyze(t).report.warnings.filter((w) => w.includes('debug allocator'))).toEqual([]);
    });
  }
});
