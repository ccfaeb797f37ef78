/**
 * Partition values checked against their key's declared Hive type. Athena reads a partition value as
 * its key's type when a query touches the partition: a value that does not parse (`abc` for an `int`
 * key, `2021-13-45` for a `date` key) fails every such query, so it must not be registered.
 * The rules follow how Athena's engine (Trino's Hive connector) parses partition values.
 */
import { HIVE_DEFAULT_PARTITION } from './hive-escape';

const INTEGER_RANGES: Record<string, readonly [bigint, bigint]> = {
  tinyint: [-(2n ** 7n), 2n ** 7n - 1n],
  smallint: [-(2n ** 15n), 2n ** 15n - 1n],
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?$/;
const DECIMAL_VALUE = /^[+-]?(\d*)(?:\.(\d*))?$/;
// Java's Double.parseDouble forms, less the hexadecimal ones.
const FLOATING = /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?$/;

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
  if (!/^[+-]?\d+$/.test(value)) return `not an integer (${type})`;
  const n = BigInt(value);
  return n < range[0] || n > range[1] ? `out of range for ${type} (${range[0]} to ${range[1]})` : undefined;
}

function decimalError(value: string, precision: number, scale: number): string | undefined {
  const m = DECIMAL_VALUE.exec(value);
  const whole = m?.[1] ?? '';
  const fraction = m?.[2] ?? '';
  if (!m || whole + fraction === '') return `not a decimal number (decimal(${precision},${scale}))`;
  // Athena rounds extra fraction digits half up to the scale, then checks the precision.
  let unscaled = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  if (fraction.length > scale && (fraction[scale] ?? '0') >= '5') unscaled += 1n;
  const digits = unscaled === 0n ? 0 : unscaled.toString().length;
  return digits > precision ? `more than ${precision - scale} digits before the point for decimal(${precision},${scale})` : undefined;
}

/**
 * Why `value` is not valid for a partition key of Hive type `type`, or undefined when it is (or the
 * type is one this module does not check). `__HIVE_DEFAULT_PARTITION__` (null) is valid for every type.
 */
export function partitionValueError(value: string, type: string | undefined): string | undefined {
  if (value === HIVE_DEFAULT_PARTITION || type === undefined) return undefined;
  const normalized = type.trim().toLowerCase().replace(/\s+/g, '');
  if (normalized in INTEGER_RANGES) return integerError(value, normalized);
  switch (normalized) {
    case 'string':
    case 'varchar':
    case 'char':
      return undefined;
    case 'boolean':
      return /^(true|false)$/i.test(value) ? undefined : 'not a boolean (true or false)';
    case 'date':
      return isCalendarDate(value) ? undefined : 'not a calendar date YYYY-MM-DD';
    case 'timestamp': {
      const m = TIMESTAMP.exec(value);
      const valid = m !== null && isCalendarDate(m[1] ?? '') && Number(m[2]) <= 23 && Number(m[3]) <= 59 && Number(m[4]) <= 59;
      return valid ? undefined : 'not a timestamp YYYY-MM-DD hh:mm:ss[.fffffffff]';
    }
    case 'float':
    case 'double':
    case 'real':
      return FLOATING.test(value) ? undefined : `not a number (${normalized})`;
    case 'decimal':
      return decimalError(value, 10, 0);
  }
  const sized = /^(varchar|char|decimal)\((\d+)(?:,(\d+))?\)$/.exec(normalized);
  if (!sized) return undefined;
  const [kind, first, second] = [sized[1], Number(sized[2]), sized[3] === undefined ? undefined : Number(sized[3])];
  if (kind === 'decimal') return decimalError(value, first, second ?? 0);
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
