// Items of tuples, lists, dicts and sets, and the attributes of instances, for every layout
// 3.8-3.13 (combined, split and unicode-keyed dict tables; managed dicts and inline values).
import { field, size, type Layout } from '../../cpython-layouts/layout.js';
import type { Reader } from '../reader.js';
import type { TypeInfo } from './types.js';

/** Entries read from one container: addresses of keys/values, and how many there are in all. */
export interface Entries<T> {
  items: T[];
  total: number;
}

const MAX_ENTRIES = 1 << 26;
const MANAGED_DICT = 1 << 4;
const INLINE_VALUES = 1 << 2;

export function sequenceItems(r: Reader, L: Layout, address: number, itemsAt: number, max: number): Entries<number> | string {
  const n = r.ssize(address + field(L, 'var.size'));
  if (n === null) return 'size unreadable';
  if (n < 0 || n > MAX_ENTRIES * 16) return `impossible size ${n}`;
  const count = Math.min(n, max);
  const b = r.bytes(itemsAt, count * 8);
  if (!b) return `items at 0x${itemsAt.toString(16)} unreadable`;
  const items: number[] = [];
  for (let i = 0; i < count; i++) items.push(Number(b.readBigUInt64LE(i * 8)));
  return { items, total: n };
}

export function tupleItems(r: Reader, L: Layout, address: number, max: number): Entries<number> | string {
  return sequenceItems(r, L, address, address + field(L, 'tuple.items'), max);
}

export function listItems(r: Reader, L: Layout, address: number, max: number): Entries<number> | string {
  const items = r.ptr(address + field(L, 'list.items'));
  if (items === null) return 'item array pointer unreadable';
  const n = r.ssize(address + field(L, 'var.size'));
  if (n === 0) return { items: [], total: 0 };
  const allocated = r.ssize(address + field(L, 'list.allocated'));
  if (n !== null && allocated !== null && n > allocated) return `size ${n} exceeds allocated ${allocated}`;
  return sequenceItems(r, L, address, items, max);
}

interface KeysTable {
  entries: number;
  entrySize: number;
  keyOffset: number;
  valueOffset: number;
  nentries: number;
}

function keysTable(r: Reader, L: Layout, keys: number): KeysTable | string {
  const nentries = r.ssize(keys + field(L, 'keys.nentries'));
  if (nentries === null) return 'dict keys unreadable';
  if (nentries < 0 || nentries > MAX_ENTRIES) return `impossible dict entry count ${nentries}`;
  const indices = keys + field(L, 'keys.indices');
  if (L.caps.dictKeys === 'dk_size') {
    const n = r.ssize(keys + field(L, 'keys.size'));
    if (n === null || n <= 0 || n > MAX_ENTRIES * 2 || (n & (n - 1)) !== 0) return `impossible dict table size ${n}`;
    const width = n <= 0xff ? 1 : n <= 0xffff ? 2 : n <= 0xffffffff ? 4 : 8;
    return { entries: indices + n * width, entrySize: size(L, 'PyDictKeyEntry'), keyOffset: 8, valueOffset: 16, nentries };
  }
  const log2IndexBytes = r.u8(keys + field(L, 'keys.log2_index_bytes'));
  const kind = r.u8(keys + field(L, 'keys.kind'));
  if (log2IndexBytes === null || kind === null || log2IndexBytes > 40 || kind > 2) return 'dict keys header is corrupt';
  const general = kind === 0;
  return {
    entries: indices + 2 ** log2IndexBytes,
    entrySize: general ? size(L, 'PyDictKeyEntry') : size(L, 'PyDictUnicodeEntry'),
    keyOffset: general ? 8 : 0,
    valueOffset: general ? 16 : 8,
    nentries,
  };
}

