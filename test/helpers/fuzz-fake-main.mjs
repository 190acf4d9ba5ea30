// A stand-in for pycore's main(argv) that misbehaves on request, to test the fuzz worker pool's
// watchdog, heap cap and output capture (test/fuzz.test.ts).
export async function main(argv) {
  const what = argv[2];
  if (what === 'print') {
    process.stdout.write('out\n');
    process.stderr.write('err\n');
  } else if (what === 'fail') {
    process.stderr.write('pycore: bad input\n');
    process.exit(2);
  } else if (what === 'exitcode') process.exitCode = 1;
  else if (what === 'throw') throw new Error('boom');
  else if (what === 'hang') for (;;);
  else if (what === 'heap') {
    const keep = [];
    for (;;) keep.push(new Array(1e6).fill(keep.length + 0.5));
  } else if (what === 'buffers') {
    const keep = [];
    for (;;) {
      keep.push(Buffer.alloc(64 * 2 ** 20, 1));
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
