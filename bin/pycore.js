#!/usr/bin/env node
// Entry point: the bundled CLI lives in dist/cli/ (built by `npm ci` through the prepare script:
// tsc, then scripts/bundle.mjs).
import('../dist/cli/main.js').then(
  (m) => m.main(process.argv),
  (e) => {
    const missing = e && e.code === 'ERR_MODULE_NOT_FOUND';
    process.stderr.write(`pycore: ${missing ? 'pycore is not built (dist/ is missing or incomplete); run `npm ci` or `npm run build`' : `cannot start: ${e && e.message ? e.message : e}`}\n`);
    process.exit(3);
  },
);
