// Compressed cores are detected by magic bytes (never by name) and decompressed once, streaming,
// into the cache, keyed by a hash of the compressed content; the next run reuses the file.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ByteSource } from './byte-source.js';
import { err, ok, type Result } from './result.js';

export type Compression = 'gzip' | 'zstd' | 'xz' | 'lz4' | 'bzip2';

export function detectCompression(src: ByteSource): Compression | null {
  const m = src.read(0, 6);
  if (m.length >= 2 && m[0] === 0x1f && m[1] === 0x8b) return 'gzip';
  if (m.length >= 4 && m.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (m.length >= 6 && m.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (m.length >= 4 && m.readUInt32LE(0) === 0x184d2204) return 'lz4';
  if (m.length >= 3 && m.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  return null;
}

export type DecompressError = { kind: 'unsupported-compression'; path: string; compression: Compression } | { kind: 'corrupt-compressed'; path: string; message: string };

export function formatDecompressError(e: DecompressError): string {
  if (e.kind === 'unsupported-compression')
    return `${e.path}: ${e.compression}-compressed; pycore reads gzip directly, decompress this one first (e.g. \`${e.compression === 'zstd' ? 'zstd -d' : e.compression === 'xz' ? 'xz -dk' : e.compression === 'lz4' ? 'lz4 -d' : 'bunzip2 -k'} ${e.path}\`) and pass the result`;
  return `${e.path}: compressed data is corrupt or truncated (${e.message}); pass an intact file`;
}

async function hashFile(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex').slice(0, 32);
}

/** Returns the path of a decompressed copy of `path` in `cacheRoot`, making it if needed. */
export async function decompressToCache(path: string, compression: Compression, cacheRoot: string): Promise<Result<string, DecompressError>> {
  if (compression !== 'gzip') return err({ kind: 'unsupported-compression', path, compression });
  const dir = join(cacheRoot, 'cores');
  mkdirSync(dir, { recursive: true });
  const target = join(dir, `${await hashFile(path)}.core`);
  if (existsSync(target)) return ok(target);
  const partial = `${target}.${process.pid}.partial`;
  try {
    await pipeline(createReadStream(path), createGunzip(), createWriteStream(partial));
    renameSync(partial, target);
  } catch (e) {
    rmSync(partial, { force: true });
    return err({ kind: 'corrupt-compressed', path, message: (e as Error).message });
  }
  return ok(target);
}
