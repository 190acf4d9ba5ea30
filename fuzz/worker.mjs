// One long-lived fuzz worker thread: runs pycore's own CLI (the bundle dist/cli/main.js, what bin/pycore.js runs) in-process on
// each input it is sent, with stdout/stderr captured and process.exit turned into a value, so an
// input costs the command's work alone, not a node start (~0.3 s). The parent's watchdog
// terminates the thread when an input overruns the time budget; resourceLimits cap its heap.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

// Commands leave their core and library files open when the process is about to exit anyway;
// here the process lives on, so every descriptor an input opened is closed after it.
const open = new Set();
const realOpen = fs.openSync;
const realClose = fs.closeSync;
fs.openSync = (...a) => {
  const fd = realOpen(...a);
  open.add(fd);
  return fd;
};
fs.closeSync = (fd) => {
  open.delete(fd);
  return realClose(fd);
};
syncBuiltinESMExports();

class Exit extends Error {
  constructor(code) {
    super(`exit ${code}`);
    this.exitCode = code;
  }
}

const { main } = await import(workerData.mainUrl);
let out = [];
let err = [];
let exited = null;
const capture = (sink) => (chunk, enc, cb) => {
  if (exited === null) sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
  if (typeof enc === 'function') enc();
  else if (typeof cb === 'function') cb();
  return true;
};
process.stdout.write = capture(out);
process.stderr.write = capture(err);
process.exit = (code) => {
  // The first exit is the command's; main() may catch it and exit again as "internal error".
  if (exited === null) exited = code ?? 0;
  throw new Exit(code);
};

parentPort.on('message', async ({ id, argv }) => {
  out.length = 0;
  err.length = 0;
  exited = null;
  process.exitCode = undefined;
  const t0 = performance.now();
  let thrown = null;
  try {
    await main([process.execPath, 'pycore', ...argv]);
  } catch (e) {
    if (!(e instanceof Exit)) thrown = e && e.stack ? String(e.stack).split('\n').slice(0, 4).join(' | ') : String(e);
  }
  const status = thrown ? 3 : exited ?? (typeof process.exitCode === 'number' ? process.exitCode : 0);
  const stdout = out.join('');
  const stderr = err.join('') + (thrown ? `uncaught: ${thrown}\n` : '');
  for (const fd of open) {
    try {
      realClose(fd);
    } catch {
      // already closed by a stream
    }
  }
  open.clear();
  process.exitCode = undefined;
  parentPort.postMessage({ id, status, stdout, stderr, ms: performance.now() - t0, heapMb: process.memoryUsage().heapUsed / 2 ** 20 });
});
parentPort.postMessage({ ready: true });
