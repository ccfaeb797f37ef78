/**
 * An in-memory Glue Data Catalog answering the partition APIs with their real limits and errors:
 * BatchGetPartition (<= 1,000 keys, UnprocessedKeys on demand), BatchCreatePartition (<= 100, per-entry
 * AlreadyExistsException), BatchDeletePartition (<= 25), BatchUpdatePartition (<= 100),
 * GetPartitions (MaxResults <= 1,000, NextToken, simple `k = 'v' AND ...` expressions), CreatePartition.
 */
import {
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  BatchGetPartitionCommand,
  BatchUpdatePartitionCommand,
  CreatePartitionCommand,
  GetPartitionsCommand,
  GetTableCommand,
  type BatchCreatePartitionCommandInput,
  type BatchCreatePartitionCommandOutput,
  type BatchDeletePartitionCommandInput,
  type BatchDeletePartitionCommandOutput,
  type BatchGetPartitionCommandInput,
  type BatchGetPartitionCommandOutput,
  type BatchUpdatePartitionCommandInput,
  type BatchUpdatePartitionCommandOutput,
  type CreatePartitionCommandInput,
  type CreatePartitionCommandOutput,
  type GetPartitionsCommandInput,
  type GetPartitionsCommandOutput,
  type GetTableCommandInput,
  type GetTableCommandOutput,
  type GlueClient,
  type Partition,
  type PartitionError,
  type PartitionInput,
  type Table,
} from '@aws-sdk/client-glue';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { awsError, CallLog } from './aws-error';

const key = (values: readonly string[] | undefined) => JSON.stringify(values ?? []);
const ok = { $metadata: { httpStatusCode: 200 } };

