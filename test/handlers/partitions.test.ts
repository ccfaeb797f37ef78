import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import './athena-env';
import { handler as createHandler } from '../../handlers/create-partitions';
import { handler as repairHandler } from '../../handlers/repair-table';
import { mockClient } from 'aws-sdk-client-mock';
import { athenaClient, glueClient, s3Client } from '../../lib/core/aws-clients';
import { FakeAthena } from '../../doubles/fake-athena';
import { FakeGlue } from '../../doubles/fake-glue';
import { FakeS3 } from '../../doubles/fake-s3';
import { BUCKET, DATABASE, tableDefinition } from '../../doubles/partitioned-table';
import createEvent from '../../events/create-partitions.json';
import dryRunEvent from '../../events/create-partitions-dry-run.json';
import syncEvent from '../../events/create-partitions-sync.json';
import repairEvent from '../../events/repair-table.json';
import repairAddEvent from '../../events/repair-table-add.json';


const context = { awsRequestId: 'req-1', functionName: 'fn', getRemainingTimeInMillis: () => 300_000 } as unknown as Context;
const s3Mock = mockClient(S3Client);
const glueMock = mockClient(GlueClient);
const athenaMock = mockClient(AthenaClient);

function world() {
  s3Mock.reset();
  glueMock.reset();
  athenaMock.reset();
  const s3 = new FakeS3().attach(s3Mock);
  const glue = new FakeGlue().attach(glueMock);
  const athena = new FakeAthena().attach(athenaMock);
  glue.addTable(DATABASE, tableDefinition(`s3://${BUCKET}/warehouse/orders`, ['process_date', 'shard']));
  s3.put(
    BUCKET,
    'warehouse/orders/process_date=2021-12-15/shard=0/part-0.csv',
    'warehouse/orders/process_date=2021-12-15/shard=0/_SUCCESS',
    'warehouse/orders/process_date=2021-12-15/shard=1/part-0.csv',
    'warehouse/orders/process_date=2021-12-14/shard=0/part-0.csv',
  );
  return { s3, glue, athena };
}

