/** S3 lists keys in the byte order of their UTF-8 encoding, which is code-point order. */

// UTF-16 code-unit order differs from code-point order only between surrogates (U+D800-DFFF,
// which encode code points above U+FFFF) and U+E000-FFFF: shift them into code-point order.
const rank = (unit: number): number => (unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit);

/** Compares two strings as S3 orders keys (UTF-8 bytes). */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/** The highest code point: `prefix + MAX_CHAR` sorts after every key that starts with `prefix` (but those continuing with it). */
export const MAX_CHAR = '\u{10FFFF}';
