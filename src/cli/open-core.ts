// From a path on the command line to an opened Target: compressed cores are decompressed into
// the cache first; every failure becomes one line naming the problem and what to pass instead.
import { cacheDir } from '../io/cache-dir.js';
import { decompressToCache, detectCompression, formatDecompressError } from '../io/decompress.js';
import { openFile } from '../io/file-source.js';
import { formatTargetError } from '../target/errors.js';
import type { LocatorOptions } from '../target/file-locator.js';
import { Target } from '../target/target.js';

export interface CoreOptions {
  executable?: string;
  libPath?: string[];
  sysroot?: string;
}

export class UsageError extends Error {}

export async function openCore(path: string, o: CoreOptions): Promise<Target> {
  const first = openFile(path);
  if (!first.ok) throw new UsageError(formatTargetError({ kind: 'io', error: first.error }));
  let source = first.value;
  const compression = detectCompression(source);
  if (compression) {
    source.close();
    const plain = await decompressToCache(path, compression, cacheDir());
    if (!plain.ok) throw new UsageError(formatDecompressError(plain.error));
    const opened = openFile(plain.value);
    if (!opened.ok) throw new UsageError(formatTargetError({ kind: 'io', error: opened.error }));
    source = opened.value;
  }
  for (const [flag, p] of [['--executable', o.executable], ['--sysroot', o.sysroot], ...(o.libPath ?? []).map((d) => ['--lib-path', d])] as [string, string | undefined][]) {
    if (p === undefined) continue;
    const want = flag === '--executable' ? 'file' : 'directory';
    const probe = want === 'file' ? openFile(p) : null;
    if (probe && !probe.ok) throw new UsageError(`${flag} ${p}: ${probe.error.kind === 'not-found' ? 'no such file' : probe.error.kind === 'is-directory' ? 'is a directory' : 'cannot be read'}; pass the Python executable the core came from`);
    probe?.ok && probe.value.close();
  }
  const locator: LocatorOptions = { executable: o.executable, libPaths: o.libPath ?? [], sysroot: o.sysroot };
  const t = Target.open(source, path, locator);
  if (!t.ok) throw new UsageError(formatTargetError(t.error));
  return t.value;
}
