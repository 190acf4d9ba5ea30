// Every built-in layout table: those generated from DWARF on this machine (generated/) and those
// derived by hand from a version's headers (headers/), which no corpus core verifies yet.
import { generatedLayouts, type GeneratedLayout } from './generated/index.js';
import { layout as py314 } from './headers/py314.js';

// Copied as property descriptors, not spread: the CLI bundle makes each generated table a getter
// that parses it on first use (scripts/bundle.mjs), and a spread would parse them all.
export const layoutTables: Record<string, GeneratedLayout> = Object.defineProperties(
  {},
  { ...Object.getOwnPropertyDescriptors(generatedLayouts), '3.14': { value: py314, enumerable: true } },
);

/**
 * Tables no real core has checked, with why; these tables also lack the interpreter and thread
 * state structs and need the `_Py_DebugOffsets` the core publishes.
 */
export const unverifiedTables: Record<string, string> = {
  '3.14': 'the 3.14 layout table is derived from the 3.14 headers and is unverified (no 3.14 core in the corpus yet)',
};
