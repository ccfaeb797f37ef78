/**
 * Property-based suite for the LambdaStep functions that call AWS (createPartitions, repairTable,
 * startChildPipelines), and for the fan-in CallbackStep's `arguments`. AWS is a permissive double:
 * every table exists at the Location the event's s3Uri names, every pipeline exists, every query
 * succeeds. So a failure can only come from the input, and must come before the first call.
 */
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { BatchCreatePartitionCommand, BatchGetPartitionCommand, GetPartitionsCommand, GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  DescribePipelineCommand,
  ListPipelineExecutionsCommand,
  SageMakerClient,
  SendPipelineExecutionStepFailureCommand,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import '../handlers/athena-env';
import { handler as createPartitions } from '../../handlers/create-partitions';
import { handler as repairTable } from '../../handlers/repair-table';
import { handler as startChildPipelines } from '../../handlers/start-child-pipelines';
import { handleFanInMessage } from '../../lib/fan-out/fan-in';
import type { FanInDeps } from '../../lib/fan-out/fan-in-deps';
import type { FanInStore } from '../../lib/fan-out/fan-in-store';
import { formatS3Uri, isS3Uri, parseS3Uri } from '../../lib/partitions/s3-uri';
import { lambdaContext } from '../helpers/lambda-context';
import {
  assertFieldNamedFailure,
  assertOutputContract,
  assertProperty,
  edgeNumber,
  eventsFor,
  hostileString,
  hostileValue,
  protoValue,
  RUNS,
} from './hostile';

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

const context = lambdaContext('property', 300_000);
const s3 = mockClient(S3Client);
const glue = mockClient(GlueClient);
const athena = mockClient(AthenaClient);
const sageMaker = mockClient(SageMakerClient);
const mocks = [s3, glue, athena, sageMaker];
const awsCalls = () => mocks.reduce((n, m) => n + m.calls().length, 0);

/** The table's Location: the event's s3Uri when it is one, so that it always lies under the Location. */
let tableLocation = 's3://data-bucket/warehouse/orders/';

function permissiveAws(): void {
  s3.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false, KeyCount: 0 });
  glue.on(GetTableCommand).callsFake((input: { DatabaseName?: string; Name?: string }) => ({
    Table: {
      Name: input.Name,
      DatabaseName: input.DatabaseName,
      PartitionKeys: [{ Name: 'dt', Type: 'string' }],
      StorageDescriptor: { Location: tableLocation, Columns: [{ Name: 'x', Type: 'string' }] },
    },
  }));
  glue.on(BatchGetPartitionCommand).resolves({ Partitions: [], UnprocessedKeys: [] });
  glue.on(GetPartitionsCommand).resolves({ Partitions: [] });
  glue.on(BatchCreatePartitionCommand).resolves({ Errors: [] });
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'query-1' });
  athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { QueryExecutionId: 'query-1', Status: { State: 'SUCCEEDED' } } });
  athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [] } });
  sageMaker.on(DescribePipelineCommand).callsFake((input: { PipelineName?: string }) => ({
    PipelineArn: `arn:aws:sagemaker:us-east-1:111122223333:pipeline/${String(input.PipelineName).toLowerCase()}`,
  }));
  sageMaker.on(ListPipelineExecutionsCommand).resolves({ PipelineExecutionSummaries: [] });
  sageMaker.on(StartPipelineExecutionCommand).callsFake((input: { ClientRequestToken?: string }) => ({
    PipelineExecutionArn: `arn:aws:sagemaker:us-east-1:111122223333:pipeline/child/execution/${String(input.ClientRequestToken).slice(0, 12)}`,
  }));
  sageMaker.on(SendPipelineExecutionStepFailureCommand).resolves({});
}
beforeAll(permissiveAws);
afterAll(() => mocks.forEach((m) => m.restore()));
const forgetCalls = () => mocks.forEach((m) => m.resetHistory());

const locationFor = (event: Record<string, unknown>) => {
  const uri = event.s3Uri;
  return typeof uri === 'string' && uri.length < 2000 && isS3Uri(uri) ? formatS3Uri(parseS3Uri(uri)) : 's3://data-bucket/warehouse/orders/';
};

// --- valid-looking values for each field --------------------------------------------------------

const name = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/), fc.constantFrom('sales_db', 'orders', 'Orders', 'a-b'));
const flag = fc.constantFrom<unknown>(true, false, 'true', 'False', ' TRUE ');
const s3Uri = fc.oneof(
  fc.constantFrom('s3://data-bucket/warehouse/orders/', 's3a://data-bucket/warehouse/orders/dt=2024-01-01/', 's3://b/k//'),
  fc.stringMatching(/^s3:\/\/[a-z0-9.-]{3,20}(\/[a-zA-Z0-9=_.-]{1,10}){0,4}\/?$/),
);
const pipelineName = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9](-?[a-zA-Z0-9]){0,20}$/),
  fc.constant('arn:aws:sagemaker:us-east-1:111122223333:pipeline/child-b'),
);
const item = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.boolean(),
  fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,10}$/), fc.oneof(fc.string({ maxLength: 10 }), fc.integer()), { maxKeys: 4 }),
  edgeNumber,
);
const items = fc.array(item, { minLength: 0, maxLength: 12 }).chain((list) => fc.constantFrom<unknown>(list, JSON.stringify(list)));
const pipelines = fc.array(pipelineName, { minLength: 1, maxLength: 3 }).chain((list) => fc.constantFrom<unknown>(list, list.join(','), JSON.stringify(list)));

