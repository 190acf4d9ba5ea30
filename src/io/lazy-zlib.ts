// node's zlib, loaded on first use: compressed ELF sections are rare, and loading zlib costs
// every run a few milliseconds.
import { createRequire } from 'node:module';

let zlibModule: typeof import('node:zlib') | null = null;

export function zlib(): typeof import('node:zlib') {
  return (zlibModule ??= createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib'));
}
