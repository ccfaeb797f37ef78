/**
 * createPartitions: registers in the Glue Data Catalog the partitions found in S3 under a prefix of a
 * table's Location, costing what was found rather than what the table holds. Optionally removes
 * catalog partitions whose data is gone and updates those whose Location moved. See
 * docs/partitions.md.
 */
import type { GlueClient, Partition, PartitionInput } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import { PartialFailureError } from '../core/errors';
import type { FoundPartition, ListingStrategy } from './discovery';
import {
  batchCreatePartitions,
  batchDeletePartitions,
  batchGetPartitions,
  batchUpdatePartitions,
  getPartitions,
  leadingKeysExpression,
  type EntryError,
} from './glue-catalog';
import { parsePartitionPath, valuesKey } from './partition-paths';
import { missingPartitions, partitionName, planPartitions } from './plan';
import { discoverPartitions, prefixHoldsData } from './s3-listing';
import { formatS3Uri, tryParseS3Uri } from './s3-uri';
import { buildSummary } from './summary';
import { resolveTableScope, type TableScope } from './table-scope';
import type { CreatePartitionsRequest, CreatePartitionsResult } from './types';

export interface CreatePartitionsOptions {
  /** Listing strategy (default `skip`; see lib/partitions/discovery.ts). */
  listing?: ListingStrategy;
  /** Parallel Glue calls and walk listings. */
  concurrency?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Receives the API-level detail (listing requests, examples) for logs. */
  onDetail?: (detail: CreatePartitionsDetail) => void;
}

export interface CreatePartitionsDetail {
  listing: ListingStrategy;
  listRequests: number;
  ignoredObjects: number;
  updated: number;
  failed: EntryError[];
}

/** The metrics a createPartitions result gives (the handler emits them). */
export function partitionMetrics(result: CreatePartitionsResult): { PartitionsAdded: number; PartitionsSkipped: number; PartitionsRemoved: number } {
  return {
    PartitionsAdded: result.dryRun ? 0 : result.added,
    PartitionsSkipped: result.skipped,
    PartitionsRemoved: result.dryRun ? 0 : result.removed,
  };
}