const createFields = { database: name, table: name, s3Uri, dryRun: flag, removeMissing: flag, updateMoved: flag };
const repairFields = {
  database: name,
  table: name,
  workGroup: fc.constantFrom('primary', 'wg.1', 'wg_2', 'bad group'),
  outputLocation: fc.constantFrom('s3://results/athena/', 's3://results', 'results'),
  mode: fc.constantFrom('msck', 'add', 'add', 'MSCK'),
  s3Uri,
  allowNotAdded: flag,
};
const fanOutFields = {
  pipelines,
  items: fc.oneof({ weight: 4, arbitrary: items }, { weight: 1, arbitrary: protoValue }),
  itemParameter: fc.constantFrom('item', 'ProcessingDate', 'Shard-1', 'bad name', '__proto__'),
  parentExecutionArn: fc.constantFrom('arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent/execution/abc123'),
  runId: fc.oneof({ weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) }, { weight: 1, arbitrary: hostileString }),
  displayNamePrefix: fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 30 }) }, { weight: 1, arbitrary: hostileString }),
  maxConcurrency: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 60 }) }, { weight: 1, arbitrary: edgeNumber }),
};

/** Events that keep the rules across fields: s3Uri only in add mode. */
const coherentRepair = fc.record({ database: name, table: name, mode: fc.constantFrom('msck', 'add') }).chain((base) =>
  base.mode === 'add' ? fc.record({ s3Uri: fc.option(s3Uri, { nil: undefined }) }).map((extra) => ({ ...base, ...(extra.s3Uri ? extra : {}) })) : fc.constant(base),
);

/** Events that keep the rules across fields: one run key, itemParameter only beside scalar items, at least one item. */
const coherentFanOut = fc
  .record({
    pipelines,
    items: fc.array(item, { minLength: 1, maxLength: 12 }),
    key: fc.oneof(fc.record({ parentExecutionArn: fanOutFields.parentExecutionArn }), fc.record({ runId: fc.string({ minLength: 1, maxLength: 20 }) })),
    itemParameter: fc.option(fc.constantFrom('item', 'ProcessingDate'), { nil: undefined }),
    maxConcurrency: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
  })
  .map(({ pipelines: p, items: list, key, itemParameter, maxConcurrency }) => ({
    pipelines: p,
    items: JSON.stringify(list),
    ...key,
    ...(itemParameter && list.some((i) => typeof i !== 'object') ? { itemParameter } : {}),
    ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
  }));

const cases: [string, Handler, Record<string, fc.Arbitrary<unknown>>, fc.Arbitrary<Record<string, unknown>>?][] = [
  ['createPartitions', createPartitions, createFields],
  ['repairTable', repairTable, repairFields, coherentRepair],
  ['startChildPipelines', startChildPipelines, fanOutFields, coherentFanOut],
];

describe.each(cases)('%s under generated events', (_name, handler, fields, coherent) => {
  it(`succeeds within the output contract, or fails naming a field before any AWS call, on ${RUNS} events`, async () => {
    await assertProperty(
      fc.asyncProperty(eventsFor(fields, coherent), async (event) => {
        forgetCalls();
        tableLocation = locationFor(event);
        const outcome = await handler(event, context).then(
          (outputs) => ({ ok: true as const, outputs }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        if (outcome.ok) {
          assertOutputContract(outcome.outputs);
          return;
        }
        assertFieldNamedFailure(outcome.error, event, Object.keys(fields));
        if (awsCalls() > 0) throw new Error(`failed after ${awsCalls()} AWS calls: ${(outcome.error as Error).message.slice(0, 300)}`);
      }),
    );
  });
});

describe('the fan-in CallbackStep arguments under generated values', () => {
  /** A store that must not be reached by refused arguments: reaching it means the arguments were accepted. */
  class Accepted extends Error {}
  const store = new Proxy({} as FanInStore, {
    get: () => () => {
      throw new Accepted('store reached');
    },
  });
  const deps: FanInDeps = { sageMaker: new SageMakerClient({}), store, remainingTimeMs: () => 300_000 };
  const fanInFields = { ...fanOutFields, failOnChildFailure: flag };
  const args = fc.oneof({ weight: 9, arbitrary: eventsFor(fanInFields) }, { weight: 1, arbitrary: fc.constant(JSON.parse('{"__proto__": {"pipelines": "p"}}') as Record<string, unknown>) });

  it('refuses bad arguments by failing the step once, naming the field in at most 256 characters, with no other call', async () => {
    await assertProperty(
      fc.asyncProperty(args, hostileValue, async (argumentsOf, _unused) => {
        forgetCalls();
        const message = { token: 'cbtoken001', pipelineExecutionArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/p/execution/x1', arguments: argumentsOf };
        const accepted = await handleFanInMessage(deps, message).then(
          () => false,
          (error: unknown) => {
            if (error instanceof Accepted) return true;
            throw error;
          },
        );
        const failures = sageMaker.commandCalls(SendPipelineExecutionStepFailureCommand);
        if (accepted) {
          expect(failures).toHaveLength(0);
          return;
        }
        expect(failures).toHaveLength(1);
        const reason = failures[0]?.args[0].input.FailureReason ?? '';
        const fields = [...Object.keys(fanInFields), ...Object.keys(argumentsOf)];
        assertFieldNamedFailure(Object.assign(new (await import('../../lib/core/errors')).InvalidInputError(reason)), argumentsOf, fields, 256);
        // Only the failure callback, and DescribePipeline when the arguments parsed but the plan was refused.
        const others = awsCalls() - failures.length - sageMaker.commandCalls(DescribePipelineCommand).length;
        expect(others).toBe(0);
      }),
      Math.max(100, Math.floor(RUNS / 3)),
    );
  });
});
