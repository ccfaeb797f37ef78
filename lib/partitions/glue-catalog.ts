/**
 * Glue Data Catalog I/O for partition registration (adapter: takes the Glue client). Batches follow
 * the API limits; per-entry errors are returned, not thrown; throttling is retried by the SDK.
 */
import {
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  BatchGetPartitionCommand,
  BatchUpdatePartitionCommand,
  GetPartitionsCommand,
  GetTableCommand,
  type ErrorDetail,
  type GlueClient,
  type Partition,
  type PartitionInput,
  type PartitionValueList,
  type Table,
} from '@aws-sdk/client-glue';
import pLimit from 'p-limit';
import { NotFoundError, PartialFailureError } from '../core/errors';
import { valuesKey } from './partition-paths';
import { settleAll } from './settle-all';

export const BATCH_GET_MAX = 1000;
export const BATCH_CREATE_MAX = 100;
export const BATCH_DELETE_MAX = 25;
export const BATCH_UPDATE_MAX = 100;

export interface EntryError {
  values: string[];
  code: string;
  message: string;
}

export interface BatchOptions {
  /** Parallel calls (Glue throttles per account and region: keep it small). */
  concurrency?: number;
  /** Waits between UnprocessedKeys rounds (default: real timers). */
  sleep?: (ms: number) => Promise<void>;
  /** batchCreatePartitions: asked before each call; true leaves that batch (and the later ones) unsent. */
  stop?: () => boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Runs `run` on `items` in batches of `size`, `options.concurrency` batches at a time (default 4);
 * every batch settles before the first failure is thrown.
 */
async function inBatches<T>(items: readonly T[], size: number, options: BatchOptions, run: (batch: T[]) => Promise<void>): Promise<void> {
  const limit = pLimit(options.concurrency ?? 4);
  await settleAll(chunks(items, size).map((batch) => limit(() => run(batch))));
}

/** A batch call's per-entry errors, by the partition values they name. */
function entryErrors<E>(errors: readonly E[] | undefined, valuesOf: (error: E) => string[] | undefined, detailOf: (error: E) => ErrorDetail | undefined) {
  return new Map((errors ?? []).map((e) => [valuesKey(valuesOf(e) ?? []), detailOf(e)]));
}

const toEntryError = (values: string[], detail: ErrorDetail): EntryError => ({
  values,
  code: detail.ErrorCode ?? 'Unknown',
  message: detail.ErrorMessage ?? '',
});

const isNamed = (error: unknown, name: string) => error instanceof Error && error.name === name;

/** Reads a table; a missing database or table is a NotFoundError naming it. */
export async function getTable(glue: GlueClient, database: string, table: string): Promise<Table> {
  try {
    const out = await glue.send(new GetTableCommand({ DatabaseName: database, Name: table }));
    if (!out.Table) throw new NotFoundError(`table ${database}.${table} not found`);
    return out.Table;
  } catch (error) {
    if (isNamed(error, 'EntityNotFoundException')) {
      throw new NotFoundError(`table ${database}.${table} not found (${(error as Error).message})`, { cause: error });
    }
    throw error;
  }
}

/** The registered partitions among `valuesList`, by valuesKey; UnprocessedKeys are retried a few rounds. */
export async function batchGetPartitions(
  glue: GlueClient,
  database: string,
  table: string,
  valuesList: readonly string[][],
  options: BatchOptions = {},
): Promise<Map<string, Partition>> {
  const sleep = options.sleep ?? defaultSleep;
  const found = new Map<string, Partition>();
  await inBatches(valuesList, BATCH_GET_MAX, options, async (chunk) => {
    let pending: PartitionValueList[] = chunk.map((Values) => ({ Values }));
    for (let round = 0; pending.length > 0; round++) {
      if (round > 0) {
        if (round > 8) throw new PartialFailureError(`Glue left ${pending.length} partitions of ${database}.${table} unprocessed after ${round} BatchGetPartition rounds`);
        await sleep(Math.min(100 * 2 ** round, 5000));
      }
      const out = await glue.send(new BatchGetPartitionCommand({ DatabaseName: database, TableName: table, PartitionsToGet: pending }));
      for (const partition of out.Partitions ?? []) found.set(valuesKey(partition.Values ?? []), partition);
      pending = out.UnprocessedKeys ?? [];
    }
  });
  return found;
}

export interface CreateOutcome {
  created: string[][];
  alreadyExists: string[][];
  failed: EntryError[];
  /** Batches left unsent because `stop` said so (out of time): the number of partitions in them. */
  unsent: number;
}

/**
 * Creates partitions 100 a call, in order. AlreadyExistsException entries are reported apart: another
 * run registered them. Once `options.stop` says so, no further call starts.
 */
export async function batchCreatePartitions(
  glue: GlueClient,
  database: string,
  table: string,
  inputs: readonly PartitionInput[],
  options: BatchOptions = {},
): Promise<CreateOutcome> {
  const outcome: CreateOutcome = { created: [], alreadyExists: [], failed: [], unsent: 0 };
  let stopped = false;
  await inBatches(inputs, BATCH_CREATE_MAX, options, async (chunk) => {
    // Once stopped, stay stopped: what was sent is then a leading run of `inputs`.
    stopped ||= options.stop?.() ?? false;
    if (stopped) {
      outcome.unsent += chunk.length;
      return;
    }
    const out = await glue.send(new BatchCreatePartitionCommand({ DatabaseName: database, TableName: table, PartitionInputList: chunk }));
    const errors = entryErrors(out.Errors, (e) => e.PartitionValues, (e) => e.ErrorDetail);
    for (const input of chunk) {
      const values = input.Values ?? [];
      const error = errors.get(valuesKey(values));
      if (!error) outcome.created.push(values);
      else if (error.ErrorCode === 'AlreadyExistsException') outcome.alreadyExists.push(values);
      else outcome.failed.push(toEntryError(values, error));
    }
  });
  return outcome;
}

/** Deletes partitions from the catalog, 25 a call (S3 is never touched). An entry already gone counts as deleted. */
export async function batchDeletePartitions(
  glue: GlueClient,
  database: string,
  table: string,
  valuesList: readonly string[][],
  options: BatchOptions = {},
): Promise<{ deleted: string[][]; failed: EntryError[] }> {
  const deleted: string[][] = [];
  const failed: EntryError[] = [];
  await inBatches(valuesList, BATCH_DELETE_MAX, options, async (chunk) => {
    const out = await glue.send(
      new BatchDeletePartitionCommand({ DatabaseName: database, TableName: table, PartitionsToDelete: chunk.map((Values) => ({ Values })) }),
    );
    const errors = entryErrors(out.Errors, (e) => e.PartitionValues, (e) => e.ErrorDetail);
    for (const values of chunk) {
      const error = errors.get(valuesKey(values));
      if (!error || error.ErrorCode === 'EntityNotFoundException') deleted.push(values);
      else failed.push(toEntryError(values, error));
    }
  });
  return { deleted, failed };
}

/** Replaces partitions (same values), 100 a call. */
export async function batchUpdatePartitions(
  glue: GlueClient,
  database: string,
  table: string,
  inputs: readonly PartitionInput[],
  options: BatchOptions = {},
): Promise<{ updated: string[][]; failed: EntryError[] }> {
  const updated: string[][] = [];
  const failed: EntryError[] = [];
  await inBatches(inputs, BATCH_UPDATE_MAX, options, async (chunk) => {
    const out = await glue.send(
      new BatchUpdatePartitionCommand({
        DatabaseName: database,
        TableName: table,
        Entries: chunk.map((input) => ({ PartitionValueList: input.Values, PartitionInput: input })),
      }),
    );
    const errors = entryErrors(out.Errors, (e) => e.PartitionValueList, (e) => e.ErrorDetail);
    for (const input of chunk) {
      const values = input.Values ?? [];
      const error = errors.get(valuesKey(values));
      if (!error) updated.push(values);
      else failed.push(toEntryError(values, error));
    }
  });
  return { updated, failed };
}

/** Every partition matching `expression` (all when undefined), 1,000 a page. */
export async function getPartitions(glue: GlueClient, database: string, table: string, expression?: string): Promise<Partition[]> {
  const partitions: Partition[] = [];
  let token: string | undefined;
  do {
    const out = await glue.send(
      new GetPartitionsCommand({ DatabaseName: database, TableName: table, Expression: expression, MaxResults: 1000, NextToken: token }),
    );
    partitions.push(...(out.Partitions ?? []));
    token = out.NextToken;
  } while (token);
  return partitions;
}

const NUMERIC_TYPES = /^(tinyint|smallint|int|integer|bigint)$/i;
const STRING_TYPES = /^(string|varchar(\(\d+\))?|char(\(\d+\))?)$/i;

/**
 * A GetPartitions expression selecting the partitions whose leading keys have the given values
 * (`year = '2024' AND month = 1`), or undefined when a key's type has no safe literal form.
 */
export function leadingKeysExpression(keys: readonly { name: string; type?: string }[], values: readonly string[]): string | undefined {
  if (values.length === 0) return undefined;
  const terms: string[] = [];
  for (const [i, value] of values.entries()) {
    const key = keys[i];
    if (!key || !/^[A-Za-z0-9_]+$/.test(key.name)) return undefined;
    const type = key.type ?? 'string';
    if (STRING_TYPES.test(type)) terms.push(`${key.name} = '${value.replace(/'/g, "''")}'`);
    else if (NUMERIC_TYPES.test(type) && /^-?\d{1,18}$/.test(value)) terms.push(`${key.name} = ${value}`);
    else return undefined;
  }
  const expression = terms.join(' AND ');
  return expression.length <= 2048 ? expression : undefined;
}
