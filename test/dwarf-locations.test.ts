// Variable-location expressions (DWARF 5 2.5-2.6) and location lists, on hand-assembled bytes:
// the operations `--native --locals` needs beyond call frame information (test/cfi.test.ts).
// Real locations are compared with gdb's `bt full` in test/native-locals.test.ts.
import { describe, expect, it } from 'vitest';
import { runExpression, type ExprRequest } from '../src/dwarf/expr.js';
import { capture } from '../src/dwarf/errors.js';
import { locAt, locListAt } from '../src/dwarf/loclists.js';

const answer = (r: ExprRequest): bigint | null => {
  if (r.kind === 'frame-base') return 0x1000n;
  if (r.kind === 'cfa') return 0x2000n;
  if (r.kind === 'register') return r.register === 3 ? 0x33n : null;
  return null;
};
const run = (bytes: number[]) => runExpression(Buffer.from(bytes), { addressSize: 8 }, answer);

describe('variable locations', () => {
  it('DW_OP_fbreg -16 is an address below the frame base; DW_OP_call_frame_cfa pushes the CFA', () => {
    expect(run([0x91, 0x70])).toEqual({ ok: true, value: { kind: 'address', value: 0x1000n - 16n } });
    expect(run([0x9c, 0x23, 0x08])).toEqual({ ok: true, value: { kind: 'address', value: 0x2008n } });
  });

  it('DW_OP_reg3 DW_OP_piece 4 DW_OP_piece 4: a register part and an optimized-out part', () => {
    expect(run([0x53, 0x93, 0x04, 0x93, 0x04])).toEqual({ ok: true, value: { kind: 'pieces', pieces: [{ size: 4, location: { kind: 'register', register: 3 } }, { size: 4, location: null }] } });
  });

  it('DW_OP_implicit_value gives the bytes themselves', () => {
    expect(run([0x9e, 0x02, 0x2a, 0x00])).toEqual({ ok: true, value: { kind: 'implicit', bytes: Buffer.from([0x2a, 0x00]) } });
  });

  it('DW_OP_entry_value and an unknown register are unavailable (optimized out), not guessed', () => {
    const e = run([0xa3, 0x01, 0x55, 0x9f]);
    expect(!e.ok && e.error.kind === 'unavailable' && e.error.request.kind).toBe('entry-value');
    const r = run([0x75, 0x00]);
    expect(!r.ok && r.error.kind === 'unavailable' && r.error.request).toEqual({ kind: 'register', register: 5 });
  });

  it('DWARF 5 location list: the entry covering the address, none elsewhere', () => {
    // base_address 0x400000; offset_pair [0x10,0x20) DW_OP_reg3; offset_pair [0x20,0x30) DW_OP_lit7 DW_OP_stack_value; end
    const list = Buffer.from([0x06, 0x00, 0x00, 0x40, 0, 0, 0, 0, 0, 0x04, 0x10, 0x20, 0x01, 0x53, 0x04, 0x20, 0x30, 0x02, 0x37, 0x9f, 0x00]);
    const ctx = { addrSize: 8, offsetSize: 4 as const, base: 0, addrx: () => 0 };
    expect(locListAt(list, 0, 0x400018, ctx)).toEqual(Buffer.from([0x53]));
    expect(locListAt(list, 0, 0x400020, ctx)).toEqual(Buffer.from([0x37, 0x9f]));
    expect(locListAt(list, 0, 0x400030, ctx)).toBeNull();
  });

  it('a malformed location list is an error value naming the section, not a crash', () => {
    const ctx = { addrSize: 8, offsetSize: 4 as const, base: 0, addrx: () => 0 };
    const bad = capture(() => locListAt(Buffer.from([0x04, 0x10, 0x20, 0x01, 0x53, 0x0e]), 0, 0x1000, ctx));
    expect(!bad.ok && bad.error).toMatchObject({ kind: 'malformed', section: '.debug_loclists' });
    const cut = capture(() => locListAt(Buffer.from([0x04, 0x10, 0x20, 0x05]), 0, 0x1000, ctx));
    expect(cut.ok).toBe(false);
  });

  it('DWARF 4 .debug_loc list, relative to the unit base', () => {
    const list = Buffer.alloc(8 + 8 + 2 + 1 + 16);
    list.writeBigUInt64LE(0x10n, 0);
    list.writeBigUInt64LE(0x20n, 8);
    list.writeUInt16LE(1, 16);
    list[18] = 0x53;
    const ctx = { addrSize: 8, offsetSize: 4 as const, base: 0x1000, addrx: () => 0 };
    expect(locAt(list, 0, 0x1018, ctx)).toEqual(Buffer.from([0x53]));
    expect(locAt(list, 0, 0x18, ctx)).toBeNull();
  });
});
