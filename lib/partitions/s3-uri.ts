/** S3 URIs of table Locations and scan prefixes: parsing, directory form, containment. */
import { InvalidInputError } from '../core/errors';

export interface S3Location {
  /** `s3`, `s3a` or `s3n`, as the table's Location spells it. */
  scheme: string;
  bucket: string;
  /** The key prefix in directory form: '' (bucket root) or ending with exactly one '/'. */
  prefix: string;
}

const S3_URI = /^(s3[an]?):\/\/([^/\s]+)(?:\/(.*))?$/i;

/** Normalises a key prefix to its directory form: '' stays '', otherwise one trailing '/'. */
export function toDirectoryPrefix(prefix: string): string {
  // A loop, not /\/+$/: that regex is quadratic on a long run of slashes followed by anything else.
  let end = prefix.length;
  while (end > 0 && prefix.charCodeAt(end - 1) === 0x2f) end -= 1;
  return end === 0 ? '' : `${prefix.slice(0, end)}/`;
}

function matchS3Uri(uri: string): S3Location | undefined {
  const match = S3_URI.exec(uri);
  if (!match) return undefined;
  const [, scheme = 's3', bucket = '', rest = ''] = match;
  return { scheme: scheme.toLowerCase(), bucket, prefix: toDirectoryPrefix(rest) };
}

/** Parses `s3://bucket/prefix` (trailing slashes optional); throws an InvalidInputError naming `field`. */
export function parseS3Uri(uri: string, field = 's3Uri'): S3Location {
  const location = matchS3Uri(uri.trim());
  if (!location) throw new InvalidInputError(`${field}: expected an s3://bucket/prefix URI (got "${uri.slice(0, 200)}")`, [field]);
  return location;
}

/** True when `uri` (trimmed) parses as an S3 URI: what parseS3Uri accepts. */
export const isS3Uri = (uri: string): boolean => matchS3Uri(uri.trim()) !== undefined;

/** `s3://bucket/prefix/` of a location (the prefix in directory form). */
export function formatS3Uri(location: S3Location): string {
  return `${location.scheme}://${location.bucket}/${location.prefix}`;
}

/** True when `inner` is `outer` or lies under it (same bucket, prefix at or below). */
export function isAtOrUnder(inner: S3Location, outer: S3Location): boolean {
  return inner.bucket === outer.bucket && inner.prefix.startsWith(outer.prefix);
}

/** Two S3 URIs name the same prefix, whatever their scheme spelling and trailing slashes. */
export function sameS3Prefix(a: string, b: string): boolean {
  const pa = tryParseS3Uri(a);
  const pb = tryParseS3Uri(b);
  if (!pa || !pb) return a === b;
  return pa.bucket === pb.bucket && pa.prefix === pb.prefix;
}

/**
 * Like parseS3Uri, but undefined instead of an error (for Locations read from the catalog). Not
 * trimmed: a key may end with a space (Hive writes `k=a ` raw, without a trailing slash).
 */
export function tryParseS3Uri(uri: string | undefined): S3Location | undefined {
  return uri === undefined ? undefined : matchS3Uri(uri);
}
