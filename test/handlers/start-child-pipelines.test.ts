import type { Context } from 'aws-lambda';
import { handler } from '../../handlers/start-child-pipelines';
import startEvent from '../../events/start-child-pipelines.json';
import objectsEvent from '../../events/start-child-pipelines-objects.json';
import { FakeSageMaker, mockSageMaker, type SageMakerMock } from '../fakes/fake-sagemaker';

const context = { getRemainingTimeInMillis: () => 300_000, awsRequestId: 'req-1', functionName: 'startChildPipelines' } as unknown as Context;

describe('startChildPipelines handler', () => {
  let fake: FakeSageMaker;
  let mock: SageMakerMock;
  beforeEach(() => {
    fake = new FakeSageMaker();
    fake.addPipeline('child-pipeline-1', ['ProcessingDate']);
    fake.addPipeline('child-pipeline-2', ['ProcessingDate']);
    fake.addPipeline('train-region', ['Region', 'Epochs']);
    mock = mockSageMaker(fake);
  });
  afterEach(() => mock.restore());

  it('starts the children of the sample event and returns flat outputs', async () => {
    const out = await handler(startEvent, context);
    expect(out).toMatchObject({ startedCount: 6, alreadyStartedCount: 0, total: 6, executionArnsTruncated: false });
    const names = [...fake.executions.values()].map((e) => e.displayName).sort();
    expect(names).toEqual([
      'child-pipeline-1-item-1',
      'child-pipeline-1-item-2',
      'child-pipeline-1-item-3',
      'child-pipeline-2-item-1',
      'child-pipeline-2-item-2',
      'child-pipeline-2-item-3',
    ]);
  });

  it('passes object items as parameters, stringified', async () => {
    await handler(objectsEvent, context);
    const first = [...fake.executions.values()][0];
    expect(first?.displayName).toBe('nightly-item-1');
    expect(first?.parameters).toEqual([
      { Name: 'Region', Value: 'eu-west-1' },
      { Name: 'Epochs', Value: '10' },
    ]);
  });

  it('refuses unknown inputs with a message naming the field', async () => {
    await expect(handler({ ...startEvent, item: 'x' }, context)).rejects.toThrow(/item: unexpected field/);
    expect(fake.startCalls).toBe(0);
  });
});
