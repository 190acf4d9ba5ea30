// Which fill bytes the debug hooks used (bpo-36389 changed them in 3.8 and 3.7.4) and whether their
// blocks end in a serial number (3.6-3.7), per build; whether a 3.6/3.7 core had the hooks on at
// all (PYTHONMALLOC=debug sets it at generation); and the 3.6 and 3.7 debugmalloc cores read with
// their own bytes and layout, the serial number as CPython printed it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.js';
import { staticDebugHooksInstalled } from '../src/analysis/memory-check.js';
import { openCore } from '../src/cli/open-core.js';
import { debugHooksOf, fillBytesOf, FILL_BYTES } from '../src/cpython/debug-allocator.js';
import { findRuntime } from '../src/cpython/runtime.js';
import { capabilitiesOf } from '../src/cpython-layouts/layout.js';
import { parseVersionString } from '../src/cpython-layouts/version.js';
import { corpusCores, SYSROOT } from './helpers/corpus.js';

const fillOf = (v: string) => capabilitiesOf(parseVersionString(v)!, false)?.debugFill;
const serialOf = (v: string) => capabilitiesOf(parseVersionString(v)!, false)?.debugSerial;

describe('the debug fill bytes of a build', () => {
  it('3.6 and 3.7.0-3.7.3 fill with 0xCB/0xDB/0xFB; 3.7.4+ (3.7.16 checked) and 3.8+ with 0xCD/0xDD/0xFD', () => {
    expect(['3.6.15', '3.7.0', '3.7.3'].map(fillOf)).toEqual(['pre-3.7.4', 'pre-3.7.4', 'pre-3.7.4']);
    expect(['3.7.4', '3.7.16', '3.8.18', '3.11.2', '3.13.0'].map(fillOf)).toEqual(['current', 'current', 'current', 'current', 'current']);
    // Only the minor known: taken for the later (current) bytes.
    expect(fillOf('3.7')).toBe('current');
    expect(fillBytesOf('pre-3.7.4')).toEqual({ clean: 0xcb, dead: 0xdb, forbidden: 0xfb });
    expect(fillBytesOf('current')).toBe(FILL_BYTES);
  });
  it('3.6 and 3.7 (3.7.16 checked) write a serial number after the trailing pad; 3.8+ do not', () => {
    expect(['3.6.15', '3.7.0', '3.7.16'].map(serialOf)).toEqual(['after-tail-pad', 'after-tail-pad', 'after-tail-pad']);
    expect(['3.8.18', '3.12.1'].map(serialOf)).toEqual(['none', 'none']);
    expect(debugHooksOf(capabilitiesOf(parseVersionString('3.6.15')!, false)!)).toMatchObject({ fill: fillBytesOf('pre-3.7.4'), serial: true });
    expect(debugHooksOf(capabilitiesOf(parseVersionString('3.7.16')!, false)!)).toMatchObject({ fill: FILL_BYTES, serial: true });
  });
});

describe('3.6 and 3.7 cores with PYTHONMALLOC=debug', () => {
  const cores = corpusCores().filter((c) => (c.truth.label === '3.6' || c.truth.label === '3.7') && c.truth.scenario === 'debugmalloc');
  it('there is one per label', () => expect(cores.map((c) => c.truth.label).sort()).toEqual(['3.6', '3.7']));
  for (const c of cores) {
    it(`${c.name}: the hooks are seen on, the blocks are checked, and the tripped one's serial number is the one CPython printed`, async () => {
      const t = await openCore(c.core, { sysroot: SYSROOT });
      const rt = findRuntime(t);
      expect(rt.ok).toBe(true);
      if (!rt.ok) return;
      expect(staticDebugHooksInstalled(t, rt.value.reader, rt.value.module)).toBe(true);
      const report = analyze(t).report;
      expect(report.warnings.filter((w) => w.includes('debug allocator'))).toEqual([]);
      const stderr = readFileSync(c.core.replace(/\.core\.gz$/, '.stderr.txt'), 'utf8');
      const head = /^Debug memory block at address p=(0x[0-9a-f]+):/m.exec(stderr)!;
      const serial = /^ {4}The block was made by call #(\d+) to debug malloc\/realloc\.$/m.exec(stderr)!;
      const e = report.memory_errors.find((x) => x.address === head[1])!;
      expect(e.block!.serial).toBe(Number(serial[1]));
      expect(e.block!.fillBytes).toBe(rt.value.layout.caps.debugFill);
    });
  }
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
      expect(staticDebugHooksInstalled(t, rt.value.reader, rt.value.module)).toBe(false);
      expect(analyze(t).report.warnings.filter((w) => w.includes('debug allocator'))).toEqual([]);
    });
  }
});
