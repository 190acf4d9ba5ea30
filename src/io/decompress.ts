// Compressed cores are detected by magic bytes (never by name) and decompressed once, streaming,
// into the cache, keyed by a hash of the compressed content; the next run reuses the file.
//
// Decoders: gzip and zlib from Node's own zlib; zstd from fzstd (pure JS, streaming); xz from
// xz-decompress (xz-embedded compiled to WebAssembly, streaming); LZ4 frames from our own
// lz4-frame.ts. Every decoder hands its output to a synchronous file write as it is produced, so
// memory stays bounded by the decoder's window whatever the compression ratio (a core of zero
// pages compresses a thousandfold).
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { threadId } from 'node:worker_threads';
import { createGunzip, createInflate } from 'node:zlib';
import { CORES_SUBDIR, type Codec, type Compression, type DecompressError } from './compression.js';
import { Lz4FrameDecoder } from './lz4-frame.js';
import { Progress, type ProgressStream } from './progress.js';
import { err, ok, type Result } from './result.js';

export { compressionOfHead, CORES_SUBDIR, detectCompression, formatDecompressError, type Codec, type Compression, type DecompressError } from './compression.js';

export interface DecompressOptions {
  /** Where to show progress (only drawn when it is a TTY and the work takes over a second). */
  progress?: ProgressStream | null;
}

/** A hash of the file's content: the cache key. */
export async function hashFile(path: string, onBytes?: (n: number) => void): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    onBytes?.((chunk as Buffer).length);
  }
  return h.digest('hex').slice(0, 32);
}

/** Reads `path` in chunks, reporting how many bytes were read so far. */
async function* readCounted(path: string, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) {
    onBytes((chunk as Buffer).length);
    yield chunk as Buffer;
  }
}

/** Decodes `input` with `codec`, handing each piece of output to `write` as soon as it exists. */
export async function decode(codec: Codec, input: AsyncIterable<Buffer>, write: (b: Uint8Array) => void): Promise<void> {
  switch (codec) {
    case 'gzip':
    case 'zlib':
      await pipeline(Readable.from(input), codec === 'gzip' ? createGunzip() : createInflate(), async (out: AsyncIterable<Buffer>) => {
        for await (const c of out) write(c);
      });
      return;
    case 'zstd': {
      const { Decompress } = await import('fzstd');
      let d: InstanceType<typeof Decompress> | null = null;
      for await (const chunk of input) {
        if (!d) {
          checkZstdWindow(chunk);
          d = new Decompress((b) => write(b));
        }
        d.push(chunk);
      }
      if (!d) throw new Error('empty input');
      d.push(new Uint8Array(0), true);
      return;
    }
    case 'lz4': {
      const d = new Lz4FrameDecoder(write);
      for await (const chunk of input) d.push(chunk);
      d.end();
      return;
    }
    case 'xz': {
      const { XzReadableStream } = loadXz();
      const web = new XzReadableStream(Readable.toWeb(Readable.from(input)) as ReadableStream<Uint8Array>);
      try {
        for await (const c of Readable.fromWeb(web as import('node:stream/web').ReadableStream<Uint8Array>)) write(c as Uint8Array);
      } catch (e) {
        throw new Error(xzMessage((e as Error).message));
      }
      return;
    }
  }
}

/** The window a zstd frame asks for is memory we must hold; refuse absurd ones before allocating. */
const MAX_ZSTD_WINDOW = 512 * 1024 * 1024;

function checkZstdWindow(head: Uint8Array): void {
  if (head.length < 6) return;
  const flg = head[4];
  if ((flg >> 5) & 1) return; // single segment: the window is the (already written) content size
  const exp = 10 + (head[5] >> 3);
  const base = 2 ** exp;
  const window = base + (base / 8) * (head[5] & 7);
  if (window > MAX_ZSTD_WINDOW) throw new Error(`the zstd frame needs a ${window / 2 ** 20} MiB window, more than pycore allows (${MAX_ZSTD_WINDOW / 2 ** 20} MiB); decompress it with \`zstd -d --long=31\``);
}

