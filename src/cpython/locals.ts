// A frame's arguments, locals, cell and free variables, named from its code object; and the
// f_locals dict of frames that have one (module and class bodies).
import { field, type Layout } from '../cpython-layouts/layout.js';
import { dictItems, tupleItems } from './objects/containers.js';
import type { ObjectDecoder } from './objects/decoder.js';
import { stackRefObject, type FrameInfo } from './frames.js';

export interface LocalVariable {
  name: string;
  /** Address of the value; cells are dereferenced. */
  value: number;
  kind: 'local' | 'cell' | 'free' | 'f_locals';
}

const CO_FAST_HIDDEN = 0x10;
const CO_FAST_LOCAL = 0x20;
const CO_FAST_CELL = 0x40;
const CO_FAST_FREE = 0x80;
const MAX_LOCALS = 65_536;

function names(d: ObjectDecoder, tuple: number): string[] | null {
  if (!tuple) return [];
  const t = tupleItems(d.r, d.L, tuple, MAX_LOCALS);
  if (typeof t === 'string') return null;
  return t.items.map((a) => d.str(a, 1024)?.value ?? '?');
}

function deref(d: ObjectDecoder, cell: number): number | null {
  const v = d.validate(cell);
  if (!v.ok || v.type.kind !== 'cell') return cell;
  return d.r.ptr(cell + field(d.L, 'cell.ref')) || null;
}

export function frameLocals(d: ObjectDecoder, frame: FrameInfo, maxDictItems: number): { locals: LocalVariable[]; unreadable?: string } {
  const { r, L } = d;
  const code = frame.code;
  if (!code) return { locals: [], unreadable: 'no code object' };
  const out: LocalVariable[] = [];
  let slots: number;
  let dictPtr: number | null;
  if (L.caps.localNames === 'varnames') {
    slots = frame.address + field(L, 'frame.f_localsplus');
    dictPtr = r.ptr(frame.address + field(L, 'frame.f_locals'));
    const groups = [
      { names: names(d, r.ptr(code + field(L, 'code.varnames')) ?? 0), kind: 'local' as const },
      { names: names(d, r.ptr(code + field(L, 'code.cellvars')) ?? 0), kind: 'cell' as const },
      { names: names(d, r.ptr(code + field(L, 'code.freevars')) ?? 0), kind: 'free' as const },
    ];
    if (groups.some((g) => g.names === null)) return { locals: [], unreadable: 'variable names unreadable' };
    let i = 0;
    for (const g of groups) {
      for (const name of g.names!) {
        const raw = r.ptr(slots + 8 * i++);
        const value = raw && g.kind !== 'local' ? deref(d, raw) : raw;
        if (value) out.push({ name, value, kind: g.kind });
      }
    }
  } else {
    slots = frame.address + field(L, 'iframe.localsplus');
    dictPtr = r.ptr(frame.address + field(L, 'iframe.locals'));
    const n = names(d, r.ptr(code + field(L, 'code.localsplusnames')) ?? 0);
    const kindsPtr = r.ptr(code + field(L, 'code.localspluskinds'));
    const kinds = kindsPtr && n ? r.bytes(kindsPtr + field(L, 'bytes.sval'), n.length) : null;
    if (!n || !kinds) return { locals: [], unreadable: 'variable names unreadable' };
    n.forEach((name, i) => {
      const k = kinds[i];
      if (k & CO_FAST_HIDDEN) return;
      const raw = stackRefObject(L, r.ptr(slots + 8 * i));
      if (!raw) return;
      const kind = k & CO_FAST_FREE ? 'free' : k & CO_FAST_CELL ? 'cell' : 'local';
      const value = k & (CO_FAST_CELL | CO_FAST_FREE) ? deref(d, raw) : raw;
      if (value && (k & (CO_FAST_LOCAL | CO_FAST_CELL | CO_FAST_FREE))) out.push({ name, value, kind });
    });
  }
  // Module and class bodies keep their variables in a dict rather than in fast slots.
  if (out.length === 0 && dictPtr) {
    const items = dictItems(r, L, dictPtr, maxDictItems);
    if (typeof items === 'string') return { locals: out, unreadable: `f_locals: ${items}` };
    for (const [k, v] of items.items) out.push({ name: d.str(k, 1024)?.value ?? d.repr(k), value: v, kind: 'f_locals' });
  }
  return { locals: out };
}
