// Children of big containers come in pages from the explorer; a small cache keeps the pages
// around the cursor so scrolling does not ask again. Everything returned is escaped.
import type { ObjectChild, ObjectExplorer, ObjectView } from '../../../src/analysis/object-view.js';
import { escapeForTerminal } from '../../../src/reports/sanitize.js';

export const PAGE_SIZE = 200;
const MAX_PAGES = 32;

export interface ChildRow {
  label: string;
  type: string;
  repr: string;
  address: string;
}

export interface ObjectHeader {
  type: string;
  address: string;
  repr: string;
  refcount: number | null;
  size: number | null;
  gcTracked: boolean | null;
  total: number;
  unreadable: string | null;
}

const esc = escapeForTerminal;

export function childRow(c: ObjectChild): ChildRow {
  return { label: esc(c.label), type: esc(c.object.type), repr: esc(c.object.repr), address: c.object.address };
}

export function objectHeader(v: ObjectView): ObjectHeader {
  return {
    type: esc(v.type),
    address: esc(v.address),
    repr: esc(v.repr),
    refcount: v.refcount,
    size: v.size,
    gcTracked: v.gc_tracked,
    total: v.children_total ?? v.children_offset + v.children.length,
    unreadable: v.unreadable ? esc(v.unreadable) : null,
  };
}

/** A page cache over one explorer; `get` throws only what the explorer throws. */
export class ObjectPages {
  private readonly pages = new Map<string, ObjectView>();
  constructor(private readonly explorer: ObjectExplorer) {}

  page(address: string, offset: number): ObjectView {
    const key = `${address}@${offset}`;
    let v = this.pages.get(key);
    if (!v) {
      v = this.explorer.inspect(address, offset, PAGE_SIZE);
      if (this.pages.size >= MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
      this.pages.set(key, v);
    }
    return v;
  }

  header(address: string): ObjectHeader {
    return objectHeader(this.page(address, 0));
  }

  child(address: string, index: number): ChildRow | null {
    const offset = Math.floor(index / PAGE_SIZE) * PAGE_SIZE;
    const v = this.page(address, offset);
    const c = v.children[index - v.children_offset];
    return c ? childRow(c) : null;
  }
}
