// repr() text of scalar values, exactly as CPython writes it. Pure functions.

// Python's str.isprintable(): false for Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs other than space.
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

function hex(c: number, width: number): string {
  return c.toString(16).padStart(width, '0');
}

/** repr(str): quotes chosen as CPython does, escapes for non-printable characters. */
export function reprStr(s: string): string {
  return quoted(s, '', (ch, c) => c < 0x20 || c === 0x7f || (c > 0x7f && NON_PRINTABLE.test(ch)));
}

/** 2.7's repr(unicode): u'...', every character outside printable ASCII escaped. */
export function reprUnicode27(s: string): string {
  return quoted(s, 'u', (_, c) => c < 0x20 || c >= 0x7f);
}

/** A text's repr: single quotes unless only double quotes avoid escaping, `escaped` characters as \xhh, \uhhhh or \Uhhhhhhhh. */
function quoted(s: string, prefix: string, escaped: (ch: string, c: number) => boolean): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = prefix + quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (escaped(ch, c)) out += c <= 0xff ? '\\x' + hex(c, 2) : c <= 0xffff ? '\\u' + hex(c, 4) : '\\U' + hex(c, 8);
    else out += ch;
  }
  return out + quote;
}

/** repr(bytearray): bytearray_repr picks quotes like bytes but always escapes single quotes. */
export function reprByteArray(b: Uint8Array): string {
  return `bytearray(${reprBytes(b, true)})`;
}

/** repr(bytes): b'...' quoting rules. */
export function reprBytes(b: Uint8Array, alwaysEscapeSingle = false): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const c of b) {
    if (c === 0x27) hasSingle = true;
    else if (c === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let out = 'b' + quote;
  for (const c of b) {
    if (c === quote.charCodeAt(0) || c === 0x5c || (alwaysEscapeSingle && c === 0x27)) out += '\\' + String.fromCharCode(c);
    else if (c === 9) out += '\\t';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + hex(c, 2);
    else out += String.fromCharCode(c);
  }
  return out + quote;
}

/** repr(float): the shortest round-tripping digits, laid out by Python's 'r' rules. */
export function reprFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expPart] = Math.abs(x).toExponential().split('e');
  const digits = mant.replace('.', '');
  const exp = Number(expPart);
  const decpt = exp + 1; // position of the decimal point relative to the digits
  if (decpt <= -4 || decpt > 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = exp < 0 ? `-${String(-exp).padStart(2, '0')}` : `+${String(exp).padStart(2, '0')}`;
    return `${sign}${m}e${e}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** repr(complex). */
export function reprComplex(real: number, imag: number): string {
  const part = (v: number) => (Number.isFinite(v) && Number.isInteger(v) && Math.abs(v) < 1e16 ? reprFloat(v).replace(/\.0$/, '') : reprFloat(v));
  if (real === 0 && !Object.is(real, -0)) return `${part(imag)}j`;
  const im = part(imag);
  const signed = im.startsWith('-') ? im : `+${im}`;
  return `(${part(real)}${signed}j)`;
}

/** A Python int from 30-bit digits, least significant first. */
export function intFromDigits(digits: number[], negative: boolean, bitsPerDigit = 30): bigint {
  let v = 0n;
  for (let i = digits.length - 1; i >= 0; i--) v = (v << BigInt(bitsPerDigit)) | BigInt(digits[i]);
  return negative ? -v : v;
}
