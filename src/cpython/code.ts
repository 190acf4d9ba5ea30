// Code objects: the names, file and line table a frame needs, cached per address because deep
// recursion repeats the same code object hundreds of times.
import { field, type Layout } from '../cpython-layouts/layout.js';
import type { Limits } from './limits.js';
import type { Reader } from './reader.js';
import { isFailure, readBytes, readUnicode } from './strings.js';
import { lnotabLine, linetable310Line, locationTableLine } from './line-table.js';

export interface CodeInfo {
  address: number;
  name: string | null;
  qualname: string | null;
  filename: string | null;
  firstLine: number | null;
  lineTable: Buffer | null;
  /** What could not be read, when something could not. */
  unreadable?: string;
}

export class CodeCache {
  private readonly cache = new Map<number, CodeInfo>();
  constructor(
    private readonly r: Reader,
    private readonly L: Layout,
    private readonly limits: Limits,
    /** Address of PyCode_Type when known: objects of other types are refused. */
    private readonly codeType: number | null,
  ) {}

  get(address: number): CodeInfo {
    let c = this.cache.get(address);
    if (!c) {
      c = this.read(address);
      this.cache.set(address, c);
    }
    return c;
  }

  isCode(address: number): boolean | null {
    if (this.codeType === null) return null;
    const t = this.r.ptr(address + field(this.L, 'object.type'));
    return t === null ? null : t === this.codeType;
  }

  private str(address: number | null): string | null {
    if (!address) return null;
    const s = readUnicode(this.r, this.L, address, this.limits.maxNameLength);
    return isFailure(s) ? null : s.value;
  }

  private read(address: number): CodeInfo {
    const { r, L } = this;
    const problems: string[] = [];
    if (this.isCode(address) === false) return { address, name: null, qualname: null, filename: null, firstLine: null, lineTable: null, unreadable: 'not a code object' };
    const ptr = (name: Parameters<typeof field>[1]) => r.ptr(address + field(L, name));
    const name = this.str(ptr('code.name'));
    const filename = this.str(ptr('code.filename'));
    const qOff = L.offsets['code.qualname'];
    const qualname = qOff === undefined ? null : this.str(r.ptr(address + qOff));
    const firstLine = r.i32(address + field(L, 'code.firstlineno'));
    const tableAddr = ptr('code.linetable');
    let lineTable: Buffer | null = null;
    if (tableAddr) {
      const b = readBytes(r, L, tableAddr, this.limits.maxLineTableBytes);
      if (isFailure(b)) problems.push(`line table: ${b.what}`);
      else lineTable = b;
    }
    if (name === null) problems.push('co_name');
    if (filename === null) problems.push('co_filename');
    if (firstLine === null) problems.push('co_firstlineno');
    return { address, name, qualname, filename, firstLine, lineTable, ...(problems.length ? { unreadable: problems.join(', ') } : {}) };
  }

  /** The line holding bytecode offset `offset` (bytes), as PyCode_Addr2Line computes it. */
  line(code: CodeInfo, offset: number): number | null {
    if (code.firstLine === null || code.lineTable === null) return null;
    switch (this.L.caps.lineTable) {
      case 'lnotab':
        return lnotabLine(code.lineTable, code.firstLine, offset, this.L.caps.lnotabDeltas === 'unsigned');
      case 'linetable-310':
        return linetable310Line(code.lineTable, code.firstLine, offset);
      case 'locations-311':
        return locationTableLine(code.lineTable, code.firstLine, offset);
    }
  }
}