describe('createPartitions handler', () => {
  it('registers the partitions under the sample event s3Uri and returns LambdaStep outputs', async () => {
    const w = world();
    const out = await createHandler(createEvent, context);
    expect(out).toMatchObject({ added: 2, alreadyRegistered: 0, moved: 0, removed: 0, skipped: 0, dryRun: false, summary: expect.any(String) });
    expect(w.glue.partitions(DATABASE, 'orders')).toHaveLength(2);
  });

  it('coerces "true" and writes nothing on the dry-run sample', async () => {
    const w = world();
    const out = await createHandler(dryRunEvent, context);
    expect(out).toMatchObject({ added: 3, dryRun: true });
    expect(w.glue.partitions(DATABASE, 'orders')).toHaveLength(0);
  });

  it('syncs with removeMissing and updateMoved on the sync sample', async () => {
    const w = world();
    w.glue.addPartitions(DATABASE, 'orders', [{ values: ['2020-01-01', '0'], location: `s3://${BUCKET}/warehouse/orders/process_date=2020-01-01/shard=0/` }]);
    const out = await createHandler(syncEvent, context);
    expect(out).toMatchObject({ added: 3, removed: 1 });
  });

  it('stops before the Lambda context runs out of time, reporting incomplete; registerDespiteProjection is an input', async () => {
    const w = world();
    const late = { ...context, getRemainingTimeInMillis: () => 10_000 } as Context;
    const out = await createHandler(createEvent, late);
    expect(out).toMatchObject({ added: 0, incomplete: true, resumeAfter: '', partitionProjection: false });
    expect(w.glue.partitions(DATABASE, 'orders')).toHaveLength(0);
    await expect(createHandler({ ...createEvent, registerDespiteProjection: 'true' }, context)).resolves.toMatchObject({ added: 2, incomplete: false });
  });

  it('refuses unknown fields and a prefix outside the Location, naming the field', async () => {
    world();
    await expect(createHandler({ ...createEvent, dryrun: true }, context)).rejects.toThrow(/dryrun: unexpected field/);
    await expect(createHandler({ ...createEvent, s3Uri: 's3://data-bucket/elsewhere/' }, context)).rejects.toThrow(/^s3Uri: /);
  });

  it('checks the names and the s3Uri syntax before any AWS call', async () => {
    world();
    await expect(createHandler({ ...createEvent, s3Uri: 'data-bucket/warehouse/' }, context)).rejects.toThrow(
      /^Invalid input: s3Uri: expected an s3:\/\/bucket\/prefix URI/,
    );
    await expect(createHandler({ ...createEvent, table: 'orders\n\u001b[2J' }, context)).rejects.toThrow(
      'Invalid input: table: expected a Glue name (no control characters) (got "orders\\n\\u001b[2J")',
    );
    await expect(createHandler({ ...createEvent, database: 'd'.repeat(256) }, context)).rejects.toThrow(/^Invalid input: database: expected at most 255/);
    expect(glueMock.calls()).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe('repairTable handler', () => {
  it('runs MSCK with the workgroup from ATHENA_WORKGROUP on the sample event', async () => {
    const w = world();
    w.athena.on(/^MSCK/, { states: ['SUCCEEDED'], rows: [['Repair: Added partition to metastore orders:process_date=2021-12-15/shard=0']] });
    const out = await repairHandler(repairEvent, context);
    expect(out).toEqual({
      queryExecutionId: expect.any(String),
      state: 'SUCCEEDED',
      added: 1,
      alreadyRegistered: 0,
      notAdded: 0,
      skipped: 0,
      incomplete: false,
      partitionProjection: false,
      summary: expect.any(String),
    });
    expect([...w.athena.queries.values()][0]?.input.WorkGroup).toBe('pipeline-functions');
  });

  it('adds partitions with ALTER TABLE on the add sample, in the deployment\'s workgroup', async () => {
    const w = world();
    w.athena.on(/^ALTER TABLE/, { states: ['SUCCEEDED'] });
    const out = await repairHandler(repairAddEvent, context);
    expect(out).toEqual({
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
    const [query] = w.athena.queries.values();
    expect(query?.input.WorkGroup).toBe('pipeline-functions');
    expect(query?.input.ResultConfiguration).toBeUndefined();
  });

  it('returns incomplete, starting no statement, when the time left is inside the 15 s margin', async () => {
    const w = world();
    const late = { ...context, getRemainingTimeInMillis: () => 10_000 } as Context;
    const out = await repairHandler(repairAddEvent, late);
    expect(out).toEqual({
      queryExecutionId: '',
      state: 'NOT_STARTED',
      added: 0,
      alreadyRegistered: 0,
      notAdded: 0,
      skipped: 0,
      incomplete: true,
      partitionProjection: false,
      summary: expect.any(String),
    });
    expect(JSON.parse(String(out.summary))).toMatchObject({ incomplete: true, notRegisteredYet: 2 });
    expect(w.athena.queries.size).toBe(0);
  });

  it('refuses another workgroup and a result location, which the deployment\'s workgroup would refuse or ignore', async () => {
    world();
    await expect(repairHandler({ ...repairAddEvent, workGroup: 'primary' }, context)).rejects.toThrow(
      'workGroup: this deployment runs its queries in workgroup "pipeline-functions" only (its role may use no other); leave workGroup out',
    );
    await expect(repairHandler({ ...repairAddEvent, outputLocation: 's3://athena-results-bucket/repair-table/' }, context)).rejects.toThrow(
      /^outputLocation: workgroup "pipeline-functions" enforces its own result location/,
    );
    await expect(repairHandler({ ...repairAddEvent, workGroup: 'pipeline-functions' }, context)).resolves.toBeDefined();
    expect(athenaMock.calls().filter((c) => c.args[0].constructor.name === 'StartQueryExecutionCommand')).toHaveLength(1);
  });

  it('refuses an unknown mode', async () => {
    world();
    await expect(repairHandler({ ...repairEvent, mode: 'repair' }, context)).rejects.toThrow(/mode: expected "msck" or "add"/);
  });

  it('refuses an s3Uri in msck mode, which would repair the whole table regardless', async () => {
    world();
    const s3Uri = 's3://data-bucket/warehouse/orders/process_date=2021-12-15/';
    await expect(repairHandler({ ...repairEvent, s3Uri }, context)).rejects.toThrow(/^s3Uri: only with mode "add"/);
    await expect(repairHandler({ ...repairEvent, mode: 'msck', s3Uri }, context)).rejects.toThrow(/^s3Uri: only with mode "add"/);
    expect(athenaMock.calls()).toHaveLength(0);
  });

  it('checks names, workgroup and s3Uri syntax before any AWS call', async () => {
    world();
    await expect(repairHandler({ ...repairAddEvent, s3Uri: 'warehouse/orders/' }, context)).rejects.toThrow(/^Invalid input: s3Uri: expected an s3:/);
    await expect(repairHandler({ ...repairAddEvent, workGroup: 'prim ary' }, context)).rejects.toThrow(/^Invalid input: workGroup: expected an Athena workgroup/);
    await expect(repairHandler({ ...repairAddEvent, table: 'orders; DROP' }, context)).rejects.toThrow(/^Invalid input: table: expected an Athena identifier/);
    expect(glueMock.calls()).toHaveLength(0);
    expect(athenaMock.calls()).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe('AWS clients the handlers use', () => {
  it('retry throttling in adaptive mode with 8 attempts', async () => {
    for (const client of [s3Client(), glueClient(), athenaClient()]) {
      expect(await client.config.maxAttempts()).toBe(8);
      const mode: unknown = client.config.retryMode;
      expect(typeof mode === 'function' ? await mode() : mode).toBe('adaptive');
    }
  });
});
