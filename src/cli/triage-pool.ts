// Runs triage over many cores on worker threads: at most `concurrency` at once, one core per
// worker at a time (so memory is bounded by concurrency x one analysis, each worker's heap capped
// by resourceLimits), results in input order. A worker that throws, runs out of memory, exits or
// exceeds the time limit is replaced, and its core is reported as failed: the batch goes on.
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { TriageEntry } from '../analysis/triage.js';
import type { CoreOptions } from './open-core.js';
import type { TriageJob } from './triage-worker.js';

export interface PoolOptions {
  concurrency: number;
  /** Per core, including decompression. */
  timeoutMs: number;
  /** Heap limit of each worker. */
  heapMb: number;
  onProgress?: (done: number, total: number) => void;
}

const WORKER_URL = new URL('./triage-worker.js', import.meta.url);

export async function runTriagePool(cores: string[], options: CoreOptions, frames: number, pool: PoolOptions): Promise<TriageEntry[]> {
  const results: TriageEntry[] = new Array(cores.length);
  let next = 0;
  let done = 0;
  const slot = async () => {
    let worker: Worker | null = null;
    while (next < cores.length) {
      const id = next++;
      worker ??= new Worker(WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: pool.heapMb } });
      const r = await runOne(worker, { id, core: cores[id], options, frames }, pool);
      if (r.dead) {
        await worker.terminate();
        worker = null;
      }
      results[id] = r.entry;
      pool.onProgress?.(++done, cores.length);
    }
    await worker?.terminate();
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(pool.concurrency, cores.length)) }, slot));
  return results;
}

function failed(core: string, reason: string): TriageEntry {
  let mtime: number | null = null;
  try {
    mtime = statSync(core).mtimeMs;
  } catch {
    // gone
  }
  return { core, mtime_ms: mtime, status: 'failed', reason };
}

function runOne(w: Worker, job: TriageJob, pool: PoolOptions): Promise<{ entry: TriageEntry; dead: boolean }> {
  return new Promise((resolve) => {
    const finish = (entry: TriageEntry, dead: boolean) => {
      clearTimeout(timer);
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
      resolve({ entry, dead });
    };
    const onMessage = (m: { id: number; entry: TriageEntry }) => {
      if (m.id === job.id) finish(m.entry, false);
    };
    const onError = (e: Error & { code?: string }) =>
      finish(
        failed(job.core, e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `the analysis ran out of memory (limit ${pool.heapMb} MiB per worker)` : `internal error: ${e.message} (this is a bug in pycore)`),
        true,
      );
    const onExit = (code: number) => finish(failed(job.core, `the worker analyzing it exited (code ${code}) (this is a bug in pycore)`), true);
    const timer = setTimeout(() => finish(failed(job.core, `the analysis took longer than ${Math.round(pool.timeoutMs / 1000)} s and was stopped; analyze it alone with \`pycore analyze\``), true), pool.timeoutMs);
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
    w.postMessage(job);
  });
}
