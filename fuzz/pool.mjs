// In-process fuzz runs: a few long-lived worker threads (fuzz/worker.mjs), each with a capped
// heap (resourceLimits) and a watchdog that terminates it when an input overruns the time
// budget; a terminated or out-of-memory worker is replaced and the input counts as a failure.
// Workers are also replaced every `recycleAfter` inputs so that state one input leaves behind
// cannot be blamed on a later one.
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export class WorkerPool {
  /** `mainUrl`: the module whose main(argv) is run (default: pycore's CLI under `root`). */
  constructor(root, { size = 1, budgetMs = 20000, memoryMb = 512, recycleAfter = 400, mainUrl } = {}) {
    this.workerUrl = new URL('./worker.mjs', import.meta.url);
    this.mainUrl = mainUrl ?? pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href;
    this.budgetMs = budgetMs;
    this.memoryMb = memoryMb;
    this.recycleAfter = recycleAfter;
    this.slots = Array.from({ length: size }, () => null);
    this.idle = [];
    this.waiting = [];
    this.nextId = 1;
    this.respawns = 0;
  }

  async start() {
    await Promise.all(this.slots.map((_, i) => this.#spawn(i)));
    // resourceLimits caps each worker's JS heap but not Buffers and other memory outside it:
    // when the whole process grows past every worker's budget, the busy ones are stopped.
    const baseline = process.memoryUsage.rss();
    this.rssTimer = setInterval(() => {
      if (process.memoryUsage.rss() - baseline <= this.slots.length * this.memoryMb * 2 ** 20) return;
      for (const slot of this.slots) if (slot?.job) this.#die(slot, `process RSS over ${this.slots.length} x ${this.memoryMb} MB`);
    }, 200);
    this.rssTimer.unref();
  }

  #spawn(i) {
    const w = new Worker(this.workerUrl, { workerData: { mainUrl: this.mainUrl }, resourceLimits: { maxOldGenerationSizeMb: this.memoryMb }, stdout: true, stderr: true });
    const slot = { i, w, runs: 0, job: null, ready: null };
    // Anything the worker really prints outside a run is drained, never shown.
    w.stdout.resume();
    w.stderr.resume();
    this.slots[i] = slot;
    slot.ready = new Promise((resolve, reject) => {
      const onMsg = (m) => {
        if (m.ready) {
          w.off('message', onMsg);
          resolve();
        }
      };
      w.on('message', onMsg);
      w.once('error', reject);
    });
    w.on('message', (m) => m.id && this.#finish(slot, { status: m.status, stdout: m.stdout, stderr: m.stderr, ms: m.ms }));
    w.on('error', (e) => this.#die(slot, e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `over the ${this.memoryMb} MB heap budget` : `worker error: ${e.message}`));
    w.on('exit', (code) => this.#die(slot, `worker exited (code ${code})`));
    return slot.ready.then(() => this.#release(slot));
  }

  #release(slot) {
    const next = this.waiting.shift();
    if (next) this.#dispatch(slot, next);
    else this.idle.push(slot);
  }

  #dispatch(slot, job) {
    slot.job = job;
    job.t0 = Date.now();
    slot.timer = setTimeout(() => {
      const stuck = slot.job;
      slot.job = null;
      this.#replace(slot);
      stuck?.resolve({ failure: `over the ${this.budgetMs} ms budget`, hang: true, ms: Date.now() - stuck.t0 });
    }, this.budgetMs);
    slot.w.postMessage({ id: job.id, argv: job.argv });
  }

  #finish(slot, res) {
    const job = slot.job;
    if (!job) return;
    clearTimeout(slot.timer);
    slot.job = null;
    slot.runs++;
    job.resolve(res);
    if (slot.runs >= this.recycleAfter) this.#replace(slot);
    else this.#release(slot);
  }

  #die(slot, why) {
    if (this.slots[slot.i] !== slot || slot.dead) return;
    const job = slot.job;
    slot.job = null;
    clearTimeout(slot.timer);
    this.#replace(slot);
    job?.resolve({ failure: why, ms: Date.now() - job.t0 });
  }

  #replace(slot) {
    slot.dead = true;
    clearTimeout(slot.timer);
    slot.w.removeAllListeners('exit');
    slot.w.terminate();
    this.respawns++;
    if (!this.closed) this.#spawn(slot.i);
  }

  /** Runs `pycore ...argv` in a worker: {status, stdout, stderr, ms} or {failure, ms}. */
  run(argv) {
    return new Promise((resolve) => {
      const job = { id: this.nextId++, argv, resolve };
      const slot = this.idle.shift();
      if (slot) this.#dispatch(slot, job);
      else this.waiting.push(job);
    });
  }

  async close() {
    this.closed = true;
    clearInterval(this.rssTimer);
    await Promise.all(this.slots.map((s) => s && !s.dead && s.w.terminate()));
  }
}
