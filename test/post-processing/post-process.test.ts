import executionEvent from '../../events/on-pipeline-execution-status-succeeded.json';
import stepEvent from '../../events/on-pipeline-execution-status-step-succeeded.json';
import { PartialFailureError } from '../../lib/core/errors';
import { PipelineExecutionStatusChangeEvent, PipelineStepStatusChangeEvent } from '../../lib/core/sagemaker-events';
import { parsePostProcessingConfig } from '../../lib/post-processing/config';
import { postProcessPipelineEvent, type PostProcessingReport } from '../../lib/post-processing/post-process';
import { assertAllSucceeded } from '../../lib/post-processing/run-registrations';
import { FakeRegistrars } from './fakes/registrars-fake';
import { FakeSageMakerExecutions as FakeSageMaker } from '../../doubles/fake-sagemaker-executions';

const EXECUTION_ID = 'p4jn9xou8a8s';
const athena = { workGroup: 'primary', outputLocation: 's3://results/athena/' };
const config = parsePostProcessingConfig({
  pipelines: {
    'myPipeline-123': {
      routes: [
        { database: 'db', table: 'features', location: 's3://bucket/features/', strategy: 'glue', scope: 'outputs' },
        { database: 'db', table: 'scores', location: 's3://bucket/scores/', strategy: 'athena-add', scope: 'outputs', athena },
        { database: 'db', table: 'summary', location: 's3://bucket/summary/', strategy: 'athena-msck', scope: 'table', athena },
        { database: 'db', table: 'early', location: 's3://bucket/early/', strategy: 'glue', scope: 'outputs', trigger: 'step' },
      ],
    },
  },
});

const succeeded = PipelineExecutionStatusChangeEvent.parse(executionEvent);
const withStatus = (status: string) =>
  PipelineExecutionStatusChangeEvent.parse({ ...executionEvent, detail: { ...executionEvent.detail, currentPipelineExecutionStatus: status } });

function setup() {
  const sageMaker = new FakeSageMaker();
  sageMaker.addExecution('myPipeline-123', EXECUTION_ID, [
    { name: 'features-a', outputs: ['s3://bucket/features/day=2024-01-05/', 's3://bucket/models/'] },
    { name: 'features-b', outputs: ['s3://bucket/features/day=2024-01-06/'] },
    { name: 'scores', outputs: ['s3://bucket/scores/day=2024-01-05/'] },
    { name: 'train' },
  ]);
  const registrars = new FakeRegistrars();
  return { sageMaker, registrars, deps: { sageMaker: () => sageMaker.client(), registrars } };
}

const registered = (report: PostProcessingReport) =>
  report.action === 'registered' ? report.outcomes.map((o) => `${o.registration.route.table}:${o.registration.s3Uri ?? '*'}:${o.ok}`) : [];

