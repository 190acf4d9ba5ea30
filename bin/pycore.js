#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import { main } from '../dist/src/cli/main.js';

main(process.argv).catch((e) => {
  process.stderr.write(`pycore: internal error: ${e && e.message ? e.message : e}\n`);
  process.exit(3);
});
