/**
 * repairTable: registers partitions through Athena, with `MSCK REPAIR TABLE` (default) or with
 * `ALTER TABLE ... ADD IF NOT EXISTS PARTITION` statements built from the same S3 discovery as
 * createPartitions. See docs/partitions.md.
 */
import type { AthenaClient } from '@aws-sdk/client-athena';
import type { GlueClient } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import { InvalidInputError, PartialFailureError } from '../core/errors';
import { addPartitionStatements, msckStatement, parseMsckResult, quoteIdentifier, unsafeValueReason } from './athena-statements';
import { readQueryRows, startQuery, waitForQuery, type PollOptions } from './athena-query';
import { getTable } from './glue-catalog';
import { partitionTypeError } from './hive-types';
import { partitionName } from './plan';
import { discoverPartitions } from './s3-listing';
import { formatS3Uri } from './s3-uri';
import { buildSummary, clip, MAX_SUMMARY_LENGTH } from './summary';
import { hasPartitionProjection, PROJECTION_NOTE } from './table-kind';
import { assertRegistrable, resolveTableScope, type TableScope } from './table-scope';
import type { RepairTableRequest, RepairTableResult } from './types';

export interface RepairTableDeps {
  athena: AthenaClient;
  s3: S3Client;
  glue: GlueClient;
  remainingTimeMs: () => number;
  /** Waits between polls (default: real timers). */
  sleep?: (ms: number) => Promise<void>;
}

const MAX_IDS_LENGTH = 1024;

/** Runs MSCK REPAIR TABLE, or ALTER TABLE ADD IF NOT EXISTS statements from S3 discovery (`mode: 'add'`). */
export async function repairTable(deps: RepairTableDeps, request: RepairTableRequest, poll: Partial<PollOptions> = {}): Promise<RepairTableResult> {
  if (request.s3Uri !== undefined && request.mode !== 'add') {
    // MSCK REPAIR TABLE always scans the whole Location: an s3Uri would be ignored, so it is refused.
    throw new InvalidInputError('s3Uri: only with mode "add" (MSCK REPAIR TABLE always scans the whole table Location)', ['s3Uri']);
  }
  quoteIdentifier(request.database, 'database');
  quoteIdentifier(request.table, 'table');
  const pollOptions: PollOptions = { remainingTimeMs: deps.remainingTimeMs, sleep: deps.sleep, ...poll };
  const query = { database: request.database, workGroup: request.workGroup, outputLocation: request.outputLocation };
  const name = `${request.database}.${request.table}`;
  if (request.mode === 'add') {
    const scope = await resolveTableScope(deps.glue, request.database, request.table, request.s3Uri);
    if (scope.projection && !request.registerDespiteProjection) return projectionResult(name);
    return addPartitions(deps, request, scope, query, pollOptions);
  }
  // MSCK reads the table itself; what it must not be given is checked here all the same.
  const table = await getTable(deps.glue, request.database, request.table);
  assertRegistrable(table, name);
  if (hasPartitionProjection(table) && !request.registerDespiteProjection) return projectionResult(name);
  const result = await msck(deps, request, query, pollOptions);
  return { ...result, partitionProjection: hasPartitionProjection(table) };
}

/** Counts and a few partitions MSCK did not add, within the 1024 characters of an output (escapes included). */
function msckSummary(table: string, counts: { added: number; notAdded: number }, notAdded: readonly string[]): string {
  const base = { table: clip(table, 200), ...counts };
  const withExamples = JSON.stringify({ ...base, notAddedExamples: notAdded.slice(0, 3).map((e) => clip(e, 150)) });
  return withExamples.length <= MAX_SUMMARY_LENGTH ? withExamples : JSON.stringify({ ...base, examplesTruncated: true });
}

const projectionResult = (table: string): RepairTableResult => ({
  queryExecutionId: '',
  state: 'PARTITION_PROJECTION',
  added: 0,
  notAdded: 0,
  skipped: 0,
  partitionProjection: true,
  summary: JSON.stringify({ table: clip(table, 200), partitionProjection: true, note: PROJECTION_NOTE }),
});

