import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { listProcessingSteps, processingJobName, ProcessingOutputs } from '../../lib/post-processing/sagemaker';
import { FakeSageMakerExecutions as FakeSageMaker } from '../../doubles/fake-sagemaker-executions';

describe('listProcessingSteps', () => {
  it('reads every page and keeps the succeeded processing steps', async () => {
    const fake = new FakeSageMaker();
    const steps = Array.from({ length: 230 }, (_, i) => ({ name: `step-${i}`, outputs: [`s3://b/t/part=${i}/`] }));
    const arn = fake.addExecution('p', 'exec1', [
      ...steps,
      { name: 'a-lambda-step' },
      { name: 'failed-processing', status: 'Failed', outputs: ['s3://b/t/failed/'] },
    ]);

    const found = await listProcessingSteps(fake.client(), arn);

    expect(found).toHaveLength(230);
    expect(found[229]).toEqual({ stepName: 'step-229', processingJobArn: fake.jobArn('pipelines-exec1-step-229-abc123'), cacheHitSource: undefined });
    expect(fake.calls.listSteps).toBe(3);
  });

  it('keeps a cache-hit step with the job it reused', async () => {
    const fake = new FakeSageMaker();
    const source = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/p/execution/old';
    const arn = fake.addExecution('p', 'exec2', [{ name: 'prep', outputs: ['s3://b/t/x/'], jobName: 'pipelines-old-prep-zzz', cacheHitSource: source }]);

    expect(await listProcessingSteps(fake.client(), arn)).toEqual([
      { stepName: 'prep', processingJobArn: fake.jobArn('pipelines-old-prep-zzz'), cacheHitSource: source },
    ]);
  });
});

describe('ProcessingOutputs', () => {
  it('describes each job once however often it is asked', async () => {
    const fake = new FakeSageMaker();
    fake.addExecution('p', 'e', [{ name: 's', outputs: ['s3://b/t/a/', 's3://b/t/b/'] }]);
    const outputs = new ProcessingOutputs(fake.client());
    const arn = fake.jobArn('pipelines-e-s-abc123');

    const [first, second] = await Promise.all([outputs.of(arn), outputs.of(arn)]);

    expect(first).toEqual(['s3://b/t/a/', 's3://b/t/b/']);
    expect(second).toEqual(first);
    expect(fake.calls.describeJob).toBe(1);
  });

  it('does not keep a failed answer', async () => {
    const fake = new FakeSageMaker();
    const outputs = new ProcessingOutputs(fake.client());
    const arn = fake.jobArn('pipelines-e-s-abc123');
    await expect(outputs.of(arn)).rejects.toThrow(/Could not find processing job/);

    fake.addExecution('p', 'e', [{ name: 's', outputs: ['s3://b/t/a/'] }]);
    await expect(outputs.of(arn)).resolves.toEqual(['s3://b/t/a/']);
  });

  it('refuses an ARN that is not a processing job', () => {
    expect(() => new ProcessingOutputs({} as SageMakerClient).of('arn:aws:sagemaker:us-east-1:1:training-job/x')).toThrow(/not a processing job ARN/);
    expect(processingJobName('arn:aws:sagemaker:us-east-1:1:processing-job/pipelines-x')).toBe('pipelines-x');
  });
});
