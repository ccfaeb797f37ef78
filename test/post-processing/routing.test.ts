import executionEvent from '../../events/on-pipeline-execution-status-succeeded.json';
import stepEvent from '../../events/on-pipeline-execution-status-step-succeeded.json';
import { PipelineExecutionStatusChangeEvent, PipelineStepStatusChangeEvent } from '../../lib/core/sagemaker-events';
import { parsePostProcessingConfig } from '../../lib/post-processing/config';
import { findPipeline, routeEvent } from '../../lib/post-processing/routing';

const config = parsePostProcessingConfig({
  pipelines: {
    'myPipeline-123': {
      routes: [
        { database: 'db', table: 'at_end', location: 's3://bucket/end/', strategy: 'glue', scope: 'outputs' },
        { database: 'db', table: 'whole', location: 's3://bucket/whole/', strategy: 'glue', scope: 'table', trigger: 'execution' },
        { database: 'db', table: 'early', location: 's3://bucket/early/', strategy: 'glue', scope: 'outputs', trigger: 'step' },
        {
          database: 'db',
          table: 'other_step',
          location: 's3://bucket/other/',
          strategy: 'glue',
          scope: 'outputs',
          trigger: 'step',
          steps: ['another-step'],
        },
      ],
    },
    'other-pipeline': { routes: [{ database: 'db', table: 't', location: 's3://bucket/t/', strategy: 'glue', scope: 'table' }] },
  },
});

const execution = (status: string, pipelineArn = executionEvent.detail.pipelineArn) =>
  PipelineExecutionStatusChangeEvent.parse({
    ...executionEvent,
    detail: { ...executionEvent.detail, pipelineArn, currentPipelineExecutionStatus: status },
  });
const step = (detail: object) => PipelineStepStatusChangeEvent.parse({ ...stepEvent, detail: { ...stepEvent.detail, ...detail } });
const tables = (decision: ReturnType<typeof routeEvent>) => (decision.action === 'register' ? decision.routes.map((r) => r.table) : []);

describe('findPipeline', () => {
  it('matches the pipeline name of an ARN without case', () => {
    expect(findPipeline(config, 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/mypipeline-123')?.name).toBe('myPipeline-123');
    expect(findPipeline(config, 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/MYPIPELINE-123/execution/x')?.name).toBe('myPipeline-123');
  });

  it('does not match a pipeline whose name only starts like a configured one', () => {
    expect(findPipeline(config, 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/myPipeline-1234')).toBeUndefined();
  });
});

describe('routeEvent', () => {
  it('runs the execution-triggered routes when the execution succeeds', () => {
    const decision = routeEvent(config, execution('Succeeded'));
    expect(decision).toMatchObject({ action: 'register', pipeline: 'myPipeline-123', trigger: 'execution' });
    expect(tables(decision)).toEqual(['at_end', 'whole']);
  });

  it('explains a failed execution', () => {
    expect(routeEvent(config, execution('Failed'))).toEqual({ action: 'explain-failure', pipeline: 'myPipeline-123' });
  });

  it.each(['Executing', 'Stopping', 'Stopped'])('ignores status %s', (status) => {
    expect(routeEvent(config, execution(status))).toMatchObject({ action: 'ignore', reason: `status ${status} triggers nothing` });
  });

  it('ignores a pipeline that is not configured', () => {
    const decision = routeEvent(config, execution('Succeeded', 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/unknown'));
    expect(decision).toEqual({ action: 'ignore', pipeline: 'unknown', reason: 'pipeline not in the configuration' });
  });

  it('runs the step-triggered routes of a succeeded processing step, with its job', () => {
    const decision = routeEvent(config, step({}));
    expect(decision).toMatchObject({
      action: 'register',
      trigger: 'step',
      stepName: 'myprocessingstep1',
      processingJobArn: stepEvent.detail.metadata.processingJob.arn,
    });
    expect(tables(decision)).toEqual(['early']);
  });

  it('runs a route limited to named steps only for those steps', () => {
    expect(tables(routeEvent(config, step({ stepName: 'another-step' })))).toEqual(['early', 'other_step']);
  });

  it('ignores a step that did not succeed, and a step without a processing job', () => {
    expect(routeEvent(config, step({ currentStepStatus: 'Executing' }))).toMatchObject({ action: 'ignore' });
    expect(routeEvent(config, step({ metadata: {} }))).toMatchObject({ action: 'ignore', reason: 'step myprocessingstep1 is not a processing step' });
  });

  it('ignores step events of a pipeline without step routes', () => {
    const decision = routeEvent(config, step({ pipelineArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/other-pipeline' }));
    expect(decision).toMatchObject({ action: 'ignore', reason: 'no route triggers on step myprocessingstep1' });
  });
});
