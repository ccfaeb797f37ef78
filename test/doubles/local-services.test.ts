import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import {
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  BatchGetPartitionCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import { ListObjectsV2Command, S3Client, type ListObjectsV2CommandInput } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { hiveDdl } from '../../doubles/athena-ddl';
import { jsonListener, listen, type Served } from '../../doubles/aws-json-http';
import { FakeAthena } from '../../doubles/fake-athena';
import { FakeGlue } from '../../doubles/fake-glue';
import { FakeS3 } from '../../doubles/fake-s3';
import { s3Listener } from '../../doubles/fake-s3-http';
import { athenaService, glueService } from '../../doubles/partition-services-http';
import { DATABASE, LOCATION, TABLE, tableDefinition } from '../../doubles/partitioned-table';
import { parseMsckResult } from '../../lib/partitions/athena-statements';
import { hostileString, SPECIAL_CHARACTERS } from '../properties/hostile';
import createPartitionsEvent from '../../events/create-partitions.json';
import stepSucceeded from '../../events/on-pipeline-execution-status-step-succeeded.json';
import succeeded from '../../events/on-pipeline-execution-status-succeeded.json';
import repairTableAddEvent from '../../events/repair-table-add.json';
import { FakeSageMakerExecutions } from '../../doubles/fake-sagemaker-executions';
import { loadSample } from '../../doubles/sample-partitions';

const clientConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 1,
});

let glue: FakeGlue;
let s3: FakeS3;
let athena: FakeAthena;
const servers: Served[] = [];
let glueClient: GlueClient;
let athenaClient: AthenaClient;
let s3Client: S3Client;

beforeAll(async () => {
  glue = new FakeGlue();
  s3 = new FakeS3();
  athena = new FakeAthena().on(() => true, hiveDdl(glue, s3));
  const [g, a, s] = await Promise.all([
    listen(jsonListener(glueService(glue))),
    listen(jsonListener(athenaService(athena))),
    listen(s3Listener(s3, async () => undefined)),
  ]);
  servers.push(g, a, s);
  glueClient = new GlueClient(clientConfig(g.endpoint));
  athenaClient = new AthenaClient(clientConfig(a.endpoint));
  s3Client = new S3Client({ ...clientConfig(s.endpoint), forcePathStyle: true });
});

afterAll(async () => {
  for (const client of [glueClient, athenaClient, s3Client]) client.destroy();
  await Promise.all(servers.map((s) => s.close()));
});

let tableCount = 0;
/** A fresh table (in the one shared fake) with keys process_date and shard. */
function freshTable(): { table: string; location: string } {
  const table = `t${++tableCount}`;
  const location = `s3://data-bucket/t${tableCount}/`;
  glue.addTable(DATABASE, { ...tableDefinition(location, ['process_date', 'shard']), Name: table });
  s3.put('data-bucket');
  return { table, location };
}

const partitionInput = (i: number) => ({ Values: [`2024-01-${String((i % 28) + 1).padStart(2, '0')}`, String(i)] });

