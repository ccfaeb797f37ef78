/**
 * Partition values checked against their key's declared Hive type. Athena reads a partition value as
 * its key's type when a query touches the partition: a value that does not parse (`abc` for an `int`
 * key, `2021-13-45` for a `date` key) fails every such query, so it must not be registered.
 * The rules follow how Athena's engine parses partition values (Trino's Hive connector,
 * HiveUtil.parsePartitionValue:
 * https://github.com/trinodb/trino/blob/master/plugin/trino-hive/src/main/java/io/trino/plugin/hive/util/HiveUtil.java),
 * which is more lenient than Hive's documented literal forms: single-digit months and days, date-only
 * timestamps, exponents in decimals, an empty number reading as 0. It hands numbers to Java's own parsers:
 * - integers: Long/Integer/Short/Byte.parseX: a sign, then decimal digits (Character.digit: any Unicode
 *   decimal digit of the BMP, `١٢` too), no spaces;
 * - float/double: Float/Double.parseFloat/parseDouble, after String.trim() (which removes only
 *   U+0000-U+0020: `1.5\u00a0` and `\ufeff1` are refused): `[sign] NaN`, `[sign] Infinity` (no
 *   suffix), decimal or hexadecimal forms with an optional f/F/d/D suffix
 *   (https://docs.oracle.com/en/java/javase/21/docs/api/java.base/java/lang/Double.html#valueOf(java.lang.String));
 * - decimal: new BigDecimal(value less one "BD" suffix): Unicode digits too, no spaces;
 * - boolean: String.equalsIgnoreCase("true" / "false"), which compares characters by their case mappings.
 */
import { HIVE_DEFAULT_PARTITION } from './hive-escape';

const INTEGER_RANGES: Record<string, readonly [bigint, bigint]> = {
  tinyint: [-(2n ** 7n), 2n ** 7n - 1n],
  smallint: [-(2n ** 15n), 2n ** 15n - 1n],
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};

// Joda's yyyy-MM-dd parser takes one or two digits for the month and the day.
const DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
// yyyy-M-d, yyyy-M-d H:m, yyyy-M-d H:m:s, each with up to 9 fraction digits after the seconds.
const TIMESTAMP = /^(\d{4}-\d{1,2}-\d{1,2})(?: (\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d{1,9})?)?)?$/;
// java.math.BigDecimal's forms, with Hive's optional BD suffix.
const DECIMAL_VALUE = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,9}))?(?:BD)?$/;
// Double.parseDouble's forms (after Java's trim): NaN and Infinity take no suffix; ASCII digits only.
const FLOATING =
  /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?|0[xX]([0-9a-fA-F]+\.?|[0-9a-fA-F]*\.[0-9a-fA-F]+)[pP][+-]?\d+[fFdD]?)$/;
/** Java's String.trim(): removes characters U+0000 to U+0020 from both ends, and nothing else. */
// eslint-disable-next-line no-control-regex -- Java trims exactly the control characters and the space
const javaTrim = (s: string) => s.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
const UNICODE_DIGIT = /\p{Nd}/u;

/**
 * The value with every decimal digit Java's Character.digit(char, 10) reads (Unicode category Nd, one
 * UTF-16 unit: digits outside the BMP are surrogate pairs, which it refuses) written as an ASCII digit.
 */
function asciiDigits(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    const ch = value[i] ?? '';
    if (c < 0x80 || (c >= 0xd800 && c <= 0xdfff) || !UNICODE_DIGIT.test(ch)) {
      out += ch;
      continue;
    }
    // Nd digits come in runs of ten from a zero: the distance from the run's start, mod 10, is the digit.
    let run = 0;
    while (UNICODE_DIGIT.test(String.fromCharCode(c - run - 1))) run += 1;
    out += String(run % 10);
  }
  return out;
}

/** Java's String.equalsIgnoreCase: equal length, each pair of characters equal, or equal upper-cased, or equal lower-cased after that. */
function javaEqualsIgnoreCase(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const upper = (c: string) => (c.toUpperCase().length === 1 ? c.toUpperCase() : c);
  const lower = (c: string) => (c.toLowerCase().length === 1 ? c.toLowerCase() : c);
  for (let i = 0; i < a.length; i += 1) {
    const [x, y] = [a[i] ?? '', b[i] ?? ''];
    if (x === y) continue;
    const [ux, uy] = [upper(x), upper(y)];
    if (ux !== uy && lower(ux) !== lower(uy)) return false;
  }
  return true;
}
const NUMERIC_OR_BOOLEAN = new Set(['tinyint', 'smallint', 'int', 'integer', 'bigint', 'float', 'double', 'real', 'boolean']);

const isLeapYear = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const days = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

