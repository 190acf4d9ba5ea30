// `pycore cache` (where the cache is and how big) and `pycore cache clear` (remove what pycore
// put there: decompressed cores and unpacked apport reports).
import type { Command } from 'commander';
import { cacheDir } from '../../io/cache-dir.js';
import { cacheUsage, clearCache } from '../../io/cache-store.js';
import { formatBytes } from '../../io/progress.js';
import { escapeForTerminal as esc } from '../../reports/sanitize.js';

export function register(program: Command): void {
  const cache = program
    .command('cache')
    .description('show the cache of decompressed cores (its directory and size); `pycore cache clear` empties it')
    .action(() => {
      const u = cacheUsage(cacheDir());
      process.stdout.write(`Cache: ${esc(u.dir)}\n`);
      process.stdout.write(`       ${u.cores} decompressed core${u.cores === 1 ? '' : 's'}, ${formatBytes(u.bytes)} in ${u.files} file${u.files === 1 ? '' : 's'}\n`);
    });
  cache
    .command('clear')
    .description('remove the decompressed cores pycore keeps in its cache')
    .action(() => {
      const r = clearCache(cacheDir());
      process.stdout.write(`Removed ${r.removed} file${r.removed === 1 ? '' : 's'} (${formatBytes(r.bytes)}) from ${esc(cacheDir())}\n`);
      if (r.kept) process.stdout.write(`Kept ${r.kept} unfinished file${r.kept === 1 ? '' : 's'} less than an hour old (another pycore may be writing ${r.kept === 1 ? 'it' : 'them'})\n`);
    });
}
