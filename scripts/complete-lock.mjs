#!/usr/bin/env node
// npm records a package's platform-specific optional dependencies only for platforms its
// registry serves (npm/cli#4828), and this project's registry serves rollup's Linux builds
// alone; `npm ci` then rejects the lock file as out of sync. This adds the missing entries,
// each with its os/cpu/libc, so `npm ci` skips them on every other platform without fetching.
// Run after any `npm install` that changes the lock: `node scripts/complete-lock.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const pkgs = lock.packages;
const platform = (name) => {
  const m = /^@rollup\/rollup-(android|darwin|freebsd|linux|openbsd|openharmony|win32)-([a-z0-9]+)(?:-(gnu|musl|gnueabihf|musleabihf|msvc|eabi))?$/.exec(name);
  if (!m) return null;
  const cpu = { x64: 'x64', arm64: 'arm64', arm: 'arm', ia32: 'ia32', loong64: 'loong64', ppc64: 'ppc64', riscv64: 'riscv64', s390x: 's390x' }[m[2]];
  const libc = m[3] === 'gnu' || m[3] === 'gnueabihf' ? 'glibc' : m[3] === 'musl' || m[3] === 'musleabihf' ? 'musl' : null;
  return { os: m[1], cpu, libc };
};
let added = 0;
for (const [path, entry] of Object.entries(pkgs)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (pkgs[key]) continue;
    const p = platform(dep);
    if (!p || !p.cpu) continue;
    pkgs[key] = { version, cpu: [p.cpu], ...(p.libc ? { libc: [p.libc] } : {}), license: 'MIT', optional: true, os: [p.os] };
    added++;
  }
  void path;
}
lock.packages = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log(`complete-lock: added ${added} platform entries`);
