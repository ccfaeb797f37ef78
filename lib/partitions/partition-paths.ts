/**
 * What an S3 object key means for a partitioned table: a data object of a partition, an object to
 * ignore (markers, hidden names) or a path that does not fit the partition keys (skipped, with the
 * reason). Keys are matched case-insensitively and in order; values are Hive-unescaped.
 */
import { HIVE_DEFAULT_PARTITION, hiveUnescape } from './hive-escape';

/** Glue's limit on one partition value. */
export const MAX_VALUE_LENGTH = 1024;

export type ComponentParse = { ok: true; key: string; value: string } | { ok: false; reason: string };

/** Parses one `key=value` folder name against the partition key expected at that level. */
export function parsePartitionComponent(component: string, expectedKey: string): ComponentParse {
  const eq = component.indexOf('=');
  if (eq < 0) return { ok: false, reason: `not key=value (expected ${expectedKey}=...)` };
  const key = hiveUnescape(component.slice(0, eq));
  if (key.toLowerCase() !== expectedKey.toLowerCase()) {
    return { ok: false, reason: `key "${key}" is not the partition key "${expectedKey}" expected at this level` };
  }
  const raw = component.slice(eq + 1);
  if (raw === '') return { ok: false, reason: `empty value for ${expectedKey} (Hive writes ${HIVE_DEFAULT_PARTITION})` };
  // The default partition is stored in the catalog under its literal name, as Hive and Athena expect.
  const value = raw === HIVE_DEFAULT_PARTITION ? raw : hiveUnescape(raw);
  if (value.length > MAX_VALUE_LENGTH) return { ok: false, reason: `value of ${expectedKey} longer than ${MAX_VALUE_LENGTH} characters` };
  return { ok: true, key, value };
}

/** Names Hive and Spark skip (`_SUCCESS`, `_temporary`, `.hive-staging`). */
export const isHiddenName = (name: string): boolean => name.startsWith('_') || name.startsWith('.');

/** Zero-byte folder markers and hidden files: never data. `''` is the name of a `folder/` marker key. */
export const isNonDataFileName = (name: string): boolean =>
  name === '' || name.endsWith('_$folder$') || isHiddenName(name);

export type KeyVerdict =
  | { kind: 'data'; values: string[]; partitionPrefix: string; decidedPrefix: string }
  | { kind: 'ignored'; reason: string; decidedPrefix?: string }
  | { kind: 'skipped'; reason: string; path: string; decidedPrefix?: string };

/**
 * Classifies an object key under the table's Location prefix (directory form). `decidedPrefix`, when
 * set, is a folder whose every other key gets the same verdict: a listing may jump past it.
 */
export function classifyObjectKey(key: string, locationPrefix: string, partitionKeys: readonly string[]): KeyVerdict {
  if (!key.startsWith(locationPrefix)) return { kind: 'skipped', reason: 'outside the table Location', path: key };
  const parts = key.slice(locationPrefix.length).split('/');
  const file = parts[parts.length - 1] ?? '';
  const dirs = parts.slice(0, -1);
  const depth = partitionKeys.length;
  const values: string[] = [];
  const folder = (n: number) => `${dirs.slice(0, n).join('/')}/`;

  for (let i = 0; i < Math.min(depth, dirs.length); i++) {
    const component = dirs[i] ?? '';
    const parsed = parsePartitionComponent(component, partitionKeys[i] ?? '');
    if (parsed.ok) {
      values.push(parsed.value);
      continue;
    }
    const decidedPrefix = locationPrefix + folder(i + 1);
    if (isHiddenName(component)) return { kind: 'ignored', reason: 'hidden folder', decidedPrefix };
    if (component === '') return { kind: 'skipped', reason: 'empty folder name (double slash)', path: folder(i + 1), decidedPrefix };
    return { kind: 'skipped', reason: parsed.reason, path: folder(i + 1), decidedPrefix };
  }
  if (dirs.length < depth) {
    if (isNonDataFileName(file)) return { kind: 'ignored', reason: file === '' ? 'folder marker' : 'marker or hidden file' };
    return { kind: 'skipped', reason: `object above the partition folders (expected ${depth} key=value levels)`, path: parts.join('/') };
  }
  for (let i = depth; i < dirs.length; i++) {
    const component = dirs[i] ?? '';
    if (isHiddenName(component)) return { kind: 'ignored', reason: 'hidden folder', decidedPrefix: locationPrefix + folder(i + 1) };
  }
  if (isNonDataFileName(file)) return { kind: 'ignored', reason: file === '' ? 'folder marker' : 'marker or hidden file' };
  const partitionPrefix = locationPrefix + folder(depth);
  return { kind: 'data', values, partitionPrefix, decidedPrefix: partitionPrefix };
}

/** True when a key under `prefix` is a data object (no hidden folder below the prefix, not a marker). */
export function isDataObjectBelow(key: string, prefix: string): boolean {
  if (!key.startsWith(prefix)) return false;
  const parts = key.slice(prefix.length).split('/');
  const file = parts[parts.length - 1] ?? '';
  return !parts.slice(0, -1).some(isHiddenName) && !isNonDataFileName(file);
}

/** The partition values a folder path relative to the Location encodes, or the reason it does not fit. */
export function parsePartitionPath(
  relativePath: string,
  partitionKeys: readonly string[],
): { ok: true; values: string[] } | { ok: false; reason: string } {
  const components = relativePath.replace(/\/+$/, '').split('/');
  if (components.length !== partitionKeys.length) {
    return { ok: false, reason: `${components.length} levels, expected ${partitionKeys.length}` };
  }
  const values: string[] = [];
  for (const [i, component] of components.entries()) {
    const parsed = parsePartitionComponent(component, partitionKeys[i] ?? '');
    if (!parsed.ok) return parsed;
    values.push(parsed.value);
  }
  return { ok: true, values };
}

/** A stable map key for a list of partition values. */
export const valuesKey = (values: readonly string[]): string => JSON.stringify(values);