/** Key/value pairs of a split table whose values live in `values` (a dict's ma_values or an object's inline values). */
function splitItems(r: Reader, L: Layout, t: KeysTable, values: number, max: number): Entries<[number, number]> | string {
  const items: [number, number][] = [];
  let order: number[];
  let valuesAt = values;
  if (L.caps.splitOrder === 'entry-order') {
    order = Array.from({ length: t.nentries }, (_, i) => i);
  } else if (L.caps.splitOrder === 'prefix-bytes') {
    const count = r.u8(values - 2);
    if (count === null) return 'split dict order unreadable';
    const b = count ? r.bytes(values - 2 - count, count) : Buffer.alloc(0);
    if (!b) return 'split dict order unreadable';
    order = Array.from({ length: count }, (_, i) => b[count - 1 - i]);
  } else {
    const head = r.bytes(values, 4);
    if (!head) return 'inline values unreadable';
    const [capacity, used] = [head[0], head[1]];
    valuesAt = values + 8;
    const b = used ? r.bytes(valuesAt + capacity * 8, used) : Buffer.alloc(0);
    if (!b || used > capacity) return 'split dict order unreadable';
    order = [...b];
  }
  let total = 0;
  for (const idx of order) {
    if (idx >= t.nentries && L.caps.splitOrder !== 'entry-order') continue;
    const key = r.ptr(t.entries + idx * t.entrySize + t.keyOffset);
    const value = r.ptr(valuesAt + idx * 8);
    if (key === null || value === null) return 'split dict entry unreadable';
    if (!key || !value) continue;
    total++;
    if (items.length < max) items.push([key, value]);
  }
  return { items, total };
}

export function dictItems(r: Reader, L: Layout, address: number, max: number): Entries<[number, number]> | string {
  if (L.caps.dictKeys === 'ma_table') return tableDictItems(r, L, address, max);
  const used = r.ssize(address + field(L, 'dict.used'));
  const keys = r.ptr(address + field(L, 'dict.keys'));
  const values = r.ptr(address + field(L, 'dict.values'));
  if (used === null || keys === null || values === null) return 'dict header unreadable';
  if (used < 0 || used > MAX_ENTRIES) return `impossible dict size ${used}`;
  if (used === 0) return { items: [], total: 0 };
  if (!keys) return 'dict has no keys table';
  const t = keysTable(r, L, keys);
  if (typeof t === 'string') return t;
  if (values) return splitItems(r, L, t, values, max);
  const items: [number, number][] = [];
  const n = Math.min(t.nentries, MAX_ENTRIES);
  // Read entries in chunks: one read per 256 entries rather than two per entry.
  for (let start = 0; start < n && items.length < max; start += 256) {
    const count = Math.min(256, n - start);
    const b = r.bytes(t.entries + start * t.entrySize, count * t.entrySize);
    if (!b) return `dict entries at 0x${(t.entries + start * t.entrySize).toString(16)} unreadable`;
    for (let i = 0; i < count && items.length < max; i++) {
      const key = Number(b.readBigUInt64LE(i * t.entrySize + t.keyOffset));
      const value = Number(b.readBigUInt64LE(i * t.entrySize + t.valueOffset));
      if (key && value) items.push([key, value]);
    }
  }
  return { items, total: used };
}

/** 2.7: ma_mask + 1 PyDictEntry slots in ma_table, in iteration order; a slot is live when its value is set. */
function tableDictItems(r: Reader, L: Layout, address: number, max: number): Entries<[number, number]> | string {
  const used = r.ssize(address + field(L, 'dict.used'));
  const mask = r.ssize(address + field(L, 'dict.mask'));
  const table = r.ptr(address + field(L, 'dict.table'));
  if (used === null || mask === null || table === null) return 'dict header unreadable';
  if (used < 0 || mask < 0 || mask > MAX_ENTRIES || used > mask + 1) return `impossible dict size ${used} (mask ${mask})`;
  if (used === 0) return { items: [], total: 0 };
  const esize = size(L, 'PyDictKeyEntry');
  const keyOff = field(L, 'keyentry.key');
  const valueOff = field(L, 'keyentry.value');
  const items: [number, number][] = [];
  for (let start = 0; start <= mask && items.length < Math.min(used, max); start += 256) {
    const count = Math.min(256, mask + 1 - start);
    const b = r.bytes(table + start * esize, count * esize);
    if (!b) return `dict table at 0x${(table + start * esize).toString(16)} unreadable`;
    for (let i = 0; i < count && items.length < Math.min(used, max); i++) {
      const key = Number(b.readBigUInt64LE(i * esize + keyOff));
      const value = Number(b.readBigUInt64LE(i * esize + valueOff));
      if (key && value) items.push([key, value]);
    }
  }
  return { items, total: used };
}

