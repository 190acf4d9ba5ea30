// Every built-in layout table: those generated from DWARF on this machine (generated/) and those
// derived by hand from a version's headers (headers/), which no corpus core verifies yet.
import { generatedLayouts, type GeneratedLayout } from './generated/index.js';
import { layout as py314 } from './headers/py314.js';
import { layout as py315 } from './headers/py315.js';

// Copied as property descriptors, not spread: the CLI bundle makes each generated table a getter
// that parses it on first use (scripts/bundle.mjs), and a spread would parse them all.
export const layoutTables: Record<string, GeneratedLayout> = Object.defineProperties(
  {},
  { ...Object.getOwnPropertyDescriptors(generatedLayouts), '3.14': { value: py314, enumerable: true }, '3.15': { value: py315, enumerable: true } },
);

/**
 * Tables no real core has checked, with why; these tables also lack the interpreter and thread
 * state structs and need the `_Py_DebugOffsets` the core publishes.
 */
export const unverifiedTables: Record<string, string> = {
  '3.14': 'the 3.14 layout table is derived from the 3.14 headers and is unverified (no 3.14 core in the corpus yet)',
  '3.15': 'the 3.15 layout table is derived from 3.15 development headers (3.15.0b4 on) and is unverified (no 3.15 core in the corpus yet)',
};

/**
 * Header-derived tables that fit only the later prereleases of their version: the first
 * PY_VERSION_HEX they fit, and why earlier ones do not (their _Py_DebugOffsets has another shape,
 * so every published offset after the difference would be misread).
 */
export const tableFirstRelease: Record<string, { hex: number; why: string }> = {
  '3.15': { hex: 0x030f00b4, why: "3.15 prereleases before 3.15.0b4 publish a _Py_DebugOffsets without thread_state.last_profiled_frame_seq (pycore's table is of 3.15.0b4 on)" },
};