describe('postProcessPipelineEvent', () => {
  it('registers the outputs under each table and the whole msck table when the execution succeeds', async () => {
    const { deps, registrars } = setup();

    const report = await postProcessPipelineEvent(deps, config, succeeded);

    expect(registered(report)).toEqual([
      'features:s3://bucket/features/day=2024-01-05/:true',
      'features:s3://bucket/features/day=2024-01-06/:true',
      'scores:s3://bucket/scores/day=2024-01-05/:true',
      'summary:*:true',
    ]);
    expect(registrars.glueCalls).toEqual([
      { database: 'db', table: 'features', s3Uri: 's3://bucket/features/day=2024-01-05/' },
      { database: 'db', table: 'features', s3Uri: 's3://bucket/features/day=2024-01-06/' },
    ]);
    expect(registrars.athenaCalls.map((c) => c.mode)).toEqual(['add', 'msck']);
  });

  it('makes a duplicate delivery harmless: same calls, nothing added twice, no error', async () => {
    const { deps, registrars } = setup();

    const first = await postProcessPipelineEvent(deps, config, succeeded);
    const second = await postProcessPipelineEvent(deps, config, succeeded);

    const added = (r: PostProcessingReport) => (r.action === 'registered' ? r.outcomes.reduce((n, o) => n + (o.ok ? o.added : 0), 0) : -1);
    expect(added(first)).toBe(4);
    expect(added(second)).toBe(0);
    expect(() => second.action === 'registered' && assertAllSucceeded(second.outcomes)).not.toThrow();
    expect(registrars.catalog.get('db.features')?.size).toBe(2);
  });

  it('runs the other routes when one fails, then names the failure', async () => {
    const { deps, registrars } = setup();
    registrars.failing.set('db.scores', new Error('AccessDeniedException: athena:StartQueryExecution'));

    const report = await postProcessPipelineEvent(deps, config, succeeded);

    expect(registered(report)).toEqual([
      'features:s3://bucket/features/day=2024-01-05/:true',
      'features:s3://bucket/features/day=2024-01-06/:true',
      'scores:s3://bucket/scores/day=2024-01-05/:false',
      'summary:*:true',
    ]);
    const outcomes = report.action === 'registered' ? report.outcomes : [];
    expect(() => assertAllSucceeded(outcomes)).toThrow(PartialFailureError);
    expect(() => assertAllSucceeded(outcomes)).toThrow(
      '1 of 4 registrations failed: db.scores (s3://bucket/scores/day=2024-01-05/): Error: AccessDeniedException: athena:StartQueryExecution',
    );
  });

  it('registers what failed on a retry after a partial failure', async () => {
    const { deps, registrars } = setup();
    registrars.failing.set('db.scores', new Error('throttled'));
    await postProcessPipelineEvent(deps, config, succeeded);
    registrars.failing.clear();

    const retry = await postProcessPipelineEvent(deps, config, succeeded);

    expect(retry.action === 'registered' && retry.outcomes.filter((o) => o.ok && o.added > 0).map((o) => o.registration.route.table)).toEqual(['scores']);
  });

  it('logs nothing to register when no output lies under a table', async () => {
    const sageMaker = new FakeSageMaker();
    sageMaker.addExecution('myPipeline-123', EXECUTION_ID, [{ name: 'x', outputs: ['s3://elsewhere/out/'] }]);
    const registrars = new FakeRegistrars();

    const report = await postProcessPipelineEvent({ sageMaker: () => sageMaker.client(), registrars }, config, succeeded);

    expect(registered(report)).toEqual(['summary:*:true']);
    expect(report.action === 'registered' && report.plan.skipped.map((s) => s.route.table)).toEqual(['features', 'scores']);
  });

  it('registers a step-triggered route from the step event, with one DescribeProcessingJob', async () => {
    const sageMaker = new FakeSageMaker();
    sageMaker.addExecution('myPipeline-123', EXECUTION_ID, [
      { name: 'myprocessingstep1', jobName: 'pipelines-p4jn9xou8a8s-myprocessingstep1-tmgxry49ug', outputs: ['s3://bucket/early/day=1/'] },
    ]);
    const registrars = new FakeRegistrars();

    const report = await postProcessPipelineEvent(
      { sageMaker: () => sageMaker.client(), registrars },
      config,
      PipelineStepStatusChangeEvent.parse(stepEvent),
    );

    expect(registered(report)).toEqual(['early:s3://bucket/early/day=1/:true']);
    expect(sageMaker.calls).toEqual({ listSteps: 0, describeJob: 1, describeExecution: 0 });
  });

  it('reads the failure reason of a failed execution and registers nothing', async () => {
    const sageMaker = new FakeSageMaker();
    sageMaker.addExecution('myPipeline-123', EXECUTION_ID, [], 'Step failed: ClientError: out of memory');
    const registrars = new FakeRegistrars();

    const report = await postProcessPipelineEvent({ sageMaker: () => sageMaker.client(), registrars }, config, withStatus('Failed'));

    expect(report).toEqual({ action: 'explained-failure', pipeline: 'myPipeline-123', failureReason: 'Step failed: ClientError: out of memory' });
    expect(registrars.glueCalls).toHaveLength(0);
  });

  it('calls nothing for a status that triggers nothing', async () => {
    const { deps, sageMaker, registrars } = setup();

    const report = await postProcessPipelineEvent(deps, config, withStatus('Stopped'));

    expect(report).toEqual({ action: 'ignored', pipeline: 'myPipeline-123', reason: 'status Stopped triggers nothing' });
    expect(sageMaker.calls).toEqual({ listSteps: 0, describeJob: 0, describeExecution: 0 });
    expect(registrars.athenaCalls).toHaveLength(0);
  });

  it('builds no SageMaker client for an event it ignores', async () => {
    const { deps } = setup();
    const sageMaker = jest.fn(deps.sageMaker);

    await postProcessPipelineEvent({ ...deps, sageMaker }, config, withStatus('Executing'));

    expect(sageMaker).not.toHaveBeenCalled();
  });

  it('fails when SageMaker cannot list the steps (the invocation is retried)', async () => {
    const sageMaker = new FakeSageMaker();
    await expect(
      postProcessPipelineEvent({ sageMaker: () => sageMaker.client(), registrars: new FakeRegistrars() }, config, succeeded),
    ).rejects.toThrow(/Pipeline execution not found/);
  });
});
