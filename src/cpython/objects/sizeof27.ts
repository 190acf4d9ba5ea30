// sys.getsizeof() on CPython 2.7, whose objects the heap census does not walk (its pymalloc and
// size rules differ), so `show` sizes them here: int is a fixed-size C long, str is bytes
// (the header, ob_size bytes and the NUL tp_basicsize already counts), unicode keeps a separate
// buffer of length + 1 Py_UNICODE units, a dict its table once it outgrew the small one.
import { field, size } from '../../cpython-layouts/layout.js';
import type { ObjectDecoder } from './decoder.js';
import { preHeaderSize, type TypeInfo } from './types.js';

export function sizeof27(d: ObjectDecoder, address: number, t: TypeInfo): number | null {
  const { r, L } = d;
  const n = Math.abs(r.ssize(address + field(L, 'var.size')) ?? 0);
  let own: number | null;
  switch (d.kind(t)) {
    case 'int':
    case 'bool':
      own = t.basicsize;
      break;
    case 'str':
      own = t.basicsize + t.itemsize * n;
      break;
    case 'unicode': {
      const len = r.ssize(address + field(L, 'unicode.length27'));
      own = len === null || len < 0 ? null : t.basicsize + d.unicodeUnit * (len + 1);
      break;
    }
    case 'list': {
      const alloc = r.ssize(address + field(L, 'list.allocated'));
      own = alloc === null ? null : t.basicsize + 8 * alloc;
      break;
    }
    case 'set':
    case 'frozenset': {
      const mask = r.ssize(address + field(L, 'set.mask'));
      const table = r.ptr(address + field(L, 'set.table'));
      const small = address + field(L, 'set.smalltable');
      own = mask === null || table === null ? null : t.basicsize + (table !== small ? (mask + 1) * size(L, 'setentry') : 0);
      break;
    }
    case 'dict': {
      // dict.__sizeof__: the object, plus its table when it outgrew ma_smalltable, which follows
      // ma_table and ma_lookup; a PyDictEntry is three words (me_hash, me_key, me_value).
      const mask = r.ssize(address + field(L, 'dict.mask'));
      const table = r.ptr(address + field(L, 'dict.table'));
      const small = address + field(L, 'dict.table') + 16;
      own = mask === null || table === null || mask < 0 || mask > 2 ** 40 ? null : t.basicsize + (table !== small ? (mask + 1) * 24 : 0);
      break;
    }
    case null:
      // A heap type may define __sizeof__.
      own = t.heap ? t.basicsize + t.itemsize * n : null;
      break;
    default:
      own = t.basicsize + t.itemsize * n;
  }
  return own === null ? null : own + preHeaderSize(L, t);
}
