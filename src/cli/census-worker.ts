// A worker thread of a split census (src/cli/census-pool.ts): opens the core and its heap as the
// main thread did, then scans the arena ranges it is given, in address order, and at the end
// says what it counted. Any failure is one message, and the main thread ends the census's workers.
import { parentPort } from 'node:worker_threads';
import { censusScanner, type CensusOptions } from '../analysis/heap/census.js';
import { openHeap } from '../analysis/heap/session.js';
import type { GcBits } from '../cpython/heap.js';
import { openCore, type CoreOptions } from './open-core.js';

export type CensusJob =
  | { kind: 'open'; core: string; options: CoreOptions; census: Pick<CensusOptions, 'largest'> }
  | { kind: 'scan'; first: number; end: number; gc: GcBits }
  | { kind: 'part' };

let scanner: ReturnType<typeof censusScanner> | null = null;

const port = parentPort!;
const failed = (e: unknown) => port.postMessage({ kind: 'error', message: e instanceof Error ? e.message : String(e) });

port.on('message', (job: CensusJob) => {
  try {
    if (job.kind === 'open') {
      void openCore(job.core, { ...job.options, progress: false }).then((target) => {
        const s = openHeap(target);
        if ('fatal' in s) return failed(s.fatal);
        scanner = censusScanner(s, job.census);
        port.postMessage({ kind: 'ready' });
      }, failed);
    } else if (job.kind === 'scan') {
      const scan = scanner!.scan(job.first, job.end, job.gc);
      port.postMessage({ kind: 'scan', scan }, [scan.refs.buffer as ArrayBuffer, scan.types.buffer as ArrayBuffer]);
    } else {
      const part = scanner!.part();
      port.postMessage({ kind: 'part', part }, [part.types.buffer as ArrayBuffer]);
    }
  } catch (e) {
    failed(e);
  }
});