/** `dummy`: the key(s) that mark a deleted slot (2.7's dict and set each keep a static `dummy` str). */
export function setItems(r: Reader, L: Layout, address: number, max: number, dummy: number | null | ReadonlySet<number>): Entries<number> | string {
  const isDummy = dummy === null || typeof dummy === 'number' ? (k: number) => k === dummy : (k: number) => dummy.has(k);
  const keyOff = L.offsets['setentry.key'] ?? 0;
  const used = r.ssize(address + field(L, 'set.used'));
  const mask = r.ssize(address + field(L, 'set.mask'));
  const table = r.ptr(address + field(L, 'set.table'));
  if (used === null || mask === null || table === null) return 'set header unreadable';
  if (used < 0 || mask < 0 || mask > MAX_ENTRIES || used > mask + 1) return `impossible set size ${used} (mask ${mask})`;
  const items: number[] = [];
  const esize = size(L, 'setentry');
  for (let start = 0; start <= mask && items.length < Math.min(used, max); start += 256) {
    const count = Math.min(256, mask + 1 - start);
    const b = r.bytes(table + start * esize, count * esize);
    if (!b) return 'set table unreadable';
    for (let i = 0; i < count && items.length < Math.min(used, max); i++) {
      const key = Number(b.readBigUInt64LE(i * esize + keyOff));
      if (key && !isDummy(key)) items.push(key);
    }
  }
  return { items, total: used };
}

/** Attributes of an instance: its __dict__ (wherever this version keeps it) then its slots. */
export function instanceDict(r: Reader, L: Layout, address: number, t: TypeInfo): { dict: number } | { values: number; keys: number } | null {
  if (L.caps.managedDict !== 'none' && t.flags & MANAGED_DICT) {
    const cachedKeys = () => r.ptr(t.address + field(L, 'heaptype.cached_keys')) ?? 0;
    switch (L.caps.managedDict) {
      case 'dict-and-values-pointers': {
        const dict = r.ptr(address - 24);
        if (dict) return { dict };
        const values = r.ptr(address - 32);
        return values ? { values, keys: cachedKeys() } : null;
      }
      case 'dict-or-values': {
        const w = r.ptr(address - 24);
        if (!w) return null;
        return w % 2 === 1 ? { values: w + 1, keys: cachedKeys() } : { dict: w };
      }
      case 'dict-or-inline-values': {
        const dict = r.ptr(address - 24);
        if (dict) return { dict };
        if (!(t.flags & INLINE_VALUES)) return null;
        const values = address + t.basicsize;
        const valid = r.u8(values + 3);
        return valid ? { values, keys: cachedKeys() } : null;
      }
    }
  }
  if (t.dictoffset === 0) return null;
  let at = address + t.dictoffset;
  if (t.dictoffset < 0) {
    const n = Math.abs(r.ssize(address + field(L, 'var.size')) ?? 0);
    const total = t.basicsize + n * t.itemsize;
    at = address + Math.ceil(total / 8) * 8 + t.dictoffset;
  }
  const dict = r.ptr(at);
  return dict ? { dict } : null;
}

export function attributeItems(r: Reader, L: Layout, where: { dict: number } | { values: number; keys: number }, max: number): Entries<[number, number]> | string {
  if ('dict' in where) return dictItems(r, L, where.dict, max);
  if (!where.keys) return 'instance values without cached keys';
  const t = keysTable(r, L, where.keys);
  return typeof t === 'string' ? t : splitItems(r, L, t, where.values, max);
}

/** __slots__ of a heap type and its heap bases: (name, value address) for object slots. */
export function slotItems(r: Reader, L: Layout, address: number, types: TypeInfo[]): [string, number][] {
  const out: [string, number][] = [];
  const msize = size(L, 'PyMemberDef');
  for (const t of types) {
    if (!t.heap || !t.members) continue;
    for (let i = 0; i < 256; i++) {
      const m = t.members + i * msize;
      const namePtr = r.ptr(m + field(L, 'memberdef.name'));
      if (!namePtr) break;
      const type = r.i32(m + field(L, 'memberdef.type'));
      const offset = r.ssize(m + field(L, 'memberdef.offset'));
      const name = r.cString(namePtr, 256);
      if (name === null || offset === null || type === null) break;
      if (type !== 16 && type !== 6) continue; // T_OBJECT_EX / T_OBJECT
      const value = r.ptr(address + offset);
      if (value) out.push([name, value]);
    }
  }
  return out;
}
