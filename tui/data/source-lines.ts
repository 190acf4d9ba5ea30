// Source lines for the frame view, read lazily from the local file system (the core names the
// files; when they exist here, the user sees the line). Bounded: only regular files up to
// MAX_SOURCE_BYTES, at most MAX_CACHED_FILES kept. Lines come back escaped for the terminal.
import { readFile, stat } from 'node:fs/promises';
import { escapeForTerminal } from '../../src/reports/sanitize.js';

export const MAX_SOURCE_BYTES = 4 * 1024 * 1024;
const MAX_CACHED_FILES = 32;

export interface SourceReader {
  /** The escaped text of line `line` (1-based) of `file`, or null when it cannot be read. */
  line(file: string, line: number): Promise<string | null>;
}

/** Tabs to spaces, no line ending, every control character escaped. */
export function displayLine(raw: string): string {
  return escapeForTerminal(raw.replace(/\r$/, '').replace(/\t/g, '    '));
}

async function readLines(path: string): Promise<string[] | null> {
  try {
    const s = await stat(path);
    if (!s.isFile() || s.size > MAX_SOURCE_BYTES) return null;
    return (await readFile(path, 'utf8')).split('\n');
  } catch {
    return null;
  }
}

/**
 * `places` says where a file the core names may be read here, best first (the CLI keeps them
 * under --sysroot when one is given). Failures are cached too.
 */
export function createSourceReader(places: (file: string) => readonly string[] = (file) => [file]): SourceReader {
  const cache = new Map<string, Promise<string[] | null>>();
  const load = async (file: string): Promise<string[] | null> => {
    for (const path of places(file)) {
      const lines = await readLines(path);
      if (lines) return lines;
    }
    return null;
  };
  return {
    async line(file, line) {
      let p = cache.get(file);
      if (!p) {
        if (cache.size >= MAX_CACHED_FILES) cache.delete(cache.keys().next().value!);
        p = load(file);
        cache.set(file, p);
      }
      const lines = await p;
      if (!lines || line < 1 || line > lines.length) return null;
      return displayLine(lines[line - 1]);
    },
  };
}