/** Finds partitions under `s3Uri` (default the table Location) and registers the new ones with BatchCreatePartition. */
export async function createPartitions(
  deps: { s3: S3Client; glue: GlueClient },
  request: CreatePartitionsRequest,
  options: CreatePartitionsOptions = {},
): Promise<CreatePartitionsResult> {
  const { database, table } = request;
  const dryRun = request.dryRun ?? false;
  const batch = { concurrency: options.concurrency ?? 4, sleep: options.sleep };
  const scope = await resolveTableScope(deps.glue, database, table, request.s3Uri);
  const keyNames = scope.partitionKeys.map((k) => k.name);
  const uriOf = (p: FoundPartition) => formatS3Uri({ ...scope.location, prefix: p.prefix });
  const nameOf = (values: readonly string[]) => partitionName(keyNames, values);

  const discovery = await discoverPartitions(deps.s3, {
    bucket: scope.location.bucket,
    locationPrefix: scope.location.prefix,
    scanPrefix: scope.scan.prefix,
    partitionKeys: keyNames,
    strategy: options.listing,
    concurrency: options.concurrency,
  });
  const registered = await batchGetPartitions(
    deps.glue,
    database,
    table,
    discovery.partitions.map((p) => p.values),
    batch,
  );
  const plan = planPartitions(
    discovery.partitions,
    new Map([...registered].map(([id, p]) => [id, { values: p.Values ?? [], location: p.StorageDescriptor?.Location, partition: p }])),
    uriOf,
  );

  const toRemove = request.removeMissing ? await removalCandidates(deps, database, table, scope, discovery.partitions) : [];

  const failed: EntryError[] = [];
  let added = plan.create.length;
  let alreadyRegistered = plan.alreadyRegistered.length;
  let removed = toRemove.length;
  let updated = 0;
  if (!dryRun) {
    const inputs: PartitionInput[] = plan.create.map((p) => ({
      Values: p.values,
      StorageDescriptor: { ...scope.table.StorageDescriptor, Location: uriOf(p) },
    }));
    const created = await batchCreatePartitions(deps.glue, database, table, inputs, batch);
    added = created.created.length;
    alreadyRegistered += created.alreadyExists.length;
    failed.push(...created.failed);
    if (request.updateMoved && plan.moved.length > 0) {
      const moves: PartitionInput[] = plan.moved.map(({ found, registered: entry }) => ({
        Values: found.values,
        StorageDescriptor: { ...(entry.partition.StorageDescriptor ?? scope.table.StorageDescriptor), Location: uriOf(found) },
        Parameters: entry.partition.Parameters,
      }));
      const result = await batchUpdatePartitions(deps.glue, database, table, moves, batch);
      updated = result.updated.length;
      failed.push(...result.failed);
    }
    if (toRemove.length > 0) {
      const result = await batchDeletePartitions(deps.glue, database, table, toRemove.map((p) => p.Values ?? []), batch);
      removed = result.deleted.length;
      failed.push(...result.failed);
    }
  }

  const summary = buildSummary({
    table: `${database}.${table}`,
    scanned: formatS3Uri(scope.scan),
    dryRun,
    listing: { strategy: discovery.strategy, requests: discovery.listRequests },
    counts: {
      added,
      alreadyRegistered,
      moved: plan.moved.length,
      updated,
      removed,
      skipped: discovery.skipped.length,
      ...(failed.length > 0 ? { failed: failed.length } : {}),
    },
    examples: {
      failed: failed.map((f) => `${nameOf(f.values)}: ${f.code}`),
      skipped: discovery.skipped.map((s) => `${s.path}: ${s.reason}`),
      added: plan.create.map((p) => nameOf(p.values)),
      moved: plan.moved.map((m) => `${nameOf(m.found.values)} (was ${m.registered.location ?? 'no Location'})`),
      removed: toRemove.map((p) => nameOf(p.Values ?? [])),
      alreadyRegistered: plan.alreadyRegistered.map((p) => nameOf(p.values)),
    },
  });
  options.onDetail?.({ listing: discovery.strategy, listRequests: discovery.listRequests, ignoredObjects: discovery.ignoredObjects, updated, failed });

  if (failed.length > 0) {
    const first = failed[0];
    throw new PartialFailureError(
      `${database}.${table}: ${failed.length} partition writes failed (the other ${added + updated + removed} were written); first: ${first ? `${nameOf(first.values)}: ${first.code}: ${first.message}` : ''}`,
    );
  }
  return { added, alreadyRegistered, moved: plan.moved.length, removed, skipped: discovery.skipped.length, dryRun, summary };
}

/**
 * Catalog partitions under the scanned prefix whose data is gone. A Location that is a Hive path
 * was covered by the scan; any other is checked with its own listing before removal.
 */
async function removalCandidates(
  deps: { s3: S3Client; glue: GlueClient },
  database: string,
  table: string,
  scope: TableScope,
  found: readonly FoundPartition[],
): Promise<Partition[]> {
  const expression = leadingKeysExpression(scope.partitionKeys, scope.fixedValues);
  const catalog = await getPartitions(deps.glue, database, table, expression);
  const entries = catalog.map((partition) => ({ values: partition.Values ?? [], location: partition.StorageDescriptor?.Location, partition }));
  const missing = missingPartitions(entries, found, scope.scan);
  const keyNames = scope.partitionKeys.map((k) => k.name);
  const confirmed: Partition[] = [];
  for (const entry of missing) {
    const location = tryParseS3Uri(entry.location);
    if (!location) continue;
    const relative = location.prefix.slice(scope.location.prefix.length);
    // The scan saw every key under a Hive path of these values: nothing found there means no data.
    const parsed = location.prefix.startsWith(scope.location.prefix) ? parsePartitionPath(relative, keyNames) : undefined;
    const canonical = parsed?.ok === true && valuesKey(parsed.values) === valuesKey(entry.values);
    if (canonical || !(await prefixHoldsData(deps.s3, location.bucket, location.prefix)).holdsData) confirmed.push(entry.partition);
  }
  return confirmed;
}
