// What a core file is compressed with, told by its magic bytes (never by its name), and the
// errors of decompressing it: kept apart from decompress.ts so that reading a plain core loads
// none of the decoders (node's zlib, streams, crypto).
import type { ByteSource } from './byte-source.js';

export type Compression = 'gzip' | 'zstd' | 'xz' | 'lz4' | 'bzip2';
/** What a decoder understands: the compressions above plus a bare zlib stream (old apport reports). */
export type Codec = Exclude<Compression, 'bzip2'> | 'zlib';

export function detectCompression(src: ByteSource): Compression | null {
  return compressionOfHead(src.read(0, 6));
}

export function compressionOfHead(m: Buffer): Compression | null {
  if (m.length >= 2 && m[0] === 0x1f && m[1] === 0x8b) return 'gzip';
  if (m.length >= 4 && m.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (m.length >= 6 && m.subarray(0, 6).equals(XZ_MAGIC)) return 'xz';
  if (m.length >= 4 && m.readUInt32LE(0) === 0x184d2204) return 'lz4';
  if (m.length >= 3 && m.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  return null;
}

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

export type DecompressError =
  | { kind: 'unsupported-compression'; path: string; compression: Compression }
  | { kind: 'corrupt-compressed'; path: string; message: string }
  | { kind: 'cache-write'; path: string; cacheDir: string; message: string };

export function formatDecompressError(e: DecompressError): string {
  switch (e.kind) {
    case 'unsupported-compression':
      return `${e.path}: ${e.compression}-compressed, which pycore does not decompress (it reads gzip, zstd, xz and lz4); decompress it first (e.g. \`bunzip2 -k ${e.path}\`) and pass the result`;
    case 'corrupt-compressed':
      return `${e.path}: compressed data is corrupt or truncated (${e.message}); pass an intact file`;
    case 'cache-write':
      return `${e.path}: cannot write the decompressed core into ${e.cacheDir} (${e.message}); free some space there or set PYCORE_CACHE_DIR to a directory with room`;
  }
}

/** The cache subdirectory that holds decompressed cores (and their container metadata). */
export const CORES_SUBDIR = 'cores';
