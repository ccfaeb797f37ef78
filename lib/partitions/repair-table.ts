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
import { DEFAULT_STOP_MARGIN_MS } from './create-partitions';
import { batchGetPartitions, getTable } from './glue-catalog';
import { valuesKey } from './partition-paths';
import { partitionName } from './plan';
import { discoverPartitions } from './s3-listing';
import { formatS3Uri } from './s3-uri';
import { buildSummary, clip, MAX_SUMMARY_LENGTH } from './summary';
import { hasPartitionProjection, PROJECTION_NOTE } from './table-kind';
import { assertRegistrable, resolveTableScope, splitByKeyTypes, type TableScope } from './table-scope';
import type { RepairTableRequest, RepairTableResult } from './types';

export interface RepairTableDeps {
  athena: AthenaClient;
  s3: S3Client;
  glue: GlueClient;
  remainingTimeMs: () => number;
  /** Waits between polls (default: real timers). */
  sleep?: (ms: number) => Promise<void>;
}

export interface RepairTableOptions extends Partial<PollOptions> {
  /** mode add: time kept free at the end of the invocation (default 15 s, as createPartitions): no statement starts inside it. */
  stopMarginMs?: number;
}

const MAX_IDS_LENGTH = 1024;

/**
 * Runs MSCK REPAIR TABLE, or ALTER TABLE ADD IF NOT EXISTS statements from S3 discovery (`mode: 'add'`)
 * for the partitions the catalog lacks, stopping before the invocation's time runs out (`incomplete`).
 */
export async function repairTable(deps: RepairTableDeps, request: RepairTableRequest, options: RepairTableOptions = {}): Promise<RepairTableResult> {
  const { stopMarginMs = DEFAULT_STOP_MARGIN_MS, ...poll } = options;
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
    return addPartitions(deps, request, scope, query, pollOptions, stopMarginMs);
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
  alreadyRegistered: 0,
  notAdded: 0,
  skipped: 0,
  incomplete: false,
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
    alreadyRegistered: 0,
    skipped: 0,
    incomplete: false,
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
  margin: number,
): Promise<RepairTableResult> {
  const keyNames = scope.partitionKeys.map((k) => k.name);
  const remaining = deps.remainingTimeMs;
  const outOfTime = () => remaining() < margin;
  // The listing keeps at least half the time after the margin for the catalog check and the statements.
  const atStart = remaining();
  const discovery = await discoverPartitions(deps.s3, {
    bucket: scope.location.bucket,
    locationPrefix: scope.location.prefix,
    scanPrefix: scope.scan.prefix,
    partitionKeys: keyNames,
    stop: Number.isFinite(atStart) ? () => remaining() - margin < (atStart - margin) / 2 : undefined,
  });
  const { typed, typeSkipped } = splitByKeyTypes(scope, discovery.partitions);
  const partitions = typed.map((p) => ({ values: p.values, location: formatS3Uri({ ...scope.location, prefix: p.prefix }) }));
  // Partitions already in the catalog get no statement: a re-run after a stop adds only the rest.
  const registered = outOfTime() ? undefined : await batchGetPartitions(deps.glue, request.database, request.table, partitions.map((p) => p.values));
  const missing = registered === undefined ? partitions : partitions.filter((p) => !registered.has(valuesKey(p.values)));
  const alreadyRegistered = partitions.filter((p) => !missing.includes(p));
  // Values Athena's DDL parser could read differently are left out: createPartitions registers them safely.
  const unsafe = missing.filter((p) => [...p.values, p.location].some((v) => unsafeValueReason(v) !== undefined));
  const safe = missing.filter((p) => !unsafe.includes(p));
  const statements = registered === undefined ? [] : addPartitionStatements(request.database, request.table, keyNames, safe);
  const ids: string[] = [];
  let added = 0;
  let state = statements.length === 0 && registered !== undefined ? 'NOTHING_TO_ADD' : 'NOT_STARTED';
  for (const sql of statements) {
    if (outOfTime()) break;
    const id = await startQuery(deps.athena, { ...query, sql });
    ids.push(id);
    state = (await waitForQuery(deps.athena, id, poll)).Status?.State ?? 'SUCCEEDED';
    added += clauseCount(sql);
  }
  const notRegisteredYet = safe.length - added;
  const incomplete = discovery.stoppedAfter !== undefined || registered === undefined || notRegisteredYet > 0;
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
    counts: {
      added,
      alreadyRegistered: alreadyRegistered.length,
      notAdded: unsafe.length,
      skipped: skipped.length,
      ...(typeSkipped.length > 0 ? { invalidValues: typeSkipped.length } : {}),
      ...(incomplete ? { notRegisteredYet } : {}),
    },
    flags: incomplete ? { incomplete: true, ...(discovery.stoppedAfter !== undefined ? { listingStopped: true } : {}) } : {},
    examples: {
      skipped: skipped.map((p) => `${p.path}: ${p.reason}`),
      notAdded: unsafe.map((p) => partitionName(keyNames, p.values)),
      added: safe.slice(0, added).map((p) => partitionName(keyNames, p.values)),
      alreadyRegistered: alreadyRegistered.map((p) => partitionName(keyNames, p.values)),
    },
  });
  return {
    queryExecutionId,
    state,
    added,
    alreadyRegistered: alreadyRegistered.length,
    notAdded: unsafe.length,
    skipped: skipped.length,
    incomplete,
    partitionProjection: scope.projection,
    summary,
  };
}

/** The partitions an ALTER TABLE ADD statement holds: one `\nPARTITION (` clause each (values hold no control character). */
const clauseCount = (sql: string): number => sql.split('\nPARTITION (').length - 1;

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
