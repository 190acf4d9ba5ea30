// What `pycore cache` shows and `pycore cache clear` removes: only the files pycore itself put in
// its cache directory (PYCORE_CACHE_DIR may point anywhere, so nothing else is ever touched).
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CORES_SUBDIR } from './compression.js';

/** A cache entry pycore made: a decompressed core, its container metadata, or an unfinished one. */
const OWN_FILE = /^[0-9a-f]{32}\.(core|apport\.json)$|\.partial$/;
/** A partial file younger than this may belong to a run in progress and is left alone. */
const PARTIAL_GRACE_MS = 60 * 60 * 1000;

export interface CacheUsage {
  dir: string;
  cores: number;
  files: number;
  bytes: number;
}

function ownFiles(root: string): { path: string; name: string; size: number; mtimeMs: number }[] {
  const dir = join(root, CORES_SUBDIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: { path: string; name: string; size: number; mtimeMs: number }[] = [];
  for (const name of names) {
    if (!OWN_FILE.test(name)) continue;
    const path = join(dir, name);
    try {
      const st = lstatSync(path);
      if (st.isFile()) out.push({ path, name, size: st.size, mtimeMs: st.mtimeMs });
    } catch {
      // removed meanwhile
    }
  }
  return out;
}

export function cacheUsage(root: string): CacheUsage {
  const files = ownFiles(root);
  return { dir: root, cores: files.filter((f) => f.name.endsWith('.core')).length, files: files.length, bytes: files.reduce((s, f) => s + f.size, 0) };
}

export function clearCache(root: string, now = Date.now()): { removed: number; bytes: number; kept: number } {
  let removed = 0;
  let bytes = 0;
  let kept = 0;
  for (const f of ownFiles(root)) {
    if (f.name.endsWith('.partial') && now - f.mtimeMs < PARTIAL_GRACE_MS) {
      kept++;
      continue;
    }
    rmSync(f.path, { force: true });
    removed++;
    bytes += f.size;
  }
  return { removed, bytes, kept };
}
