// Py_REFCNT(op) as CPython computes it, for either object header: one ob_refcnt word, or a
// free-threaded build's split count (ob_ref_local, owned by the thread in ob_tid, plus
// ob_ref_shared whose two low bits are flags: Py_REFCNT = local + (shared >> 2)).
import { field, type Layout } from '../../cpython-layouts/layout.js';

/** _Py_REF_SHARED_SHIFT: the low bits of ob_ref_shared that are flags, not count. */
export const REF_SHARED_SHIFT = 2;
/** ob_ref_local of an immortal object in a free-threaded build (_Py_IMMORTAL_REFCNT_LOCAL). */
export const IMMORTAL_REF_LOCAL = 0xffffffff;

/** The words an object's reference count is read from. */
export interface RefcountWords {
  u32(address: number): number | null;
  i64(address: number): number | null;
}

/**
 * Py_REFCNT of the object at `address`, or null when unreadable. An immortal free-threaded
 * object reports its local count (UINT32_MAX), as sys.getrefcount() does.
 */
export function readRefcount(m: RefcountWords, L: Layout, address: number): number | null {
  if (L.caps.refcount === 'ob_refcnt') return L.caps.obRefcnt === 'ssize_t' ? m.i64(address + field(L, 'object.refcnt')) : m.u32(address + field(L, 'object.refcnt'));
  const local = m.u32(address + field(L, 'object.ref_local'));
  const shared = m.i64(address + field(L, 'object.ref_shared'));
  if (local === null || shared === null) return null;
  if (local === IMMORTAL_REF_LOCAL) return local;
  return local + Math.floor(shared / (1 << REF_SHARED_SHIFT));
}
