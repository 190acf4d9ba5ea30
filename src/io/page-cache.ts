// Positional reads through a small LRU of fixed-size pages, so that decoders can make many tiny
// reads (a pointer here, a header there) without a syscall each, and a 100 GiB core costs no
// more memory than a 10 MiB one.
import { readSync } from 'node:fs';

export interface PageCachePolicy {
  pageSize: number;
  maxPages: number;
}

export const defaultPageCachePolicy: PageCachePolicy = { pageSize: 64 * 1024, maxPages: 512 };

export class PageCache {
  // Map iteration order is insertion order: re-inserting on hit makes it an LRU.
  private readonly pages = new Map<number, Buffer>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly fd: number,
    private readonly fileSize: number,
    private readonly policy: PageCachePolicy = defaultPageCachePolicy,
  ) {}

  read(offset: number, length: number): Buffer {
    if (offset < 0 || length <= 0 || offset >= this.fileSize) return Buffer.alloc(0);
    const end = Math.min(this.fileSize, offset + length);
    const { pageSize } = this.policy;
    const first = Math.floor(offset / pageSize);
    const last = Math.floor((end - 1) / pageSize);
    if (first === last) {
      const page = this.page(first);
      return page.subarray(offset - first * pageSize, end - first * pageSize);
    }
    // Large reads bypass the cache so that one big section read cannot evict everything.
    if (last - first + 1 > this.policy.maxPages / 4) return this.direct(offset, end - offset);
    const out = Buffer.allocUnsafe(end - offset);
    let pos = 0;
    for (let p = first; p <= last; p++) {
      const page = this.page(p);
      const from = p === first ? offset - first * pageSize : 0;
      const to = p === last ? end - p * pageSize : page.length;
      page.copy(out, pos, from, to);
      pos += to - from;
    }
    return out.subarray(0, pos);
  }

  private page(index: number): Buffer {
    const cached = this.pages.get(index);
    if (cached) {
      this.hits++;
      this.pages.delete(index);
      this.pages.set(index, cached);
      return cached;
    }
    this.misses++;
    const start = index * this.policy.pageSize;
    const page = this.direct(start, Math.min(this.policy.pageSize, this.fileSize - start));
    this.pages.set(index, page);
    if (this.pages.size > this.policy.maxPages) {
      const oldest = this.pages.keys().next().value as number;
      this.pages.delete(oldest);
    }
    return page;
  }

  private direct(offset: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, buf, got, length - got, offset + got);
      if (n <= 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  }
}