function tooMany(field: string, count: number, max: number): Error {
  return awsError(
    'ValidationException',
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max} (got ${count})`,
  );
}

interface TableState {
  table: Table;
  partitions: Map<string, Partition>;
}

export class FakeGlue {
  readonly log: CallLog;
  private readonly tables = new Map<string, TableState>();
  private readonly databases = new Set<string>();
  private unprocessedNext: number[] = [];
  /** Per-entry errors BatchCreatePartition returns for given values (besides AlreadyExists). */
  readonly createErrors = new Map<string, { ErrorCode: string; ErrorMessage: string }>();

  constructor(options: { latencyMs?: number } = {}) {
    this.log = new CallLog(options.latencyMs ?? 0);
  }

  addTable(database: string, table: Table): this {
    this.databases.add(database);
    this.tables.set(`${database}.${table.Name ?? ''}`, { table: { ...table, DatabaseName: database }, partitions: new Map() });
    return this;
  }

  addPartitions(database: string, table: string, partitions: Iterable<{ values: string[]; location: string }>): this {
    const state = this.state(database, table);
    for (const p of partitions) {
      state.partitions.set(key(p.values), {
        DatabaseName: database,
        TableName: table,
        Values: p.values,
        StorageDescriptor: { ...state.table.StorageDescriptor, Location: p.location },
      });
    }
    return this;
  }

  /** The table as stored (no call counted). */
  table(database: string, table: string): Table {
    return structuredClone(this.state(database, table).table);
  }

  /** Every table, as `database.table` names. */
  tableNames(): string[] {
    return [...this.tables.keys()];
  }

  partitions(database: string, table: string): Partition[] {
    return [...this.state(database, table).partitions.values()];
  }

  /** The next BatchGetPartition calls each leave their last `n` keys unprocessed. */
  returnUnprocessed(...counts: number[]): this {
    this.unprocessedNext.push(...counts);
    return this;
  }

  private state(database: string | undefined, table: string | undefined): TableState {
    if (!this.databases.has(database ?? '')) throw awsError('EntityNotFoundException', `Database ${database} not found.`);
    const state = this.tables.get(`${database}.${table}`);
    if (!state) throw awsError('EntityNotFoundException', `Table ${table} not found.`);
    return state;
  }

  async getTable(input: GetTableCommandInput): Promise<GetTableCommandOutput> {
    await this.log.enter('GetTable');
    return { ...ok, Table: structuredClone(this.state(input.DatabaseName, input.Name).table) };
  }

  async batchGetPartition(input: BatchGetPartitionCommandInput): Promise<BatchGetPartitionCommandOutput> {
    await this.log.enter('BatchGetPartition');
    const wanted = input.PartitionsToGet ?? [];
    if (wanted.length > 1000) throw tooMany('partitionsToGet', wanted.length, 1000);
    const state = this.state(input.DatabaseName, input.TableName);
    const unprocessedCount = Math.min(this.unprocessedNext.shift() ?? 0, wanted.length);
    const processed = wanted.slice(0, wanted.length - unprocessedCount);
    const partitions = processed.flatMap((p) => {
      const found = state.partitions.get(key(p.Values));
      return found ? [structuredClone(found)] : [];
    });
    return { ...ok, Partitions: partitions, UnprocessedKeys: wanted.slice(wanted.length - unprocessedCount) };
  }

  async batchCreatePartition(input: BatchCreatePartitionCommandInput): Promise<BatchCreatePartitionCommandOutput> {
    await this.log.enter('BatchCreatePartition');
    const inputs = input.PartitionInputList ?? [];
    if (inputs.length > 100) throw tooMany('partitionInputList', inputs.length, 100);
    const state = this.state(input.DatabaseName, input.TableName);
    const errors: PartitionError[] = [];
    for (const p of inputs) {
      const id = key(p.Values);
      const injected = this.createErrors.get(id);
      if (injected) errors.push({ PartitionValues: p.Values, ErrorDetail: injected });
      else if (state.partitions.has(id)) {
        errors.push({ PartitionValues: p.Values, ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'Partition already exists.' } });
      } else if ((p.Values ?? []).length !== (state.table.PartitionKeys ?? []).length) {
        errors.push({ PartitionValues: p.Values, ErrorDetail: { ErrorCode: 'InvalidInputException', ErrorMessage: 'The number of partition keys do not match the number of partition values' } });
      } else state.partitions.set(id, this.toPartition(input.DatabaseName, input.TableName, p));
    }
    return { ...ok, Errors: errors };
  }

  async createPartition(input: CreatePartitionCommandInput): Promise<CreatePartitionCommandOutput> {
    await this.log.enter('CreatePartition');
    const state = this.state(input.DatabaseName, input.TableName);
    const p = input.PartitionInput ?? {};
    if (state.partitions.has(key(p.Values))) throw awsError('AlreadyExistsException', 'Partition already exists.');
    state.partitions.set(key(p.Values), this.toPartition(input.DatabaseName, input.TableName, p));
    return ok;
  }

  async batchDeletePartition(input: BatchDeletePartitionCommandInput): Promise<BatchDeletePartitionCommandOutput> {
    await this.log.enter('BatchDeletePartition');
    const wanted = input.PartitionsToDelete ?? [];
    if (wanted.length > 25) throw tooMany('partitionsToDelete', wanted.length, 25);
    const state = this.state(input.DatabaseName, input.TableName);
    const errors: PartitionError[] = [];
    for (const p of wanted) {
      if (!state.partitions.delete(key(p.Values))) {
        errors.push({ PartitionValues: p.Values, ErrorDetail: { ErrorCode: 'EntityNotFoundException', ErrorMessage: 'Partition not found.' } });
      }
    }
    return { ...ok, Errors: errors };
  }

  async batchUpdatePartition(input: BatchUpdatePartitionCommandInput): Promise<BatchUpdatePartitionCommandOutput> {
    await this.log.enter('BatchUpdatePartition');
    const entries = input.Entries ?? [];
    if (entries.length > 100) throw tooMany('entries', entries.length, 100);
    const state = this.state(input.DatabaseName, input.TableName);
    const errors = [];
    for (const entry of entries) {
      const id = key(entry.PartitionValueList);
      if (!state.partitions.has(id)) {
        errors.push({ PartitionValueList: entry.PartitionValueList, ErrorDetail: { ErrorCode: 'EntityNotFoundException', ErrorMessage: 'Partition not found.' } });
        continue;
      }
      state.partitions.delete(id);
      const p = entry.PartitionInput ?? {};
      state.partitions.set(key(p.Values), this.toPartition(input.DatabaseName, input.TableName, p));
    }
    return { ...ok, Errors: errors };
  }

  async getPartitions(input: GetPartitionsCommandInput): Promise<GetPartitionsCommandOutput> {
    await this.log.enter('GetPartitions');
    const max = input.MaxResults ?? 1000;
    if (max < 1 || max > 1000) throw awsError('ValidationException', `MaxResults must be between 1 and 1000 (got ${max})`);
    if ((input.Expression ?? '').length > 2048) throw awsError('ValidationException', 'Expression is longer than 2048 characters');
    const state = this.state(input.DatabaseName, input.TableName);
    const keys = (state.table.PartitionKeys ?? []).map((k) => (k.Name ?? '').toLowerCase());
    const filter = parseExpression(input.Expression, keys);
    const all = [...state.partitions.values()].filter((p) => filter(p.Values ?? []));
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = all.slice(start, start + max);
    const next = start + max < all.length ? String(start + max) : undefined;
    return { ...ok, Partitions: structuredClone(page), NextToken: next };
  }

  private toPartition(database: string | undefined, table: string | undefined, p: PartitionInput): Partition {
    return { DatabaseName: database, TableName: table, Values: p.Values, StorageDescriptor: p.StorageDescriptor, Parameters: p.Parameters, CreationTime: new Date(0) };
  }

  attach(mock: AwsClientStub<GlueClient>): this {
    mock.on(GetTableCommand).callsFake((i: GetTableCommandInput) => this.getTable(i));
    mock.on(BatchGetPartitionCommand).callsFake((i: BatchGetPartitionCommandInput) => this.batchGetPartition(i));
    mock.on(BatchCreatePartitionCommand).callsFake((i: BatchCreatePartitionCommandInput) => this.batchCreatePartition(i));
    mock.on(CreatePartitionCommand).callsFake((i: CreatePartitionCommandInput) => this.createPartition(i));
    mock.on(BatchDeletePartitionCommand).callsFake((i: BatchDeletePartitionCommandInput) => this.batchDeletePartition(i));
    mock.on(BatchUpdatePartitionCommand).callsFake((i: BatchUpdatePartitionCommandInput) => this.batchUpdatePartition(i));
    mock.on(GetPartitionsCommand).callsFake((i: GetPartitionsCommandInput) => this.getPartitions(i));
    return this;
  }
}

/** `k = 'v' AND n = 3` conjunctions of equalities; anything else is refused as Glue would. */
function parseExpression(expression: string | undefined, keys: string[]): (values: string[]) => boolean {
  if (!expression) return () => true;
  const terms = expression.split(/\s+AND\s+/i).map((term) => {
    const m = /^\s*`?([A-Za-z0-9_]+)`?\s*=\s*(?:'((?:[^']|'')*)'|(-?\d+))\s*$/.exec(term);
    if (!m) throw awsError('InvalidInputException', `Unsupported expression: ${term}`);
    const index = keys.indexOf((m[1] ?? '').toLowerCase());
    if (index < 0) throw awsError('InvalidInputException', `Unknown partition key: ${m[1]}`);
    const value = m[2] !== undefined ? m[2].replace(/''/g, "'") : (m[3] ?? '');
    return { index, value };
  });
  return (values) => terms.every((t) => values[t.index] === t.value);
}
