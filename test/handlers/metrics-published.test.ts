/**
 * What the functions publish, as CloudWatch receives it (EMF): names and dimension sets, checked
 * against the catalog the dashboard and alarms are built from (lib/core/metric-names.ts).
 */
import type { Context } from 'aws-lambda';
import concatEvent from '../../events/concat.json';
import succeeded from '../../events/on-pipeline-execution-status-succeeded.json';
import sweepEvent from '../../events/sweep-fan-outs.json';
import { sageMakerClient } from '../../lib/core/aws-clients';
import { Metric } from '../../lib/core/metric-names';
import { FanInStore } from '../../lib/fan-out/fan-in-store';
import { startFanOutTableForHandlers, type LocalDynamo } from '../../doubles/dynalite';
import { captureMetrics, notInCatalog, type PublishedMetric } from '../helpers/emf';
import { FakeRegistrars } from '../post-processing/fakes/registrars-fake';
import { FakeSageMakerExecutions as FakeSageMaker } from '../../doubles/fake-sagemaker-executions';

const registrars = new FakeRegistrars();
jest.mock('../../lib/post-processing/registrars', () => ({ partitionRegistrars: () => registrars }));
const fake = new FakeSageMaker();
jest.mock('../../lib/core/aws-clients', () => ({
  ...jest.requireActual('../../lib/core/aws-clients'),
  sageMakerClient: jest.fn(),
}));

const TABLE = 'metrics-published';
const context = (functionName: string) =>
  ({ functionName, awsRequestId: 'req-1', getRemainingTimeInMillis: () => 100_000 }) as unknown as Context;

describe('published metrics', () => {
  let dynamo: LocalDynamo;
  let published: PublishedMetric[];

  beforeAll(async () => {
    dynamo = await startFanOutTableForHandlers(TABLE);
    process.env.FAN_OUT_STALLED_AFTER_MINUTES = '60';
    fake.addExecution('myPipeline-123', 'p4jn9xou8a8s', [
      { name: 'features', outputs: ['s3://example-ml-bucket/myPipeline-123/features/day=2024-01-05/'] },
    ]);
    jest.mocked(sageMakerClient).mockReturnValue(fake.client());
  });
  afterAll(() => dynamo.close());
  beforeEach(() => {
    published = captureMetrics();
  });
  afterEach(() => jest.restoreAllMocks());

  const find = (name: string, dimensions: string[]) =>
    published.find((m) => m.name === name && m.dimensions.length === dimensions.length && dimensions.every((d) => m.dimensions.includes(d)));

  it('onPipelineExecutionStatus: per pipeline and status, and per table', async () => {
    const { handler } = await import('../../handlers/on-pipeline-execution-status');
    await handler(succeeded, context('onPipelineExecutionStatus'));

    expect(find(Metric.PipelineExecutionStatus, ['service', 'pipeline', 'status'])?.value).toBe(1);
    expect(find(Metric.PartitionsAdded, ['service', 'table'])?.value).toBe(1);
    expect(find(Metric.RegistrationsFailed, ['service', 'table'])?.value).toBe(0);
    expect(notInCatalog(published)).toEqual([]);
  });

  it('a LambdaStep: per function', async () => {
    const { handler } = await import('../../handlers/concat');
    await handler(concatEvent, context('concat'));

    expect(find(Metric.StepSucceeded, ['service', 'function'])?.value).toBe(1);
    expect(notInCatalog(published)).toEqual([]);
  });

  it('sweepFanOuts: the fan-out gauges, a stalled fan-out counted', async () => {
    const hoursAgo = Date.now() - 3 * 3_600_000;
    const store = new FanInStore(dynamo.doc, TABLE, () => hoursAgo);
    await store.create({
      parentExecutionArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent/execution/stalled01',
      callbackToken: 'tok',
      total: 2,
      pendingCount: 0,
      failOnChildFailure: true,
      maxConcurrency: 10,
    });
    const { handler } = await import('../../handlers/sweep-fan-outs');
    await handler(sweepEvent, context('sweepFanOuts'));

    expect(find(Metric.FanOutsStalled, ['service'])?.value).toBe(1);
    expect(find(Metric.FanOutsRunning, ['service'])?.value).toBe(1);
    expect(find(Metric.FanOutChildrenRunning, ['service'])?.value).toBe(2);
    expect(notInCatalog(published)).toEqual([]);
  });
});
