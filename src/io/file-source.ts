// Opening files named by the user or by a core: read-only, regular files only (a path inside a
// core could name a FIFO or a device; opening those could hang or have side effects).
import { closeSync, fstatSync, openSync, readSync, statSync, constants } from 'node:fs';
import type { ByteSource } from './byte-source.js';
import { PageCache, type PageCachePolicy, defaultPageCachePolicy } from './page-cache.js';
import { err, ok, type Result } from './result.js';

export type IoError =
  | { kind: 'not-found'; path: string }
  | { kind: 'is-directory'; path: string }
  | { kind: 'not-regular'; path: string }
  | { kind: 'permission'; path: string }
  | { kind: 'io'; path: string; message: string };

export function formatIoError(e: IoError): string {
  switch (e.kind) {
    case 'not-found':
      return `${e.path}: no such file`;
    case 'is-directory':
      return `${e.path}: is a directory, not a file`;
    case 'not-regular':
      return `${e.path}: not a regular file (a FIFO, socket or device is never opened)`;
    case 'permission':
      return `${e.path}: permission denied`;
    case 'io':
      return `${e.path}: ${e.message}`;
  }
}

export class FileSource implements ByteSource {
  private readonly cache: PageCache;
  private closed = false;
  constructor(
    readonly name: string,
    private readonly fd: number,
    readonly size: number,
    policy: PageCachePolicy,
  ) {
    this.cache = new PageCache(fd, size, policy);
  }
  read(offset: number, length: number): Buffer {
    return this.cache.read(offset, length);
  }
  readInto(offset: number, into: Buffer): number {
    let got = 0;
    while (got < into.length && offset + got < this.size) {
      const n = readSync(this.fd, into, got, into.length - got, offset + got);
      if (n <= 0) break;
      got += n;
    }
    return got;
  }
  close(): void {
    if (!this.closed) {
      this.closed = true;
      closeSync(this.fd);
    }
  }
}

export function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function openFile(path: string, policy: PageCachePolicy = defaultPageCachePolicy): Result<FileSource, IoError> {
  let fd: number;
  try {
    // O_NONBLOCK: should the path be swapped for a FIFO between checks, open must not block.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return err({ kind: 'not-found', path });
    if (code === 'EACCES' || code === 'EPERM') return err({ kind: 'permission', path });
    if (code === 'EISDIR') return err({ kind: 'is-directory', path });
    return err({ kind: 'io', path, message: (e as Error).message });
  }
  const st = fstatSync(fd);
  if (st.isDirectory()) {
    closeSync(fd);
    return err({ kind: 'is-directory', path });
  }
  if (!st.isFile()) {
    closeSync(fd);
    return err({ kind: 'not-regular', path });
  }
  return ok(new FileSource(path, fd, st.size, policy));
}
