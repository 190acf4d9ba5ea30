// What the heap commands (heap, refs, referrers, path) share: opening the heap of a core,
// addresses on the command line, progress of arena scans and writing Graphviz files.
import { writeFileSync } from 'node:fs';
import { openHeap, type HeapSession } from '../analysis/heap/session.js';
import { parseAddress } from '../analysis/objects.js';
import { Progress } from '../io/progress.js';
import { EXIT, fail, notAnObjectFail, progressStream, wholeNumberArg } from './common.js';
import { openCore, type CoreOptions } from './open-core.js';

export const wholeNumber = wholeNumberArg(0, 1_000_000_000);

export function addressesOrFail(texts: string[]): number[] {
  return texts.map((t) => {
    const a = parseAddress(t);
    if (a === null) fail(`${t}: not an address; pass a hexadecimal address such as 0x7f3b2c1d4e50 (as printed by id() or by pycore)`, EXIT.usage);
    return a;
  });
}

export async function heapOrFail(core: string, o: CoreOptions): Promise<HeapSession> {
  const target = await openCore(core, o);
  const s = openHeap(target);
  if ('fatal' in s) fail(s.fatal, EXIT.noPython);
  return s;
}

/** Progress of heap walks on stderr (a terminal only, never beside JSON, after a second). */
export function walkProgress(
  label: string,
  describe = (done: number, total: number) => `${done} of ${total} arenas`,
): { update: (done: number, total: number) => void; finish: () => void } {
  const p = new Progress(progressStream(), label, 0, { describe });
  let phaseTotal = -1;
  return {
    update: (done, total) => {
      if (total !== phaseTotal) {
        p.phase(label, total);
        phaseTotal = total;
      }
      p.update(done);
    },
    finish: () => p.finish(),
  };
}

/** Refuses addresses that hold no valid object (one line, exit 2): a walk for them would find nothing. */
export function objectsOrFail(s: HeapSession, addresses: number[]): void {
  for (const a of addresses) {
    const v = s.objects.decoder.validate(a);
    if (!v.ok) notAnObjectFail(a, v.reason, s.target);
  }
}

export function writeDot(file: string, text: string): void {
  if (file === '-') {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(file, text);
  } catch (e) {
    fail(`cannot write ${file}: ${(e as Error).message}; pass a writable path to --dot (or - for stdout)`, EXIT.usage);
  }
}
