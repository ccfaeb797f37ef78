import { AthenaClient } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { DeadlineError, InvalidInputError, PartialFailureError } from '../../lib/core/errors';
import { QueryFailedError } from '../../lib/partitions/athena-query';
import { DEFAULT_STOP_MARGIN_MS } from '../../lib/partitions/create-partitions';
import { repairTable } from '../../lib/partitions/repair-table';
import { FakeAthena } from '../../doubles/fake-athena';
import { BUCKET, DATABASE, TABLE, partitionedTable } from '../../doubles/partitioned-table';

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

    expect(result).toEqual({
      queryExecutionId: expect.any(String),
      state: 'SUCCEEDED',
      added: 2,
      alreadyRegistered: 0,
      notAdded: 0,
      skipped: 0,
      incomplete: false,
      partitionProjection: false,
      summary: expect.any(String),
    });
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

describe('repairTable mode add under a time budget', () => {
  const SHARD = 'x'.repeat(200);
  const TOTAL = 1500;
  const request = { database: DATABASE, table: TABLE, mode: 'add' as const };

  /** `total` partitions (default: long values, several statements), and a clock where every AWS call takes one virtual second. */
  function world(total = TOTAL, shard = SHARD) {
    const t = partitionedTable();
    const keys = Array.from({ length: total }, (_, p) => `${PREFIX}process_date=2021-12-15/shard=${shard}${String(p).padStart(4, '0')}/a.csv`);
    t.fakeS3.put(BUCKET, ...keys);
    const athena = new AthenaClient({ region: 'us-east-1' });
    const fakeAthena = new FakeAthena().attach(mockClient(athena));
    const calls = () => t.fakeS3.log.total() + t.fakeGlue.log.total() + fakeAthena.log.total();
    const leftAtStatementStart: number[] = [];
    /** An invocation of `budgetMs`, starting now. */
    const invocation = (budgetMs: number) => {
      const start = calls();
      let slept = 0;
      const remainingTimeMs = () => budgetMs - slept - (calls() - start) * 1000;
      const original = fakeAthena.startQueryExecution.bind(fakeAthena);
      fakeAthena.startQueryExecution = (input) => {
        leftAtStatementStart.push(remainingTimeMs());
        return original(input);
      };
      const sleep = async (ms: number) => {
        slept += ms;
      };
      return { athena, s3: t.s3, glue: t.glue, remainingTimeMs, sleep };
    };
    /** What Athena does when the statements succeed: the catalog holds their partitions. */
    const applyStatements = (from = 0) => {
      for (const sql of fakeAthena.statements().slice(from)) {
        const partitions = [...sql.matchAll(/PARTITION \(`process_date` = '([^']*)', `shard` = '([^']*)'\) LOCATION '([^']*)'/g)].map((m) => ({
          values: [m[1] ?? '', m[2] ?? ''],
          location: m[3] ?? '',
        }));
        t.fakeGlue.addPartitions(DATABASE, TABLE, partitions);
      }
    };
    const clauses = (statements: string[]) => statements.reduce((n, sql) => n + sql.split('\nPARTITION (').length - 1, 0);
    return { ...t, fakeAthena, invocation, applyStatements, clauses, leftAtStatementStart };
  }

  /** From a run without limit: the margin, the time before the first statement, and one and a half statements. */
  function budgetForOneAndAHalfStatements(leftAtStart: readonly number[], budget: number): number {
    const [first = 0, second = 0] = leftAtStart;
    return DEFAULT_STOP_MARGIN_MS + (budget - first) + 1.5 * (first - second);
  }

  it('starts no statement inside the 15 s margin, and reports incomplete with what the finished statements added', async () => {
    const w = world();
    const probe = await repairTable(w.invocation(600_000), request);
    expect(probe).toMatchObject({ added: TOTAL, incomplete: false });
    const statementCount = w.fakeAthena.statements().length;
    expect(statementCount).toBeGreaterThanOrEqual(3);
    const budget = budgetForOneAndAHalfStatements(w.leftAtStatementStart, 600_000);

    const v = world();
    const first = await repairTable(v.invocation(budget), request);

    const ran = v.fakeAthena.statements();
    expect(ran.length).toBeGreaterThan(0);
    expect(ran.length).toBeLessThan(statementCount);
    expect(Math.min(...v.leftAtStatementStart)).toBeGreaterThanOrEqual(DEFAULT_STOP_MARGIN_MS);
    expect(first).toMatchObject({ incomplete: true, added: v.clauses(ran), alreadyRegistered: 0, notAdded: 0, skipped: 0 });
    expect(JSON.parse(first.summary)).toMatchObject({ incomplete: true, added: first.added, notRegisteredYet: TOTAL - first.added });
    expect(first.summary.length).toBeLessThanOrEqual(1024);
    expect(first.queryExecutionId.split(',')).toHaveLength(ran.length);
  });

  it('starts nothing when the time left is already inside the margin', async () => {
    const w = world();
    const result = await repairTable(w.invocation(DEFAULT_STOP_MARGIN_MS - 1), request);
    expect(result).toMatchObject({ state: 'NOT_STARTED', queryExecutionId: '', added: 0, incomplete: true });
    expect(w.fakeAthena.log.total()).toBe(0);
    expect(JSON.parse(result.summary)).toMatchObject({ incomplete: true, added: 0 });
  });

  it('stops a listing that would use more than half the time after the margin, and says so', async () => {
    const probe = world(6000, 's');
    await repairTable(probe.invocation(600_000), request);
    const listings = probe.fakeS3.log.total();
    expect(listings).toBeGreaterThanOrEqual(4);

    const w = world(6000, 's');
    const result = await repairTable(w.invocation(DEFAULT_STOP_MARGIN_MS + listings * 1000), request);

    expect(w.fakeS3.log.total()).toBeLessThan(listings);
    expect(result.incomplete).toBe(true);
    expect(result.added).toBeLessThan(6000);
    expect(w.leftAtStatementStart.every((left) => left >= DEFAULT_STOP_MARGIN_MS)).toBe(true);
    expect(JSON.parse(result.summary)).toMatchObject({ incomplete: true, listingStopped: true });
  });

  it('a re-run adds only the partitions the catalog lacks, and none twice', async () => {
    const probe = world();
    await repairTable(probe.invocation(600_000), request);
    const w = world();
    const first = await repairTable(w.invocation(budgetForOneAndAHalfStatements(probe.leftAtStatementStart, 600_000)), request);
    expect(first.incomplete).toBe(true);
    w.applyStatements();
    const firstCount = w.fakeAthena.statements().length;

    const second = await repairTable(w.invocation(600_000), request);

    const rerun = w.fakeAthena.statements().slice(firstCount);
    expect(second).toMatchObject({ incomplete: false, state: 'SUCCEEDED', added: TOTAL - first.added, alreadyRegistered: first.added });
    expect(w.clauses(rerun)).toBe(TOTAL - first.added);
    const names = (statements: string[]) => statements.flatMap((sql) => [...sql.matchAll(/LOCATION '([^']*)'/g)].map((m) => m[1]));
    const before = new Set(names(w.fakeAthena.statements().slice(0, firstCount)));
    expect(names(rerun).filter((n) => before.has(n))).toEqual([]);

    w.applyStatements(firstCount);
    const third = await repairTable(w.invocation(600_000), request);
    expect(third).toMatchObject({ incomplete: false, state: 'NOTHING_TO_ADD', queryExecutionId: '', added: 0, alreadyRegistered: TOTAL });
    expect(w.fakeAthena.statements()).toHaveLength(firstCount + rerun.length);
  });
});
