import { AthenaClient } from '@aws-sdk/client-athena';
import type { Table } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidInputError } from '../../lib/core/errors';
import { createPartitions } from '../../lib/partitions/create-partitions';
import { repairTable } from '../../lib/partitions/repair-table';
import { selfManagedFormat } from '../../lib/partitions/table-kind';
import { FakeAthena } from '../../doubles/fake-athena';
import { BUCKET, DATABASE, TABLE, partitionedTable, tableDefinition } from '../../doubles/partitioned-table';

const PREFIX = 'warehouse/orders/';
const LOCATION = `s3://${BUCKET}/${PREFIX}`;
const request = (extra: object = {}) => ({ database: DATABASE, table: TABLE, ...extra });

/** A table with typed keys (year int, day date) and the given changes, plus Athena. */
function world(change: (table: Table) => Table = (t) => t) {
  const t = partitionedTable();
  const base = tableDefinition(LOCATION, ['year', 'day']);
  t.fakeGlue.addTable(DATABASE, change({ ...base, PartitionKeys: [{ Name: 'year', Type: 'int' }, { Name: 'day', Type: 'date' }] }));
  const athena = new AthenaClient({ region: 'us-east-1' });
  const fakeAthena = new FakeAthena().attach(mockClient(athena));
  fakeAthena.on(/^ALTER TABLE/, { states: ['SUCCEEDED'] });
  fakeAthena.on(/^MSCK/, { states: ['SUCCEEDED'], rows: [] });
  const repairDeps = { athena, s3: t.s3, glue: t.glue, remainingTimeMs: () => 600_000, sleep: async () => undefined };
  return { ...t, fakeAthena, repairDeps };
}

const typedLayout = (w: ReturnType<typeof world>) =>
  w.fakeS3.put(
    BUCKET,
    `${PREFIX}year=2021/day=2021-12-15/a.csv`,
    `${PREFIX}year=abc/day=2021-12-15/a.csv`,
    `${PREFIX}year=2021/day=2021-13-45/a.csv`,
    `${PREFIX}year=99999999999/day=2021-12-16/a.csv`,
    `${PREFIX}year=__HIVE_DEFAULT_PARTITION__/day=2021-12-17/a.csv`,
  );

describe('typed partition keys', () => {
  it('createPartitions skips values their key type rejects, with the reason, and registers the rest', async () => {
    const w = world();
    typedLayout(w);
    const result = await createPartitions(w, request());
    expect(result).toMatchObject({ added: 2, skipped: 3 });
    expect(w.fakeGlue.partitions(DATABASE, TABLE).map((p) => p.Values)).toEqual([
      ['2021', '2021-12-15'],
      ['__HIVE_DEFAULT_PARTITION__', '2021-12-17'],
    ]);
    const summary = JSON.parse(result.summary) as { invalidValues: number; examples: { skipped: string[] } };
    expect(summary.invalidValues).toBe(3);
    expect(summary.examples.skipped).toEqual([
      'year=2021/day=2021-13-45/: day=2021-13-45: not a calendar date YYYY-MM-DD',
      'year=99999999999/day=2021-12-16/: year=99999999999: out of range for int (-2147483648 to 2147483647)',
      'year=abc/day=2021-12-15/: year=abc: not an integer (int)',
    ]);
  });

  it('repairTable add leaves such values out of its statements and reports them as skipped', async () => {
    const w = world();
    typedLayout(w);
    const result = await repairTable(w.repairDeps, request({ mode: 'add' }));
    expect(result).toMatchObject({ added: 2, notAdded: 0, skipped: 3 });
    const [statement] = w.fakeAthena.statements();
    expect(statement).toContain("`year` = '2021', `day` = '2021-12-15'");
    expect(statement).not.toMatch(/abc|2021-13-45|99999999999/);
    expect(JSON.parse(result.summary)).toMatchObject({ skipped: 3, invalidValues: 3 });
  });

  it('counts every skipped value and flags the examples as truncated when they do not all fit', async () => {
    const w = world();
    w.fakeS3.put(BUCKET, ...Array.from({ length: 300 }, (_, i) => `${PREFIX}year=bad${i}/day=2021-12-15/a.csv`));
    const result = await createPartitions(w, request());
    expect(result.skipped).toBe(300);
    expect(result.summary.length).toBeLessThanOrEqual(1024);
    expect(JSON.parse(result.summary)).toMatchObject({ skipped: 300, invalidValues: 300, examplesTruncated: true });
  });
});

