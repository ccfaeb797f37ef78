import type { Context } from 'aws-lambda';
import executing from '../../events/on-pipeline-execution-status-executing.json';
import failed from '../../events/on-pipeline-execution-status-failed.json';
import stepSucceeded from '../../events/on-pipeline-execution-status-step-succeeded.json';
import succeeded from '../../events/on-pipeline-execution-status-succeeded.json';
import unrouted from '../../events/on-pipeline-execution-status-unrouted-pipeline.json';
import { sageMakerClient } from '../../lib/core/aws-clients';
import { logger } from '../../lib/core/powertools';
import { FakeRegistrars } from '../post-processing/fakes/registrars-fake';
import { FakeSageMakerExecutions as FakeSageMaker } from '../../doubles/fake-sagemaker-executions';

// The real registrars are the partitions capability's use cases, tested there: here, an idempotent fake.
const registrars = new FakeRegistrars();
jest.mock('../../lib/post-processing/registrars', () => ({ partitionRegistrars: () => registrars }));
const fake = new FakeSageMaker();
jest.mock('../../lib/core/aws-clients', () => ({
  ...jest.requireActual('../../lib/core/aws-clients'),
  sageMakerClient: jest.fn(),
}));

import { handler } from '../../handlers/on-pipeline-execution-status';

const context = {
  functionName: 'onPipelineExecutionStatus',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 900_000,
} as unknown as Context;

const EXECUTION_ID = 'p4jn9xou8a8s';

beforeAll(() => {
  fake.addExecution('myPipeline-123', EXECUTION_ID, [
    { name: 'features', outputs: ['s3://example-ml-bucket/myPipeline-123/features/day=2024-01-05/'] },
    {
      name: 'myprocessingstep1',
      jobName: 'pipelines-p4jn9xou8a8s-myprocessingstep1-tmgxry49ug',
      outputs: ['s3://example-ml-bucket/myPipeline-123/scores/day=2024-01-05/'],
    },
  ], 'Step features failed: AlgorithmError: exit code 1');
  jest.mocked(sageMakerClient).mockReturnValue(fake.client());
});

beforeEach(() => {
  registrars.glueCalls.length = 0;
  registrars.athenaCalls.length = 0;
  registrars.catalog.clear();
  registrars.failing.clear();
  jest.restoreAllMocks();
});

describe('onPipelineExecutionStatus', () => {
  it('registers the outputs of the sample pipeline when its execution succeeds', async () => {
    const info = jest.spyOn(logger, 'info');

    const result = await handler(succeeded, context);

    expect(result).toEqual({ action: 'registered', pipeline: 'myPipeline-123', registrations: 1, added: 1 });
    expect(registrars.glueCalls).toEqual([
      { database: 'analytics', table: 'daily_features', s3Uri: 's3://example-ml-bucket/myPipeline-123/features/day=2024-01-05/', updateMoved: true },
    ]);
    expect(info).toHaveBeenCalledWith('pipeline execution Succeeded', expect.objectContaining({
      pipeline: 'myPipeline-123',
      pipelineExecutionArn: succeeded.detail.pipelineExecutionArn,
      status: 'Succeeded',
    }));
  });

  it('registers a step-triggered route when the processing step succeeds', async () => {
    await handler(stepSucceeded, context);

    expect(registrars.athenaCalls).toEqual([
      expect.objectContaining({ table: 'daily_scores', mode: 'add', s3Uri: 's3://example-ml-bucket/myPipeline-123/scores/day=2024-01-05/' }),
    ]);
  });

  it('succeeds on a duplicate delivery, adding nothing', async () => {
    await handler(succeeded, context);
    const again = await handler(succeeded, context);

    expect(again).toMatchObject({ action: 'registered', added: 0 });
  });

  it('fails the invocation naming the failed table, after the other routes ran', async () => {
    registrars.failing.set('analytics.daily_features', new Error('Glue is down'));

    await expect(handler(succeeded, context)).rejects.toThrow(
      /1 of 1 registrations failed: analytics\.daily_features \(s3:\/\/example-ml-bucket\/myPipeline-123\/features\/day=2024-01-05\/\): Error: Glue is down/,
    );
  });

  it('logs the failure reason of a failed execution', async () => {
    const warn = jest.spyOn(logger, 'warn');

    await expect(handler(failed, context)).resolves.toMatchObject({ action: 'explained-failure' });

    expect(warn).toHaveBeenCalledWith('pipeline execution failed', {
      pipeline: 'myPipeline-123',
      failureReason: 'Step features failed: AlgorithmError: exit code 1',
    });
  });

  it.each([
    ['an execution still running', executing, 'status Executing triggers nothing'],
    ['a pipeline that is not configured', unrouted, 'pipeline not in the configuration'],
  ])('ignores %s with a log line', async (_what, event, reason) => {
    const info = jest.spyOn(logger, 'info');

    await expect(handler(event, context)).resolves.toMatchObject({ action: 'ignored', reason });

    expect(info).toHaveBeenCalledWith('event ignored', expect.objectContaining({ reason }));
    expect(registrars.glueCalls).toHaveLength(0);
  });

  it('refuses an event that is not a pipeline status change, naming the field', async () => {
    const broken = { ...succeeded, detail: { ...succeeded.detail, currentPipelineExecutionStatus: 'Exploded' } };
    await expect(handler(broken, context)).rejects.toThrow(/detail\.currentPipelineExecutionStatus/);
  });
});