type XzModule = { XzReadableStream: new (s: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array> };
let xzModule: XzModule | null = null;

function loadXz(): XzModule {
  // xz-decompress is a CommonJS bundle whose exports Node cannot name statically.
  xzModule ??= createRequire(import.meta.url)('xz-decompress') as XzModule;
  return xzModule;
}

// xz-embedded's return codes, as xz-decompress reports them.
const xzCodes: Record<string, string> = {
  '2': 'unsupported integrity check',
  '3': 'out of memory',
  '4': 'the dictionary is larger than the decoder allows',
  '5': 'not an xz stream',
  '6': 'unsupported xz options (e.g. a SHA-256 check or a filter chain xz-embedded lacks); decompress it with `xz -dk`',
  '7': 'corrupt data',
  '8': 'unexpected end of data (the file is truncated)',
};

function xzMessage(m: string): string {
  const code = /error code (\d+)/.exec(m)?.[1];
  return code && xzCodes[code] ? xzCodes[code] : m;
}

/**
 * Runs `produce` (which writes the decoded core through its `write` argument) into a fresh
 * partial file and renames it to `target` when complete. Partial names are unique per process
 * and thread, so parallel runs (triage workers) on the same content never share a file.
 */
export async function writeAtomically(
  target: string,
  displayPath: string,
  cacheDir: string,
  produce: (write: (b: Uint8Array) => void) => Promise<void>,
): Promise<Result<string, DecompressError>> {
  const partial = `${target}.${process.pid}-${threadId}-${randomBytes(4).toString('hex')}.partial`;
  let fd: number;
  try {
    fd = openSync(partial, 'w');
  } catch (e) {
    return err({ kind: 'cache-write', path: displayPath, cacheDir, message: (e as Error).message });
  }
  let writeError: Error | null = null;
  const write = (b: Uint8Array) => {
    let off = 0;
    try {
      while (off < b.length) off += writeSync(fd, b, off, b.length - off);
    } catch (e) {
      writeError = e as Error;
      throw e;
    }
  };
  try {
    await produce(write);
    closeSync(fd);
    renameSync(partial, target);
    return ok(target);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(partial, { force: true });
    if (writeError) return err({ kind: 'cache-write', path: displayPath, cacheDir, message: (writeError as Error).message });
    return err({ kind: 'corrupt-compressed', path: displayPath, message: (e as Error).message });
  }
}

/** What a cache-filling step gets: the cache directory, the content key, and the input to read. */
export interface CacheJob {
  dir: string;
  /** A hash of the input file's content. */
  key: string;
  /** Reads the input again, showing `label` as the progress phase. */
  read(label: string): AsyncGenerator<Buffer>;
}

/**
 * Makes the cache directory, hashes `path` (the key; with progress), then runs `fill`, which
 * returns the cached file when it exists or makes it. Progress is erased when done.
 */
export async function inCache<T, E>(path: string, cacheRoot: string, options: DecompressOptions, fill: (job: CacheJob) => Promise<Result<T, E | DecompressError>>): Promise<Result<T, E | DecompressError>> {
  const dir = join(cacheRoot, CORES_SUBDIR);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    return err({ kind: 'cache-write', path, cacheDir: dir, message: (e as Error).message });
  }
  const size = statSync(path).size;
  const progress = new Progress(options.progress ?? null, `reading ${path}`, size);
  let done = 0;
  const step = (n: number) => progress.update((done += n));
  try {
    const key = await hashFile(path, step);
    return await fill({
      dir,
      key,
      read: (label) => {
        progress.phase(label, size);
        done = 0;
        return readCounted(path, step);
      },
    });
  } finally {
    progress.finish();
  }
}

/** Returns the path of a decompressed copy of `path` in `cacheRoot`, making it if needed. */
export async function decompressToCache(path: string, compression: Compression, cacheRoot: string, options: DecompressOptions = {}): Promise<Result<string, DecompressError>> {
  if (compression === 'bzip2') return err({ kind: 'unsupported-compression', path, compression });
  return inCache<string, DecompressError>(path, cacheRoot, options, async (job) => {
    const target = join(job.dir, `${job.key}.core`);
    if (existsSync(target)) return ok(target);
    return writeAtomically(target, path, job.dir, (write) => decode(compression, job.read(`decompressing ${path} (${compression})`), write));
  });
}
