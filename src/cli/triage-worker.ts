// A triage worker thread: takes one core at a time from the main thread and answers with its
// entry. The main thread bounds how many run at once and replaces a worker that dies or hangs.
import { parentPort } from 'node:worker_threads';
import type { CoreOptions } from './open-core.js';
import { triageOne } from './triage-one.js';

export interface TriageJob {
  id: number;
  core: string;
  options: CoreOptions;
  frames: number;
}

parentPort?.on('message', (job: TriageJob) => {
  void triageOne(job.core, job.options, job.frames).then((entry) => parentPort!.postMessage({ id: job.id, entry }));
});