function integerError(value: string, type: string): string | undefined {
  const range = INTEGER_RANGES[type];
  if (!range) return undefined;
  const digits = asciiDigits(value);
  if (!/^[+-]?\d+$/.test(digits)) return `not an integer (${type})`;
  const n = BigInt(digits);
  return n < range[0] || n > range[1] ? `out of range for ${type} (${range[0]} to ${range[1]})` : undefined;
}

function decimalError(value: string, precision: number, scale: number): string | undefined {
  const type = `decimal(${precision},${scale})`;
  const m = DECIMAL_VALUE.exec(asciiDigits(value));
  const whole = m?.[1] ?? '';
  const fraction = m?.[2] ?? '';
  if (!m || whole + fraction === '') return `not a decimal number (${type})`;
  // The digits with the point moved by the exponent, split into integer and fraction parts.
  const digits = whole + fraction;
  const point = whole.length + Number(m[3] ?? 0);
  const nonZero = /[1-9]/.test(digits);
  if (point > precision + digits.length) return nonZero ? `more than ${precision - scale} digits before the point for ${type}` : undefined;
  if (point < -scale) return nonZero ? `more than ${scale} digits after the point for ${type}` : undefined;
  const integerPart = point <= 0 ? '' : digits.slice(0, point).padEnd(point, '0');
  const fractionPart = point >= 0 ? digits.slice(point) : '0'.repeat(-point) + digits;
  // Athena sets the scale without rounding: extra fraction digits other than zeros fail the query.
  if (/[1-9]/.test(fractionPart.slice(scale))) return `more than ${scale} digits after the point for ${type}`;
  const unscaled = BigInt(integerPart + fractionPart.padEnd(scale, '0').slice(0, scale) || '0');
  return unscaled !== 0n && unscaled.toString().length > precision ? `more than ${precision - scale} digits before the point for ${type}` : undefined;
}

/**
 * Why `value` is not valid for a partition key of Hive type `type`, or undefined when it is (or the
 * type is one this module does not check). `__HIVE_DEFAULT_PARTITION__` (null) is valid for every type.
 */
export function partitionValueError(value: string, type: string | undefined): string | undefined {
  if (value === HIVE_DEFAULT_PARTITION || type === undefined) return undefined;
  const normalized = type.trim().toLowerCase().replace(/\s+/g, '');
  // Athena reads an empty value of a number or boolean key as 0 or false.
  if (value === '' && (NUMERIC_OR_BOOLEAN.has(normalized) || normalized.startsWith('decimal'))) return undefined;
  if (normalized in INTEGER_RANGES) return integerError(value, normalized);
  switch (normalized) {
    case 'string':
    case 'varchar':
    case 'char':
      return undefined;
    case 'boolean':
      return javaEqualsIgnoreCase(value, 'true') || javaEqualsIgnoreCase(value, 'false') ? undefined : 'not a boolean (true or false)';
    case 'date':
      return isCalendarDate(value) ? undefined : 'not a calendar date YYYY-MM-DD';
    case 'timestamp': {
      const m = TIMESTAMP.exec(value);
      const valid = m !== null && isCalendarDate(m[1] ?? '') && Number(m[2] ?? 0) <= 23 && Number(m[3] ?? 0) <= 59 && Number(m[4] ?? 0) <= 59;
      return valid ? undefined : 'not a timestamp YYYY-MM-DD[ hh:mm[:ss[.fffffffff]]]';
    }
    case 'float':
    case 'double':
    case 'real':
      return FLOATING.test(javaTrim(value)) ? undefined : `not a number (${normalized})`;
    case 'decimal':
      return decimalError(value, 10, 0);
  }
  const sized = /^(varchar|char|decimal)\((\d+)(?:,(\d+))?\)$/.exec(normalized);
  if (!sized) return undefined;
  const [kind, first, second] = [sized[1], Number(sized[2]), sized[3] === undefined ? undefined : Number(sized[3])];
  // Athena's decimals: precision 1-38, scale 0-precision; other declarations are not this module's to judge.
  if (kind === 'decimal') return first >= 1 && first <= 38 && (second ?? 0) <= first ? decimalError(value, first, second ?? 0) : undefined;
  if (second !== undefined) return undefined;
  // Athena fails a query on a varchar(n)/char(n) partition value longer than n characters (char: before its padding).
  const text = kind === 'char' ? value.replace(/ +$/, '') : value;
  return [...text].length > first ? `longer than ${first} characters (${kind}(${first}))` : undefined;
}

/** The first value of a partition that its key's type rejects, as `key=value: reason`, or undefined. */
export function partitionTypeError(keys: readonly { name: string; type?: string }[], values: readonly string[]): string | undefined {
  for (const [i, key] of keys.entries()) {
    const value = values[i] ?? '';
    const error = partitionValueError(value, key.type);
    if (error !== undefined) return `${key.name}=${value.length > 60 ? `${value.slice(0, 59)}…` : value}: ${error}`;
  }
  return undefined;
}