describe('tables where registering is wrong', () => {
  const projection = (t: Table): Table => ({ ...t, Parameters: { 'projection.enabled': 'TRUE', 'projection.year.type': 'integer' } });

  it('registers nothing on a table with partition projection, and says so, unless asked', async () => {
    const w = world(projection);
    typedLayout(w);
    const result = await createPartitions(w, request());
    expect(result).toMatchObject({ added: 0, partitionProjection: true, incomplete: false });
    expect(JSON.parse(result.summary).note).toMatch(/partition projection is enabled.*registerDespiteProjection/);
    expect(w.fakeGlue.partitions(DATABASE, TABLE)).toEqual([]);
    expect(w.fakeS3.log.total()).toBe(0);

    const forced = await createPartitions(w, request({ registerDespiteProjection: true }));
    expect(forced).toMatchObject({ added: 2, partitionProjection: true });
  });

  it('repairTable runs no query on a table with partition projection unless asked', async () => {
    const w = world(projection);
    typedLayout(w);
    for (const mode of ['msck', 'add'] as const) {
      await expect(repairTable(w.repairDeps, request({ mode }))).resolves.toMatchObject({ state: 'PARTITION_PROJECTION', added: 0, partitionProjection: true });
    }
    expect(w.fakeAthena.log.total()).toBe(0);
    await expect(repairTable(w.repairDeps, request({ mode: 'add', registerDespiteProjection: true }))).resolves.toMatchObject({ added: 2 });
  });

  it.each([
    ['Iceberg', { Parameters: { table_type: 'ICEBERG', metadata_location: 's3://b/m.json' } }],
    ['Iceberg', { Parameters: { table_type: 'iceberg' } }],
    ['Delta Lake', { Parameters: { 'spark.sql.sources.provider': 'delta' } }],
    ['Delta Lake', { Parameters: { table_type: 'DELTA' } }],
    ['Hudi', { Parameters: { 'spark.sql.sources.provider': 'hudi' } }],
    ['Hudi', { StorageDescriptor: { InputFormat: 'org.apache.hudi.hadoop.HoodieParquetInputFormat' } }],
    ['Hudi', { StorageDescriptor: { InputFormat: 'org.apache.hudi.hadoop.realtime.HoodieParquetRealtimeInputFormat' } }],
  ])('refuses the %s table (%j) in createPartitions and both repairTable modes, saying why', async (format, change) => {
    const w = world((t) => ({ ...t, ...change, StorageDescriptor: { ...t.StorageDescriptor, ...('StorageDescriptor' in change ? change.StorageDescriptor : {}) } }));
    typedLayout(w);
    const message = new RegExp(`table: sales_db.orders is an? ${format} table: ${format} keeps its own partition metadata`);
    await expect(createPartitions(w, request())).rejects.toThrow(message);
    await expect(createPartitions(w, request())).rejects.toThrow(InvalidInputError);
    await expect(repairTable(w.repairDeps, request({ mode: 'add' }))).rejects.toThrow(message);
    await expect(repairTable(w.repairDeps, request())).rejects.toThrow(message);
    expect(w.fakeGlue.partitions(DATABASE, TABLE)).toEqual([]);
    expect(w.fakeAthena.log.total()).toBe(0);
  });

  it('treats a Delta symlink-manifest table (a plain Hive table) as registrable', () => {
    const table = tableDefinition(LOCATION, ['day']);
    expect(selfManagedFormat({ ...table, StorageDescriptor: { InputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat' } })).toBeUndefined();
  });

  it('refuses a table with no partition keys with a clear message, MSCK included', async () => {
    const w = world((t) => ({ ...t, PartitionKeys: [] }));
    const message = /table: sales_db.orders has no partition keys \(PartitionKeys is empty\): it has no partitions to register/;
    await expect(createPartitions(w, request())).rejects.toThrow(message);
    await expect(repairTable(w.repairDeps, request())).rejects.toThrow(message);
    expect(w.fakeAthena.log.total()).toBe(0);
  });
});