describe('local Glue (FakeGlue over awsJson1_1)', () => {
  it('answers a real GlueClient, timestamps as Dates', async () => {
    const { table } = freshTable();
    await glueClient.send(new BatchCreatePartitionCommand({ DatabaseName: DATABASE, TableName: table, PartitionInputList: [partitionInput(1)] }));

    const out = await glueClient.send(new GetPartitionsCommand({ DatabaseName: DATABASE, TableName: table }));

    expect(out.Partitions?.[0]?.CreationTime).toBeInstanceOf(Date);
    expect(out.Partitions?.[0]?.Values).toEqual(['2024-01-02', '1']);
  });

  it('refuses more than 100 partitions per BatchCreatePartition, and returns AlreadyExists per entry', async () => {
    const { table } = freshTable();
    const inputs = Array.from({ length: 101 }, (_, i) => partitionInput(i));
    await expect(glueClient.send(new BatchCreatePartitionCommand({ DatabaseName: DATABASE, TableName: table, PartitionInputList: inputs }))).rejects.toMatchObject({
      name: 'ValidationException',
    });

    await glueClient.send(new BatchCreatePartitionCommand({ DatabaseName: DATABASE, TableName: table, PartitionInputList: inputs.slice(0, 100) }));
    const again = await glueClient.send(new BatchCreatePartitionCommand({ DatabaseName: DATABASE, TableName: table, PartitionInputList: inputs.slice(99, 100) }));

    expect(again.Errors).toEqual([{ PartitionValues: inputs[99]?.Values, ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'Partition already exists.' } }]);
  });

  it('pages GetPartitions with NextToken, 1000 at most a page', async () => {
    const { table } = freshTable();
    glue.addPartitions(DATABASE, table, Array.from({ length: 2500 }, (_, i) => ({ values: partitionInput(i).Values, location: `s3://data-bucket/p${i}/` })));

    const pages: number[] = [];
    let token: string | undefined;
    do {
      const page = await glueClient.send(new GetPartitionsCommand({ DatabaseName: DATABASE, TableName: table, NextToken: token, MaxResults: 1000 }));
      pages.push(page.Partitions?.length ?? 0);
      token = page.NextToken;
    } while (token);

    expect(pages).toEqual([1000, 1000, 500]);
    await expect(glueClient.send(new GetPartitionsCommand({ DatabaseName: DATABASE, TableName: table, MaxResults: 1001 }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('limits BatchGetPartition to 1000 keys and BatchDeletePartition to 25, and leaves keys unprocessed when told', async () => {
    const { table } = freshTable();
    const keys = (n: number) => Array.from({ length: n }, (_, i) => partitionInput(i));
    await expect(glueClient.send(new BatchGetPartitionCommand({ DatabaseName: DATABASE, TableName: table, PartitionsToGet: keys(1001) }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(glueClient.send(new BatchDeletePartitionCommand({ DatabaseName: DATABASE, TableName: table, PartitionsToDelete: keys(26) }))).rejects.toMatchObject({
      name: 'ValidationException',
    });

    glue.returnUnprocessed(3);
    const out = await glueClient.send(new BatchGetPartitionCommand({ DatabaseName: DATABASE, TableName: table, PartitionsToGet: keys(10) }));

    expect(out.UnprocessedKeys).toEqual(keys(10).slice(7));
  });

  it('answers any target and body with a JSON reply, never failing the server', async () => {
    const endpoint = servers[0]?.endpoint ?? '';
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileString, fc.constantFrom('AWSGlue.GetTable', 'AWSGlue.BatchCreatePartition')), hostileString, async (target, body) => {
        // A header carries bytes: the target's UTF-8 as they are, but the control characters HTTP forbids there.
        // eslint-disable-next-line no-control-regex
        const header = Buffer.from(target).toString('latin1').replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, '');
        const reply = await fetch(endpoint, { method: 'POST', headers: { 'x-amz-target': header }, body });
        const parsed = (await reply.json()) as { __type?: string };

        expect(reply.status === 200 || typeof parsed.__type === 'string').toBe(true);
      }),
      { numRuns: 50 },
    );
    expect((await glueClient.send(new GetTableCommand({ DatabaseName: DATABASE, Name: freshTable().table }))).Table?.Name).toMatch(/^t\d+$/);
  });

  it('answers an unknown table as Glue does, and an unknown or prototype operation as unknown', async () => {
    await expect(glueClient.send(new GetTableCommand({ DatabaseName: DATABASE, Name: 'missing' }))).rejects.toMatchObject({ name: 'EntityNotFoundException' });
    for (const operation of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const reply = await fetch(servers[0]?.endpoint ?? '', { method: 'POST', headers: { 'x-amz-target': `AWSGlue.${operation}` }, body: '{}' });
      expect(reply.status).toBe(400);
      expect(await reply.json()).toEqual({ __type: 'UnknownOperationException', message: operation });
    }
  });
});

describe('local Athena (FakeAthena with the Hive DDL of doubles/athena-ddl.ts)', () => {
  async function run(sql: string) {
    const { QueryExecutionId } = await athenaClient.send(new StartQueryExecutionCommand({ QueryString: sql }));
    const states: string[] = [];
    for (;;) {
      const out = await athenaClient.send(new GetQueryExecutionCommand({ QueryExecutionId }));
      const status = out.QueryExecution?.Status;
      states.push(status?.State ?? '');
      if (status?.State === 'FAILED') return { states, rows: [], error: status.AthenaError?.ErrorMessage };
      if (status?.State === 'SUCCEEDED') break;
    }
    const results = await athenaClient.send(new GetQueryResultsCommand({ QueryExecutionId }));
    return { states, rows: (results.ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue ?? '')) };
  }

  it('runs MSCK REPAIR TABLE: adds what the catalog lacks, prints Hive\'s lines, lists but skips what Athena skips', async () => {
    const { table, location } = freshTable();
    const prefix = location.replace('s3://data-bucket/', '');
    s3.put(
      'data-bucket',
      `${prefix}process_date=2024-01-01/shard=0/part-0.csv`,
      `${prefix}process_date=2024-01-02/shard=0/part-0.csv`,
      `${prefix}process_date=2024-01-02/shard=1/_SUCCESS`,
      `${prefix}Process_Date=2024-01-03/shard=0/part-0.csv`,
      `${prefix}process_date=2024-01-04/shard=10%3A00/part-0.csv`,
      `${prefix}_tmp/process_date=2024-01-05/shard=0/part-0.csv`,
    );
    glue.addPartitions(DATABASE, table, [{ values: ['2024-01-01', '0'], location: `${location}process_date=2024-01-01/shard=0/` }]);

    const result = await run(`MSCK REPAIR TABLE \`${DATABASE}\`.\`${table}\``);

    expect(result.states).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    expect(result.rows).toEqual([
      [`Partitions not in metastore:\t${table}:Process_Date=2024-01-03/shard=0\t${table}:process_date=2024-01-02/shard=0\t${table}:process_date=2024-01-04/shard=10%3A00`],
      [`Repair: Added partition to metastore ${table}:process_date=2024-01-02/shard=0`],
    ]);
    expect(parseMsckResult(result.rows).notAdded).toEqual([`${table}:Process_Date=2024-01-03/shard=0`, `${table}:process_date=2024-01-04/shard=10%3A00`]);
    expect(glue.partitions(DATABASE, table).map((p) => [p.Values, p.StorageDescriptor?.Location, p.StorageDescriptor?.SerdeInfo?.SerializationLibrary])).toEqual([
      [['2024-01-01', '0'], `${location}process_date=2024-01-01/shard=0/`, expect.any(String)],
      [['2024-01-02', '0'], `${location}process_date=2024-01-02/shard=0/`, 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe'],
    ]);
  });

  it('runs ALTER TABLE ADD IF NOT EXISTS PARTITION, and fails an existing one without IF NOT EXISTS', async () => {
    const { table, location } = freshTable();
    const add = `ALTER TABLE \`${DATABASE}\`.\`${table}\` ADD IF NOT EXISTS\nPARTITION (\`shard\` = '1', \`process_date\` = '2024-01-01') LOCATION '${location}x/'\nPARTITION (\`process_date\` = 'a,b)', \`shard\` = '2') LOCATION '${location}y/'`;

    expect((await run(add)).states.at(-1)).toBe('SUCCEEDED');
    expect((await run(add)).states.at(-1)).toBe('SUCCEEDED');
    const failed = await run(add.replace(' IF NOT EXISTS', ''));

    expect(failed.error).toMatch(/AlreadyExistsException/);
    expect(glue.partitions(DATABASE, table).map((p) => [p.Values, p.StorageDescriptor?.Location])).toEqual([
      [['2024-01-01', '1'], `${location}x/`],
      [['a,b)', '2'], `${location}y/`],
    ]);
  });

  it('fails a statement on an unknown table with Athena\'s error', async () => {
    const result = await run(`MSCK REPAIR TABLE \`${DATABASE}\`.\`nothing_here\``);

    expect(result.states).toEqual(['QUEUED', 'RUNNING', 'FAILED']);
    expect(result.error).toMatch(/Table not found sales_db\.nothing_here/);
  });
});

describe('local S3 (FakeS3 over REST/XML)', () => {
  // Characters XML 1.0 cannot carry (real S3 needs encoding-type=url for them) are left out; every
  // other hostile character is in, \r, \n and \t among them.
  // eslint-disable-next-line no-control-regex
  const xmlSafe = SPECIAL_CHARACTERS.filter((c) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe]/.test(c));
  const segment = fc.array(fc.oneof(fc.constantFrom(...xmlSafe, '\r\n', '&', '<', '>', ']]>', '+', 'a', 'b', '&#10;'), fc.constantFrom('x=1', 'y=2')), { minLength: 1, maxLength: 4 }).map((p) => p.join(''));
  // The SDK's XML parser reads a value made only of whitespace with a line break as '', whatever the
  // server sends (a limit of the client, which real S3 meets too): such keys are left out.
  const key = fc
    .array(segment, { minLength: 1, maxLength: 3 })
    .map((s) => s.join('/'))
    .filter((k) => !(/^\s*$/.test(k) && /[\r\n]/.test(k)));

  async function listAll(list: (input: ListObjectsV2CommandInput) => Promise<{ Contents?: { Key?: string }[]; CommonPrefixes?: { Prefix?: string }[]; NextContinuationToken?: string; IsTruncated?: boolean }>, input: ListObjectsV2CommandInput) {
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const out = await list({ ...input, ContinuationToken: token });
      pages.push([...(out.Contents ?? []).map((o) => `k:${o.Key}`), ...(out.CommonPrefixes ?? []).map((p) => `p:${p.Prefix}`)]);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return pages;
  }

  it('lists over HTTP exactly what the in-process fake lists, hostile keys included', async () => {
    let bucketCount = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(key, { minLength: 1, maxLength: 12 }), fc.nat(), fc.boolean(), fc.integer({ min: 1, max: 4 }), async (keys, pick, delimited, maxKeys) => {
        const bucket = `bucket-${++bucketCount}`;
        s3.put(bucket, ...keys);
        const chosen = keys[pick % keys.length] ?? '';
        const input = { Bucket: bucket, Prefix: chosen.slice(0, pick % (chosen.length + 1)), Delimiter: delimited ? '/' : undefined, MaxKeys: maxKeys };

        const overHttp = await listAll((i) => s3Client.send(new ListObjectsV2Command(i)), input);
        const inProcess = await listAll((i) => s3.listObjectsV2(i), input);

        expect(overHttp).toEqual(inProcess);
      }),
      { numRuns: 60 },
    );
  });

  it('answers a key that is not valid percent-encoding with InvalidURI, and goes on serving', async () => {
    const endpoint = servers[2]?.endpoint ?? '';
    const reply = await fetch(`${endpoint}/data-bucket/bad%E0%A4%A`);

    expect(reply.status).toBe(400);
    expect(await reply.text()).toContain('<Code>InvalidURI</Code>');
    expect((await fetch(`${endpoint}/data-bucket?list-type=2`)).status).toBe(200);
  });

  it('answers a missing bucket with NoSuchBucket', async () => {
    await expect(s3Client.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });
});

describe('the sample world (scripts/local-partitions.ts --sample)', () => {
  it('holds the tables the samples name, with all but the newest day registered, and the execution that wrote it', () => {
    const world = { s3: new FakeS3(), glue: new FakeGlue(), sageMaker: new FakeSageMakerExecutions() };

    loadSample(world);

    for (const event of [createPartitionsEvent, repairTableAddEvent]) expect(event.s3Uri.startsWith(LOCATION)).toBe(true);
    expect(world.glue.table(DATABASE, TABLE).PartitionKeys?.map((k) => k.Name)).toEqual(['process_date', 'shard']);
    expect(world.glue.partitions(DATABASE, TABLE).map((p) => p.Values)).toEqual([['2021-12-14', '0']]);
    expect(world.glue.partitions('analytics', 'daily_features').map((p) => p.Values)).toEqual([['2024-01-04']]);
    const steps = world.sageMaker.listSteps({ PipelineExecutionArn: succeeded.detail.pipelineExecutionArn }).PipelineExecutionSteps ?? [];
    const outputs = steps.map((step) => world.sageMaker.describeJob({ ProcessingJobName: step.Metadata?.ProcessingJob?.Arn?.split('/').pop() }).ProcessingOutputConfig.Outputs[0]?.S3Output.S3Uri);
    expect(outputs).toEqual(['s3://example-ml-bucket/myPipeline-123/features/day=2024-01-05/', 's3://example-ml-bucket/myPipeline-123/scores/day=2024-01-05/']);
    expect(steps[1]?.Metadata?.ProcessingJob?.Arn).toBe(stepSucceeded.detail.metadata.processingJob.arn);
  });
});
