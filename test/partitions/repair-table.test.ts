import { AthenaClient } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { DeadlineError, InvalidInputError, PartialFailureError } from '../../lib/core/errors';
import { QueryFailedError } from '../../lib/partitions/athena-query';
import { repairTable } from '../../lib/partitions/repair-table';
import { FakeAthena } from '../fakes/fake-athena';
import { BUCKET, DATABASE, TABLE, partitionedTable } from '../fakes/partitioned-table';

const PREFIX = 'warehouse/orders/';

function setup(remaining = 600_000) {
  const t = partitionedTable();
  const athena = new AthenaClient({ region: 'us-east-1' });
  const fakeAthena = new FakeAthena().attach(mockClient(athena));
  const sleeps: number[] = [];
  let left = remaining;
  const deps = {
    athena,
    s3: t.s3,
    glue: t.glue,
    remainingTimeMs: () => left,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      left -= ms;
    },
  };
  return { ...t, deps, fakeAthena, sleeps };
}

describe('repairTable', () => {
  it('runs MSCK REPAIR TABLE on the quoted table and counts the partitions added', async () => {
    const s = setup();
    s.fakeAthena.on(/^MSCK/, {
      states: ['QUEUED', 'RUNNING', 'RUNNING', 'QUEUED', 'RUNNING', 'SUCCEEDED'],
      rows: [['Partitions not in metastore:\torders:process_date=1/shard=a\torders:process_date=1/shard=b'], ['Repair: Added partition to metastore orders:process_date=1/shard=a'], ['Repair: Added partition to metastore orders:process_date=1/shard=b']],
    });

    const result = await repairTable(s.deps, { database: DATABASE, table: TABLE, workGroup: 'wg', outputLocation: 's3://results/q/' });

    expect(result).toEqual({ queryExecutionId: expect.any(String), state: 'SUCCEEDED', added: 2, notAdded: 0, skipped: 0, partitionProjection: false, summary: expect.any(String) });
    const [query] = s.fakeAthena.queries.values();
    expect(query?.input).toMatchObject({
      QueryString: 'MSCK REPAIR TABLE `sales_db`.`orders`',
      WorkGroup: 'wg',
      ResultConfiguration: { OutputLocation: 's3://results/q/' },
      QueryExecutionContext: { Database: DATABASE },
    });
    expect(s.sleeps).toEqual([250, 500, 1000, 2000, 4000]);
  });

  it('fails when MSCK found partitions it did not add, unless allowNotAdded', async () => {
    const s = setup();
    s.fakeAthena.on(/^MSCK/, {
      states: ['SUCCEEDED'],
      rows: [['Partitions not in metastore:\torders:Process_Date=1/shard=a\torders:process_date=2/shard=b'], ['Repair: Added partition to metastore orders:process_date=2/shard=b']],
    });
    const run = repairTable(s.deps, { database: DATABASE, table: TABLE });
    await expect(run).rejects.toThrow(PartialFailureError);
    await expect(run).rejects.toThrow(/found 1 partitions it did not add.*orders:Process_Date=1\/shard=a.*allowNotAdded/);
    await expect(repairTable(s.deps, { database: DATABASE, table: TABLE, allowNotAdded: true })).resolves.toMatchObject({ added: 1, notAdded: 1 });
  });

  it("fails with Athena's reason and the query id when the query fails or is cancelled", async () => {
    const s = setup();
    s.fakeAthena.on(/^MSCK/, {
      states: ['QUEUED', 'FAILED'],
      reason: 'FAILED: Execution Error',
      athenaError: { ErrorCategory: 2, ErrorType: 1301, Retryable: false, ErrorMessage: 'HIVE_METASTORE_ERROR: table not found' },
    });
    const run = repairTable(s.deps, { database: DATABASE, table: TABLE });
    await expect(run).rejects.toThrow(QueryFailedError);
    await expect(run).rejects.toThrow(/Athena query \S+ FAILED: HIVE_METASTORE_ERROR: table not found \(error type 1301\)/);
  });

  it('stops polling before the invocation runs out of time, naming the query', async () => {
    const s = setup(12_000);
    s.fakeAthena.on(/^MSCK/, { states: ['RUNNING'] });
    const run = repairTable(s.deps, { database: DATABASE, table: TABLE });
    await expect(run).rejects.toThrow(DeadlineError);
    await expect(run).rejects.toThrow(/Athena query 0000\S+ still RUNNING/);
    expect(s.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(12_000 - 5000);
  });

  it('refuses identifiers that could change the statement, before any call', async () => {
    const s = setup();
    await expect(repairTable(s.deps, { database: DATABASE, table: 'orders` ; DROP TABLE x' })).rejects.toThrow(InvalidInputError);
    expect(s.fakeAthena.log.total()).toBe(0);
  });

  it('refuses an s3Uri in msck mode (it would scan the whole table anyway), and a malformed one in add mode, before any call', async () => {
    const s = setup();
    await expect(repairTable(s.deps, { database: DATABASE, table: TABLE, s3Uri: `s3://${BUCKET}/${PREFIX}` })).rejects.toThrow(
      's3Uri: only with mode "add" (MSCK REPAIR TABLE always scans the whole table Location)',
    );
    await expect(repairTable(s.deps, { database: DATABASE, table: TABLE, mode: 'add', s3Uri: `${BUCKET}/${PREFIX}` })).rejects.toThrow(/^s3Uri: expected an s3:/);
    expect(s.fakeAthena.log.total()).toBe(0);
    expect(s.fakeGlue.log.calls).toEqual({});
  });

  it('mode add: builds ALTER TABLE ADD IF NOT EXISTS from S3 discovery, quoting values', async () => {
    const s = setup();
    s.fakeS3.put(BUCKET, `${PREFIX}process_date=1/shard=it's/a.csv`, `${PREFIX}process_date=1/shard=b/a.csv`, `${PREFIX}process_date=1/shard=c%5C/a.csv`);
    const result = await repairTable(s.deps, { database: DATABASE, table: TABLE, mode: 'add', allowNotAdded: true });
    // it's cannot be written so that Athena reads it back (Hive drops doubled quotes): not added.
    expect(result).toMatchObject({ state: 'SUCCEEDED', added: 1, notAdded: 2 });
    expect(s.fakeAthena.statements()).toEqual([
      "ALTER TABLE `sales_db`.`orders` ADD IF NOT EXISTS\nPARTITION (`process_date` = '1', `shard` = 'b') LOCATION 's3://data-bucket/warehouse/orders/process_date=1/shard=b/'",
    ]);
  });

  it('mode add: fails naming partitions it could not put in a statement unless allowNotAdded', async () => {
    const s = setup();
    s.fakeS3.put(BUCKET, `${PREFIX}process_date=1/shard=c%5C/a.csv`);
    await expect(repairTable(s.deps, { database: DATABASE, table: TABLE, mode: 'add' })).rejects.toThrow(/1 partitions not added .*process_date=1\/shard=c\\/);
  });

  it('mode add: runs nothing when nothing is found', async () => {
    const s = setup();
    await expect(repairTable(s.deps, { database: DATABASE, table: TABLE, mode: 'add' })).resolves.toMatchObject({ queryExecutionId: '', state: 'NOTHING_TO_ADD', added: 0, notAdded: 0, skipped: 0 });
  });

  it('keeps the MSCK summary within 1024 characters whatever the names it did not add', async () => {
    const s = setup();
    const names = Array.from({ length: 5 }, (_, i) => `orders:process_date=${'\u0001'.repeat(300)}${i}/shard=a`);
    s.fakeAthena.on(/^MSCK/, { states: ['SUCCEEDED'], rows: [[`Partitions not in metastore:\t${names.join('\t')}`]] });
    const result = await repairTable(s.deps, { database: DATABASE, table: TABLE, allowNotAdded: true });
    expect(result.notAdded).toBe(5);
    expect(result.summary.length).toBeLessThanOrEqual(1024);
    expect(JSON.parse(result.summary)).toMatchObject({ notAdded: 5, examplesTruncated: true });
  });

  it('pages through long MSCK results', async () => {
    const s = setup();
    const rows = Array.from({ length: 2500 }, (_, i) => [`Repair: Added partition to metastore orders:process_date=${i}/shard=a`]);
    s.fakeAthena.on(/^MSCK/, { states: ['SUCCEEDED'], rows: [[`Partitions not in metastore:\t${rows.map((r) => (r[0] ?? '').split(' ').pop()).join('\t')}`], ...rows] });
    await expect(repairTable(s.deps, { database: DATABASE, table: TABLE })).resolves.toMatchObject({ added: 2500, notAdded: 0 });
    expect(s.fakeAthena.log.count('GetQueryResults')).toBe(3);
  });
});
