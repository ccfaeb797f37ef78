/**
 * Hive's path escaping of partition keys and values (FileUtils.escapePathName / unescapePathName):
 * a fixed set of ASCII characters becomes `%XX` (upper-case hex); everything else, non-ASCII
 * included, is written raw. Unescaping decodes every valid `%XX` and leaves a lone `%` literal.
 */

/** Hive's value for a null or empty partition value. */
export const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';

const ESCAPED = new Set<number>([
  ...Array.from({ length: 0x20 }, (_, i) => i),
  0x22, // "
  0x23, // #
  0x25, // %
  0x27, // '
  0x2a, // *
  0x2f, // /
  0x3a, // :
  0x3d, // =
  0x3f, // ?
  0x5c, // \
  0x7f,
  0x7b, // {
  0x5b, // [
  0x5d, // ]
  0x5e, // ^
]);

/** Escapes a partition key or value as Hive writes it in a path (an empty value is written as HIVE_DEFAULT_PARTITION by the caller). */
export function hiveEscape(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    out += ch.length === 1 && ESCAPED.has(code) ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : ch;
  }
  return out;
}

/** Decodes every valid `%XX` (either case) into the character with that code, as Hive does. */
export function hiveUnescape(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