async function msck(
  deps: RepairTableDeps,
  request: RepairTableRequest,
  query: { database: string; workGroup?: string; outputLocation?: string },
  poll: PollOptions,
): Promise<RepairTableResult> {
  const id = await startQuery(deps.athena, { ...query, sql: msckStatement(request.database, request.table) });
  const execution = await waitForQuery(deps.athena, id, poll);
  const outcome = parseMsckResult(await readQueryRows(deps.athena, id));
  if (outcome.notAdded.length > 0 && !request.allowNotAdded) {
    throw new PartialFailureError(
      `MSCK REPAIR TABLE (query ${id}) found ${outcome.notAdded.length} partitions it did not add (camelCase keys, ':' in values, keys starting with _?), e.g. ${outcome.notAdded
        .slice(0, 3)
        .join(', ')}; register them with createPartitions, or set allowNotAdded to accept`,
    );
  }
  const counts = { added: outcome.added.length, notAdded: outcome.notAdded.length };
  return {
    queryExecutionId: id,
    state: execution.Status?.State ?? 'SUCCEEDED',
    ...counts,
    skipped: 0,
    partitionProjection: false,
    summary: msckSummary(`${request.database}.${request.table}`, counts, outcome.notAdded),
  };
}

async function addPartitions(
  deps: RepairTableDeps,
  request: RepairTableRequest,
  scope: TableScope,
  query: { database: string; workGroup?: string; outputLocation?: string },
  poll: PollOptions,
): Promise<RepairTableResult> {
  const keyNames = scope.partitionKeys.map((k) => k.name);
  const discovery = await discoverPartitions(deps.s3, {
    bucket: scope.location.bucket,
    locationPrefix: scope.location.prefix,
    scanPrefix: scope.scan.prefix,
    partitionKeys: keyNames,
  });
  // Values their key's declared type rejects would fail every Athena query touching the partition.
  const typeSkipped: { path: string; reason: string }[] = [];
  const partitions = discovery.partitions
    .filter((p) => {
      const error = partitionTypeError(scope.partitionKeys, p.values);
      if (error !== undefined) typeSkipped.push({ path: p.prefix.slice(scope.location.prefix.length), reason: error });
      return error === undefined;
    })
    .map((p) => ({ values: p.values, location: formatS3Uri({ ...scope.location, prefix: p.prefix }) }));
  // Values Athena's DDL parser could read differently are left out: createPartitions registers them safely.
  const unsafe = partitions.filter((p) => [...p.values, p.location].some((v) => unsafeValueReason(v) !== undefined));
  const safe = partitions.filter((p) => !unsafe.includes(p));
  const statements = addPartitionStatements(request.database, request.table, keyNames, safe);
  const ids: string[] = [];
  let state = 'NOTHING_TO_ADD';
  for (const sql of statements) {
    const id = await startQuery(deps.athena, { ...query, sql });
    ids.push(id);
    state = (await waitForQuery(deps.athena, id, poll)).Status?.State ?? 'SUCCEEDED';
  }
  const queryExecutionId = joinIds(ids);
  if (unsafe.length > 0 && !request.allowNotAdded) {
    throw new PartialFailureError(
      `${unsafe.length} partitions not added (values with a backslash or control character cannot be put in an Athena statement), e.g. ${unsafe
        .slice(0, 3)
        .map((p) => partitionName(keyNames, p.values))
        .join(', ')}; register them with createPartitions, or set allowNotAdded to accept${ids.length > 0 ? ` (queries ${queryExecutionId})` : ''}`,
    );
  }
  const skipped = [...typeSkipped, ...discovery.skipped];
  const summary = buildSummary({
    table: `${request.database}.${request.table}`,
    scanned: formatS3Uri(scope.scan),
    dryRun: false,
    listing: { strategy: discovery.strategy, requests: discovery.listRequests },
    counts: { added: safe.length, notAdded: unsafe.length, skipped: skipped.length, ...(typeSkipped.length > 0 ? { invalidValues: typeSkipped.length } : {}) },
    examples: {
      skipped: skipped.map((p) => `${p.path}: ${p.reason}`),
      notAdded: unsafe.map((p) => partitionName(keyNames, p.values)),
      added: safe.map((p) => partitionName(keyNames, p.values)),
    },
  });
  return { queryExecutionId, state, added: safe.length, notAdded: unsafe.length, skipped: skipped.length, partitionProjection: scope.projection, summary };
}

/** Query ids joined with commas, cut to fit a LambdaStep output value. */
function joinIds(ids: readonly string[]): string {
  let joined = '';
  for (const [i, id] of ids.entries()) {
    const next = joined === '' ? id : `${joined},${id}`;
    const rest = ids.length - i - 1;
    if (next.length + (rest > 0 ? 12 : 0) > MAX_IDS_LENGTH) return `${joined},+${ids.length - i} more`;
    joined = next;
  }
  return joined;
}
