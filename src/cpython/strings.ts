// str and bytes objects, read straight from their CPython representation.
import { field, size, type Layout } from '../cpython-layouts/layout.js';
import type { Reader } from './reader.js';

export interface DecodedString {
  value: string;
  /** The str was longer than the limit and `value` holds its first characters only. */
  truncated: boolean;
  length: number;
}

export type StringFailure = { kind: 'unreadable'; address: number; what: string } | { kind: 'invalid'; address: number; what: string };

function bits(state: number, bf: { bitOffset: number; bitSize: number; byteOffset: number } | undefined, stateOffset: number, fallbackShift: number, fallbackSize: number): number {
  // Bit positions within the state word come from DWARF; the fallback is CPython's own order.
  const shift = bf ? (bf.byteOffset - stateOffset) * 8 + bf.bitOffset : fallbackShift;
  const width = bf ? bf.bitSize : fallbackSize;
  return (state >>> shift) & ((1 << width) - 1);
}

/** A str object's text, at most `max` characters. */
export function readUnicode(r: Reader, L: Layout, address: number, max: number): DecodedString | StringFailure {
  if (L.caps.str === 'bytes') return readByteString(r, L, address, max);
  const length = r.ssize(address + field(L, 'unicode.length'));
  const stateOff = field(L, 'unicode.state');
  const state = r.u32(address + stateOff);
  if (length === null || state === null) return { kind: 'unreadable', address, what: 'str header' };
  if (length < 0 || length > 2 ** 40) return { kind: 'invalid', address, what: `str length ${length}` };
  const kind = bits(state, L.bitfields['unicode.kind'], stateOff, 2, 3);
  const compact = bits(state, L.bitfields['unicode.compact'], stateOff, 5, 1);
  const ascii = bits(state, L.bitfields['unicode.ascii'], stateOff, 6, 1);
  if (kind === 0 && L.caps.unicode === 'with-wstr') return readWstrOnly(r, L, address, max);
  if (kind !== 1 && kind !== 2 && kind !== 4) return { kind: 'invalid', address, what: `str kind ${kind}` };
  let data: number | null;
  if (compact) data = address + (ascii ? size(L, 'PyASCIIObject') : size(L, 'PyCompactUnicodeObject'));
  else {
    const off = L.offsets['unicode.data'];
    data = off === undefined ? null : r.ptr(address + off);
  }
  if (data === null || data === 0) return { kind: 'unreadable', address, what: 'str data pointer' };
  const n = Math.min(length, max);
  const raw = r.bytes(data, n * kind);
  if (!raw) return { kind: 'unreadable', address, what: `str data at 0x${data.toString(16)}` };
  let value: string;
  if (kind === 1) value = raw.toString('latin1');
  else {
    const cps: number[] = new Array(n);
    for (let i = 0; i < n; i++) cps[i] = kind === 2 ? raw.readUInt16LE(i * 2) : raw.readUInt32LE(i * 4);
    value = cps.map((c) => (c <= 0x10ffff ? String.fromCodePoint(c) : '\ufffd')).join('');
  }
  return { value, truncated: length > max, length };
}

/**
 * A legacy str that was never made ready (3.8-3.11, made by the deprecated
 * PyUnicode_FromUnicode(NULL, n)): its text is only in the wchar_t buffer (UCS-4 on Linux).
 */
function readWstrOnly(r: Reader, L: Layout, address: number, max: number): DecodedString | StringFailure {
  const wOff = L.offsets['unicode.wstr'];
  const nOff = L.offsets['unicode.wstr_length'];
  if (wOff === undefined || nOff === undefined) return { kind: 'invalid', address, what: 'legacy (wstr-only) str' };
  const wstr = r.ptr(address + wOff);
  const length = r.ssize(address + nOff);
  if (!wstr || length === null) return { kind: 'unreadable', address, what: 'wstr buffer' };
  if (length < 0 || length > 2 ** 40) return { kind: 'invalid', address, what: `wstr length ${length}` };
  const n = Math.min(length, max);
  const raw = r.bytes(wstr, n * 4);
  if (!raw) return { kind: 'unreadable', address, what: `wstr data at 0x${wstr.toString(16)}` };
  const cps = Array.from({ length: n }, (_, i) => raw.readUInt32LE(i * 4));
  return { value: cps.map((c) => (c <= 0x10ffff ? String.fromCodePoint(c) : '\ufffd')).join(''), truncated: length > max, length };
}

/** A bytes object's contents, at most `max` bytes. */
export function readBytes(r: Reader, L: Layout, address: number, max: number): Buffer | StringFailure {
  const n = r.ssize(address + field(L, 'bytes.size'));
  if (n === null) return { kind: 'unreadable', address, what: 'bytes header' };
  if (n < 0 || n > max) return { kind: 'invalid', address, what: `bytes size ${n}` };
  const b = r.bytes(address + field(L, 'bytes.sval'), n);
  return b ?? { kind: 'unreadable', address, what: 'bytes data' };
}

/** 2.7's str (PyStringObject): bytes, shown as UTF-8 (what a 2.7 source file's names are in practice). */
function readByteString(r: Reader, L: Layout, address: number, max: number): DecodedString | StringFailure {
  const length = r.ssize(address + field(L, 'bytes.size'));
  if (length === null) return { kind: 'unreadable', address, what: 'str header' };
  if (length < 0 || length > 2 ** 40) return { kind: 'invalid', address, what: `str length ${length}` };
  const n = Math.min(length, max);
  const raw = r.bytes(address + field(L, 'bytes.sval'), n);
  if (!raw) return { kind: 'unreadable', address, what: 'str data' };
  return { value: new TextDecoder('utf-8').decode(raw), truncated: n < length, length };
}

/**
 * 2.7's unicode object: `length` Py_UNICODE units in a separate buffer (`str`): 4 bytes each in a
 * UCS4 build, 2 in a UCS2 one (astral characters as surrogate pairs).
 */
export function readUnicode27(r: Reader, L: Layout, address: number, max: number, unit: 2 | 4): DecodedString | StringFailure {
  const length = r.ssize(address + field(L, 'unicode.length27'));
  const data = r.ptr(address + field(L, 'unicode.str'));
  if (length === null || data === null) return { kind: 'unreadable', address, what: 'unicode header' };
  if (length < 0 || length > 2 ** 40) return { kind: 'invalid', address, what: `unicode length ${length}` };
  const n = Math.min(length, max);
  const raw = n === 0 ? Buffer.alloc(0) : r.bytes(data, n * unit);
  if (!raw) return { kind: 'unreadable', address, what: `unicode data at 0x${data.toString(16)}` };
  if (unit === 2) return { value: raw.toString('utf16le'), truncated: n < length, length };
  const cps: number[] = new Array(n);
  for (let i = 0; i < n; i++) cps[i] = raw.readUInt32LE(i * 4);
  return { value: String.fromCodePoint(...cps.map((c) => (c > 0x10ffff ? 0xfffd : c))), truncated: n < length, length };
}

export function isFailure<T>(v: T | StringFailure): v is StringFailure {
  return typeof v === 'object' && v !== null && 'kind' in v && ((v as StringFailure).kind === 'unreadable' || (v as StringFailure).kind === 'invalid');
}

