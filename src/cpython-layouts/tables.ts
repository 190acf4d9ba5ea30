// Every built-in layout table: those generated from DWARF on this machine (generated/) and those
// derived by hand from a version's headers (headers/), which no corpus core verifies yet.
import { generatedLayouts, type GeneratedLayout } from './generated/index.js';
import { layout as py314 } from './headers/py314.js';

export const layoutTables: Record<string, GeneratedLayout> = { ...generatedLayouts, '3.14': py314 };

/**
 * Tables no real core has checked, with why; these tables also lack the interpreter and thread
 * state structs and need the `_Py_DebugOffsets` the core publishes.
 */
export const unverifiedTables: Record<string, string> = {
  '3.14': 'the 3.14 layout table is derived from the 3.14 headers and is unverified (no 3.14 core in the corpus yet)',
};
