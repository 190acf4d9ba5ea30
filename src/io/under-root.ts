// Paths named by a core (or by a file it leads to) placed under a root such as --sysroot: the
// name is untrusted, so `..` must not climb out of the root ("/../../etc/shadow" under
// /sysroot is /etc/shadow once joined).
import { resolve, sep } from 'node:path';

/** `root` + `named`, normalized, or null when the result would lie outside `root`. */
export function pathUnder(root: string, named: string): string | null {
  const base = resolve(root);
  const full = resolve(base, `.${named.startsWith('/') ? '' : '/'}${named}`);
  return full === base || full.startsWith(base.endsWith(sep) ? base : base + sep) ? full : null;
}
