/** String operations pipelines need between steps: concatenation, joins, versioned names. */
import { InvalidInputError } from '../core/errors';
import { stampYearProblem } from './instant';

/** Plain concatenation. */
export const concat = (first: string, second: string): string => first + second;

/**
 * Joins values with a separator. Numbers keep their JSON form (2.5, not "2.50"); joining
 * `["s3:/", "bucket", "key"]` on "/" builds "s3://bucket/key". A result longer than `maxLength` is
 * refused before it is built (a 1 MB separator between 250,000 values would not fit in a string).
 */
export function joinValues(separator: string, values: readonly (string | number)[], maxLength = Number.POSITIVE_INFINITY): string {
  const parts = values.map(String);
  const length = parts.reduce((n, part) => n + part.length, 0) + separator.length * Math.max(0, parts.length - 1);
  if (length > maxLength) {
    throw new InvalidInputError(
      `Invalid input: values: joined on "on" they make ${length} characters (an output holds at most ${maxLength})`,
      ['values'],
    );
  }
  return parts.join(separator);
}

export const PIPELINE_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;
const TIMESTAMP_LENGTH = '-YYYY-MM-DD-HH-MM-SS'.length;
export const MAX_VERSIONED_PREFIX_LENGTH = 256 - TIMESTAMP_LENGTH;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** "2024-01-05T03:04:05.678Z" -> "2024-01-05-03-04-05" (UTC); a RangeError if the UTC year is not 0000 to 9999. */
export function utcStamp(at: Date): string {
  const problem = stampYearProblem(at);
  if (problem) throw new RangeError(problem);
  const parts = [at.getUTCMonth() + 1, at.getUTCDate(), at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds()];
  return [pad(at.getUTCFullYear(), 4), ...parts.map((n) => pad(n))].join('-');
}

/** Replaces every run of characters a pipeline name cannot hold by one hyphen and trims hyphens at the start. */
export function normalizeNamePrefix(prefix: string): string {
  return prefix.replace(/[^a-zA-Z0-9-]+/g, '-').replace(/^-+/, '');
}

/**
 * `<prefix>-YYYY-MM-DD-HH-MM-SS` in UTC: a valid SageMaker pipeline (and most resource) name.
 * A prefix that cannot make one is refused, unless `normalize` replaces its invalid characters;
 * so is a time whose UTC year is not 0000 to 9999 (it has no four-digit stamp).
 */
export function versionedName(prefix: string, at: Date, options: { normalize?: boolean } = {}): string {
  const base = options.normalize ? normalizeNamePrefix(prefix) : prefix;
  if (!/^[a-zA-Z0-9][a-zA-Z0-9-]*$/.test(base)) {
    const why = options.normalize
      ? 'has no letter or digit to start a name'
      : 'may hold only letters, digits and hyphens, starting with a letter or digit (or set normalize to true)';
    throw new InvalidInputError(`Invalid input: prefix: ${why} (got ${JSON.stringify(prefix.slice(0, 40))})`, ['prefix']);
  }
  if (base.length > MAX_VERSIONED_PREFIX_LENGTH) {
    throw new InvalidInputError(
      `Invalid input: prefix: at most ${MAX_VERSIONED_PREFIX_LENGTH} characters (got ${base.length})`,
      ['prefix'],
    );
  }
  const yearProblem = stampYearProblem(at);
  if (yearProblem) throw new InvalidInputError(`Invalid input: at: ${yearProblem}`, ['at']);
  const name = `${base}-${utcStamp(at)}`;
  // The pattern is the API's own: checked here too so a change above can never return an invalid name.
  if (!PIPELINE_NAME_PATTERN.test(name)) throw new Error(`built an invalid name: ${name}`);
  return name;
}
