// The one place that decides where pycore keeps derived files (decompressed cores, layouts).
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PYCORE_CACHE_DIR) return env.PYCORE_CACHE_DIR;
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'pycore');
}
