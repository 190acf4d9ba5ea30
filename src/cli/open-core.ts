// From a path on the command line to an opened Target: compressed cores and apport reports are
// unpacked into the cache first (src/io/core-intake.ts), and what was recorded beside the core
// becomes target.origin; every failure becomes one line naming the problem and what to pass instead.
import { cacheDir } from '../io/cache-dir.js';
import { progressStream } from './common.js';
import { formatIntakeError, intakeCore } from '../io/core-intake.js';
import { openFile } from '../io/file-source.js';
import { formatTargetError } from '../target/errors.js';
import type { LocatorOptions } from '../target/file-locator.js';
import { Target } from '../target/target.js';

export interface CoreOptions {
  executable?: string;
  libPath?: string[];
  sysroot?: string;
  /** --debug-dir (repeatable). */
  debugDir?: string[];
  /** false: never draw progress (triage workers); otherwise on stderr when it is a terminal. */
  progress?: boolean;
}

export class UsageError extends Error {}

export async function openCore(path: string, o: CoreOptions): Promise<Target> {
  const intake = await intakeCore(path, cacheDir(), { progress: o.progress === false ? null : progressStream() });
  if (!intake.ok) throw new UsageError(intake.error.kind === 'io' ? formatTargetError({ kind: 'io', error: intake.error.error }) : formatIntakeError(intake.error));
  for (const [flag, p] of [['--executable', o.executable], ['--sysroot', o.sysroot], ...(o.libPath ?? []).map((d) => ['--lib-path', d])] as [string, string | undefined][]) {
    if (p === undefined) continue;
    const want = flag === '--executable' ? 'file' : 'directory';
    const probe = want === 'file' ? openFile(p) : null;
    if (probe && !probe.ok) throw new UsageError(`${flag} ${p}: ${probe.error.kind === 'not-found' ? 'no such file' : probe.error.kind === 'is-directory' ? 'is a directory' : 'cannot be read'}; pass the Python executable the core came from`);
    probe?.ok && probe.value.close();
  }
  const opened = openFile(intake.value.path);
  if (!opened.ok) throw new UsageError(formatTargetError({ kind: 'io', error: opened.error }));
  const source = opened.value;
  const locator: LocatorOptions = { executable: o.executable, libPaths: o.libPath ?? [], sysroot: o.sysroot, debugDirs: o.debugDir };
  const t = Target.open(source, path, locator);
  if (!t.ok) {
    source.close();
    throw new UsageError(formatTargetError(t.error));
  }
  t.value.origin = intake.value.origin;
  return t.value;
}
