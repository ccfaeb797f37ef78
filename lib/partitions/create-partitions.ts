/**
 * createPartitions: registers in the Glue Data Catalog the partitions found in S3 under a prefix of a
 * table's Location, costing what was found rather than what the table holds. Optionally removes
 * catalog partitions whose data is gone and updates those whose Location moved. See
 * docs/partitions.md.
 */
import type { GlueClient, Partition, PartitionInput } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import { InvalidInputError, PartialFailureError } from '../core/errors';
import { Metric } from '../core/metric-names';
import type { DiscoveryResult, FoundPartition, ListingStrategy } from './discovery';
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
import { missingPartitions, partitionName, planPartitions, type PartitionPlan } from './plan';
import { discoverPartitions, prefixHoldsData } from './s3-listing';
import { formatS3Uri, tryParseS3Uri } from './s3-uri';
import { buildSummary, clip, MAX_SUMMARY_LENGTH } from './summary';
import { PROJECTION_NOTE } from './table-kind';
import { resolveTableScope, splitByKeyTypes, type TableScope } from './table-scope';
import type { CreatePartitionsRequest, CreatePartitionsResult } from './types';

export interface CreatePartitionsDeps {
  s3: S3Client;
  glue: GlueClient;
  /** Milliseconds left in the invocation (the Lambda context's getRemainingTimeInMillis); default unlimited. */
  remainingTimeMs?: () => number;
}

