// Triage of one core: open it (unpacking it when compressed or an apport report), analyze it,
// reduce the report to its crash signature. Any failure becomes a 'failed' entry with the
// one-line reason, never an exception: one bad core must not stop a batch.
import { statSync } from 'node:fs';
import { analyze } from '../analysis/analyze.js';
import { isPartial, signatureOf, type TriageEntry } from '../analysis/triage.js';
import { openCore, UsageError, type CoreOptions } from './open-core.js';

export async function triageOne(core: string, options: CoreOptions, frames: number): Promise<TriageEntry> {
  let mtime: number | null = null;
  try {
    mtime = statSync(core).mtimeMs;
  } catch {
    // reported by openCore below
  }
  try {
    const target = await openCore(core, { ...options, progress: false });
    try {
      const { report, fatal } = analyze(target);
      return { core, mtime_ms: mtime, status: 'analyzed', signature: signatureOf(report, frames, fatal), partial: isPartial(report), note: fatal };
    } finally {
      target.close();
    }
  } catch (e) {
    const message = e instanceof UsageError ? e.message : `internal error: ${(e as Error).message} (this is a bug in pycore; please report it with the core if you can)`;
    // The reason is listed under the core's name: drop the name when the message starts with it.
    const reason = message.startsWith(`${core}: `) ? message.slice(core.length + 2) : message;
    return { core, mtime_ms: mtime, status: 'failed', reason };
  }
}
