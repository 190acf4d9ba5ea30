// Strings from a core or a log are untrusted: nothing reaches the terminal unescaped.

/** faulthandler's _Py_DumpASCII: printable ASCII as is, everything else \xhh, \uhhhh or \Uhhhhhhhh; cut at 500. */
export function faulthandlerAscii(s: string, maxLength = 500): string {
  let out = '';
  let n = 0;
  for (const ch of s) {
    if (n >= maxLength) return `${out}...`;
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c <= 0x7e) out += ch;
    else if (c <= 0xff) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c <= 0xffff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
    n++;
  }
  return out;
}

/**
 * For pycore's own lines: keep printable text (including non-ASCII letters), escape C0 and C1
 * controls, DEL, and the Unicode line/paragraph separators and bidi overrides that can disguise
 * what a terminal shows.
 */
export function escapeForTerminal(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c === 0x2028 || c === 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0xfeff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}