export interface CreatePartitionsOptions {
  /** Listing strategy (default `skip`; see lib/partitions/discovery.ts). */
  listing?: ListingStrategy;
  /** Parallel Glue calls and walk listings. */
  concurrency?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Time kept free at the end of the invocation (default 15 s): no call starts inside it. */
  stopMarginMs?: number;
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

/** Glue calls in flight at once: Glue throttles per account and region; the listing, not Glue, bounds a backfill. */
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_STOP_MARGIN_MS = 15_000;

/** The metrics a createPartitions result gives (the handler emits them). */
export function partitionMetrics(result: CreatePartitionsResult) {
  return {
    [Metric.PartitionsAdded]: result.dryRun ? 0 : result.added,
    [Metric.PartitionsSkipped]: result.skipped,
    [Metric.PartitionsRemoved]: result.dryRun ? 0 : result.removed,
  };
}

/** `startAfter` as bucket and raw key (not directory form: it may name an object), under the scanned prefix. */
function parseStartAfter(startAfter: string, scope: TableScope): string {
  const match = /^s3[an]?:\/\/([^/\s]+)\/([\s\S]+)$/i.exec(startAfter);
  if (!match || match[1] !== scope.scan.bucket || !(match[2] ?? '').startsWith(scope.scan.prefix)) {
    throw new InvalidInputError(`startAfter: expected an S3 URI under ${formatS3Uri(scope.scan).slice(0, 300)} (a previous run's resumeAfter)`, ['startAfter']);
  }
  return match[2] ?? '';
}

/**
 * Finds partitions under `s3Uri` (default the table Location) and registers the new ones with
 * BatchCreatePartition. Stops before the invocation's time runs out, reporting `incomplete` and where
 * to resume; values their key's type rejects are skipped with the reason.
 */
export async function createPartitions(deps: CreatePartitionsDeps, request: CreatePartitionsRequest, options: CreatePartitionsOptions = {}): Promise<CreatePartitionsResult> {
  const { database, table } = request;
  const dryRun = request.dryRun ?? false;
  const remaining = deps.remainingTimeMs ?? (() => Number.POSITIVE_INFINITY);
  const margin = options.stopMarginMs ?? DEFAULT_STOP_MARGIN_MS;
  const atStart = remaining();
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const batch = { concurrency, sleep: options.sleep };
  const scope = await resolveTableScope(deps.glue, database, table, request.s3Uri);
  const startAfter = request.startAfter === undefined ? undefined : parseStartAfter(request.startAfter, scope);
  if (startAfter !== undefined && request.removeMissing) {
    throw new InvalidInputError('startAfter: cannot be combined with removeMissing, which needs a scan of the whole prefix', ['startAfter', 'removeMissing']);
  }
  if (startAfter !== undefined && options.listing === 'walk') throw new InvalidInputError('startAfter: needs the skip or flat listing', ['startAfter']);
  const keyNames = scope.partitionKeys.map((k) => k.name);
  const uriOf = (p: FoundPartition) => formatS3Uri({ ...scope.location, prefix: p.prefix });
  const nameOf = (values: readonly string[]) => partitionName(keyNames, values);
  const scanned = formatS3Uri(scope.scan);

  if (scope.projection && !request.registerDespiteProjection) {
    const counts = { added: 0, alreadyRegistered: 0, moved: 0, removed: 0, skipped: 0 };
    const summary = JSON.stringify({ table: clip(`${database}.${table}`, 200), scanned: clip(scanned, 200), dryRun, partitionProjection: true, note: PROJECTION_NOTE });
    return { ...counts, dryRun, incomplete: false, resumeAfter: '', partitionProjection: true, summary };
  }

  // The listing stops while there is still time to register what it found: the estimate counts the
  // Glue calls for those partitions (plus a page more) at twice the listing's observed time per call.
  let pages = 0;
  const stopListing = (found: number): boolean => {
    pages++;
    const perCall = (atStart - remaining()) / pages;
    const n = found + 1000;
    const glueCalls = Math.ceil(n / 1000) + (dryRun ? 0 : Math.ceil(n / 100));
    return remaining() - margin < perCall * (1 + 2 * Math.ceil(glueCalls / concurrency));
  };
  const discovery = await discoverPartitions(deps.s3, {
    bucket: scope.location.bucket,
    locationPrefix: scope.location.prefix,
    scanPrefix: scope.scan.prefix,
    partitionKeys: keyNames,
    strategy: options.listing,
    concurrency: options.concurrency,
    startAfter,
    stop: Number.isFinite(atStart) ? stopListing : undefined,
  });

  const { typed, typeSkipped } = splitByKeyTypes(scope, discovery.partitions);
  const skipped = [...typeSkipped, ...discovery.skipped];

  const outOfTime = () => remaining() < margin;
  const registered = outOfTime() ? undefined : await batchGetPartitions(deps.glue, database, table, typed.map((p) => p.values), batch);
  const plan = planPartitions(
    registered === undefined ? [] : typed,
    new Map([...(registered ?? [])].map(([id, p]) => [id, { values: p.Values ?? [], location: p.StorageDescriptor?.Location, partition: p }])),
    uriOf,
  );
  const listedAll = discovery.stoppedAfter === undefined && registered !== undefined;

  // Removal needs the whole prefix listed: a stopped listing did not see what it would remove.
  const canRemove = request.removeMissing === true && listedAll && !outOfTime();
  const toRemove = canRemove ? await removalCandidates(deps, database, table, scope, discovery.partitions) : [];
  let removalLeft = request.removeMissing === true && !canRemove;

  const failed: EntryError[] = [];
  let added = plan.create.length;
  let alreadyRegistered = plan.alreadyRegistered.length;
  let removed = toRemove.length;
  let updated = 0;
  let unsent = 0;
  let movesLeft = false;
  if (!dryRun) {
    const inputs: PartitionInput[] = plan.create.map((p) => ({
      Values: p.values,
      StorageDescriptor: { ...scope.table.StorageDescriptor, Location: uriOf(p) },
    }));
    const created = await batchCreatePartitions(deps.glue, database, table, inputs, { ...batch, stop: outOfTime });
    added = created.created.length;
    unsent = created.unsent;
    alreadyRegistered += created.alreadyExists.length;
    failed.push(...created.failed);
    if (request.updateMoved && plan.moved.length > 0) {
      if (unsent > 0 || outOfTime()) movesLeft = true;
      else {
        const moves: PartitionInput[] = plan.moved.map(({ found, registered: entry }) => ({
          Values: found.values,
          StorageDescriptor: { ...(entry.partition.StorageDescriptor ?? scope.table.StorageDescriptor), Location: uriOf(found) },
          Parameters: entry.partition.Parameters,
        }));
        const result = await batchUpdatePartitions(deps.glue, database, table, moves, batch);
        updated = result.updated.length;
        failed.push(...result.failed);
      }
    }
    if (toRemove.length > 0 && (unsent > 0 || outOfTime())) {
      removalLeft = true;
      removed = 0;
    } else if (toRemove.length > 0) {
      const result = await batchDeletePartitions(deps.glue, database, table, toRemove.map((p) => p.Values ?? []), batch);
      removed = result.deleted.length;
      failed.push(...result.failed);
    }
  }
  const incomplete = !listedAll || unsent > 0 || movesLeft || removalLeft;
  // Moves and removals left undone are redone from where this run started (removal: the whole prefix).
  const restart = movesLeft || request.removeMissing === true;
  const resumeAfter = incomplete ? resumePoint(scope, request.startAfter, { discovery, registered: registered !== undefined, plan, unsent, restart }) : '';

  const summary = buildSummary({
    table: `${database}.${table}`,
    scanned,
    dryRun,
    listing: { strategy: discovery.strategy, requests: discovery.listRequests },
    counts: {
      added,
      alreadyRegistered,
      moved: plan.moved.length,
      updated,
      removed,
      skipped: skipped.length,
      ...(typeSkipped.length > 0 ? { invalidValues: typeSkipped.length } : {}),
      ...(failed.length > 0 ? { failed: failed.length } : {}),
      ...(incomplete ? { notRegisteredYet: unsent } : {}),
    },
    flags: incomplete ? { incomplete: true } : {},
    examples: {
      failed: failed.map((f) => `${nameOf(f.values)}: ${f.code}`),
      skipped: skipped.map((s) => `${s.path}: ${s.reason}`),
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
  return {
    added,
    alreadyRegistered,
    moved: plan.moved.length,
    removed,
    skipped: skipped.length,
    dryRun,
    incomplete,
    resumeAfter,
    partitionProjection: scope.projection,
    summary,
  };
}

/**
 * Where a run that stopped early should resume (an S3 URI for `startAfter`): before the first
 * partition it did not create, or after the last key it listed. With `restart` (work that needs the
 * run's whole range), or no progress, it resumes where this run started ('' = the beginning).
 */
function resumePoint(
  scope: TableScope,
  startedAfter: string | undefined,
  state: { discovery: DiscoveryResult; registered: boolean; plan: PartitionPlan; unsent: number; restart: boolean },
): string {
  const { discovery, plan, unsent } = state;
  const uri = (key: string) => `${scope.location.scheme}://${scope.location.bucket}/${key}`;
  let key: string | undefined;
  if (!state.registered || state.restart) key = undefined;
  // The first unsent partition's folder: StartAfter = the folder itself lists every key in it.
  else if (unsent > 0) key = plan.create[plan.create.length - unsent]?.prefix;
  else key = discovery.stoppedAfter;
  const resume = key === undefined ? (startedAfter ?? '') : uri(key);
  // A resume point must fit a LambdaStep output; a longer one restarts from where this run started.
  return resume.length <= MAX_SUMMARY_LENGTH ? resume : (startedAfter ?? '');
}

/**
 * Catalog partitions under the scanned prefix whose data is gone. A Location that is a Hive path
 * was covered by the scan; any other is checked with its own listing before removal.
 */
async function removalCandidates(
  deps: CreatePartitionsDeps,
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
