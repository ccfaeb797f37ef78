/** Planning without I/O: what to create, what is registered already, what moved, what to remove. */
import type { FoundPartition } from './discovery';
import { valuesKey } from './partition-paths';
import { sameS3Prefix, tryParseS3Uri, type S3Location } from './s3-uri';

export interface RegisteredPartition {
  values: string[];
  location?: string;
}

export interface MovedPartition<R extends RegisteredPartition = RegisteredPartition> {
  found: FoundPartition;
  registered: R;
}

export interface PartitionPlan<R extends RegisteredPartition = RegisteredPartition> {
  create: FoundPartition[];
  alreadyRegistered: FoundPartition[];
  moved: MovedPartition<R>[];
}

/** Classifies found partitions against the catalog's entries for the same values (S3 URIs compared by bucket and prefix). */
export function planPartitions<R extends RegisteredPartition>(
  found: readonly FoundPartition[],
  registered: ReadonlyMap<string, R>,
  foundUri: (partition: FoundPartition) => string,
): PartitionPlan<R> {
  const plan: PartitionPlan<R> = { create: [], alreadyRegistered: [], moved: [] };
  for (const partition of found) {
    const entry = registered.get(valuesKey(partition.values));
    if (!entry) plan.create.push(partition);
    else if (entry.location !== undefined && isFoundAt(entry.location, partition, foundUri)) plan.alreadyRegistered.push(partition);
    else plan.moved.push({ found: partition, registered: entry });
  }
  return plan;
}

// A partition whose values were found at several prefixes is in place when registered at any of them.
const isFoundAt = (location: string, partition: FoundPartition, foundUri: (partition: FoundPartition) => string): boolean =>
  [partition.prefix, ...(partition.otherPrefixes ?? [])].some((prefix) => sameS3Prefix(location, foundUri({ ...partition, prefix })));

/**
 * Catalog partitions the scan should have seen (Location at or under the scanned prefix) but did
 * not find: candidates for removal. Partitions found elsewhere (moved) are not candidates.
 */
export function missingPartitions<R extends RegisteredPartition>(
  registered: readonly R[],
  found: readonly FoundPartition[],
  scanned: S3Location,
): R[] {
  const foundValues = new Set(found.map((p) => valuesKey(p.values)));
  return registered.filter((entry) => {
    const location = tryParseS3Uri(entry.location);
    return (
      location !== undefined &&
      location.bucket === scanned.bucket &&
      location.prefix.startsWith(scanned.prefix) &&
      !foundValues.has(valuesKey(entry.values))
    );
  });
}

/** `year=2024/month=01` for logs and summaries: the partition path relative to the table Location. */
export function partitionName(keys: readonly string[], values: readonly string[]): string {
  return keys.map((k, i) => `${k}=${values[i] ?? ''}`).join('/');
}
