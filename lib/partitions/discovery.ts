/**
 * Partition discovery without I/O: collects the verdicts of listed keys into partitions, skipped
 * paths and ignored objects, and decides where the next LIST request starts.
 */
import { classifyObjectKey, isHiddenName, isNonDataFileName, parsePartitionComponent, valuesKey, type KeyVerdict } from './partition-paths';
import { compareUtf8, MAX_CHAR } from './utf8-order';

export interface FoundPartition {
  values: string[];
  /** The partition's real key prefix in S3 (directory form), as written: never re-escaped. */
  prefix: string;
  /** Other prefixes holding data for the same values (reported as skipped): a Location at one of them is in place. */
  otherPrefixes?: string[];
}

export interface SkippedPath {
  path: string;
  reason: string;
}

export interface DiscoveryResult {
  partitions: FoundPartition[];
  skipped: SkippedPath[];
  ignoredObjects: number;
  listRequests: number;
  strategy: ListingStrategy;
  /** Set when the listing was stopped early: the last key listed (every key up to it was seen). */
  stoppedAfter?: string;
}

/**
 * `skip` (default): flat listing (no delimiter, 1,000 keys a page) that jumps past every folder
 * whose fate is known (a confirmed partition, a hidden or skipped folder). `flat`: plain flat
 * listing. `walk`: delimiter listing of each partition level, then one confirming listing per leaf.
 */
export type ListingStrategy = 'skip' | 'flat' | 'walk';

/** Aggregates key and folder verdicts; the same partition values found at two prefixes keep the first. */
export class DiscoveryCollector {
  private readonly partitions = new Map<string, FoundPartition>();
  private readonly prefixes = new Set<string>();
  private readonly skipped = new Map<string, SkippedPath>();
  /** The last data verdict: listings are in key order, so the next keys are mostly its partition's other files. */
  private lastData: Extract<KeyVerdict, { kind: 'data' }> | undefined;
  ignoredObjects = 0;

  constructor(
    readonly locationPrefix: string,
    readonly partitionKeys: readonly string[],
  ) {}

  /** Records one listed object key; returns its verdict. */
  addKey(key: string): KeyVerdict {
    // A data file directly in the last data partition's folder gets that verdict again (the partition is recorded).
    const last = this.lastData;
    if (last !== undefined && key.startsWith(last.partitionPrefix)) {
      const rest = key.slice(last.partitionPrefix.length);
      if (!rest.includes('/') && !isNonDataFileName(rest)) return last;
    }
    const verdict = classifyObjectKey(key, this.locationPrefix, this.partitionKeys);
    if (verdict.kind === 'data') {
      this.lastData = verdict;
      this.addPartition(verdict.values, verdict.partitionPrefix);
    }
    else if (verdict.kind === 'skipped') this.addSkipped(verdict.path, verdict.reason);
    else this.ignoredObjects++;
    return verdict;
  }

  /** Records a folder seen at partition level `level` (0-based) by a delimiter listing. */
  addFolder(folderPrefix: string, level: number): { ok: true; values: string[] } | { ok: false } {
    const name = folderPrefix.slice(0, -1).split('/').pop() ?? '';
    const parsed = parsePartitionComponent(name, this.partitionKeys[level] ?? '');
    if (parsed.ok) return { ok: true, values: [parsed.value] };
    if (isHiddenName(name)) this.ignoredObjects++;
    else this.addSkipped(folderPrefix.slice(this.locationPrefix.length), parsed.reason);
    return { ok: false };
  }

  private addPartition(values: string[], prefix: string): void {
    if (this.prefixes.has(prefix)) return;
    this.prefixes.add(prefix);
    const id = valuesKey(values);
    const first = this.partitions.get(id);
    if (first) {
      (first.otherPrefixes ??= []).push(prefix);
      this.addSkipped(prefix.slice(this.locationPrefix.length), `same partition values as ${first.prefix.slice(this.locationPrefix.length)}`);
      return;
    }
    this.partitions.set(id, { values, prefix });
  }

  private addSkipped(path: string, reason: string): void {
    if (!this.skipped.has(path)) this.skipped.set(path, { path, reason });
  }

  get partitionCount(): number {
    return this.partitions.size;
  }

  hasPartition(prefix: string): boolean {
    return this.prefixes.has(prefix);
  }

  result(listRequests: number, strategy: ListingStrategy): DiscoveryResult {
    const byPrefix = (a: { prefix: string }, b: { prefix: string }) => compareUtf8(a.prefix, b.prefix);
    return {
      partitions: [...this.partitions.values()].sort(byPrefix),
      skipped: [...this.skipped.values()].sort((a, b) => compareUtf8(a.path, b.path)),
      ignoredObjects: this.ignoredObjects,
      listRequests,
      strategy,
    };
  }
}

export type NextPage = { done: true } | { done: false; startAfter: string } | { done: false; continuation: true };

/**
 * Where the skip listing goes after a truncated page whose last key got `lastVerdict`: past the
 * decided folder when that moves forward, the end when the folder holds the whole scan prefix,
 * else the plain continuation.
 */
export function nextPageAfter(scanPrefix: string, lastKey: string, decidedPrefix: string | undefined): NextPage {
  if (decidedPrefix === undefined) return { done: false, continuation: true };
  if (scanPrefix.startsWith(decidedPrefix)) return { done: true };
  const startAfter = decidedPrefix + MAX_CHAR;
  return compareUtf8(startAfter, lastKey) > 0 ? { done: false, startAfter } : { done: false, continuation: true };
}

/** The partition-key components a scan prefix fixes below the Location, or the reason it does not fit. */
export function fixedScanValues(
  scanPrefix: string,
  locationPrefix: string,
  partitionKeys: readonly string[],
): { ok: true; values: string[] } | { ok: false; component: string; reason: string } {
  const relative = scanPrefix.slice(locationPrefix.length).replace(/\/$/, '');
  const components = relative === '' ? [] : relative.split('/');
  const values: string[] = [];
  for (const [i, component] of components.slice(0, partitionKeys.length).entries()) {
    const parsed = parsePartitionComponent(component, partitionKeys[i] ?? '');
    if (!parsed.ok) return { ok: false, component, reason: parsed.reason };
    values.push(parsed.value);
  }
  return { ok: true, values };
}
