import type { Context } from 'aws-lambda';
import sampleEvent from '../../events/fan-out-progress.json';
import { startDynalite, type LocalDynamo } from '../fakes/dynalite';
import { recordSampleFanOut, SAMPLE_FAILURE_REASON } from '../fakes/sample-fan-out';
import { FanInStore } from '../../lib/fan-out/fan-in-store';

const TABLE = 'fan-out-progress-handler';
const context = { functionName: 'fanOutProgress', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

describe('fanOutProgress', () => {
  let dynamo: LocalDynamo;
  let handler: (event: unknown, context: Context) => Promise<unknown>;

  beforeAll(async () => {
    dynamo = await startDynalite(TABLE);
    const endpoint = await dynamo.client.config.endpoint?.();
    process.env.AWS_ENDPOINT_URL_DYNAMODB = `${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`;
    process.env.FAN_OUT_TABLE = TABLE;
    await recordSampleFanOut(new FanInStore(dynamo.doc, TABLE), sampleEvent.parentExecutionArn);
    handler = (await import('../../handlers/fan-out-progress')).handler;
  });
  afterAll(() => dynamo.close());

  it('reports the sample fan-out from the sample event', async () => {
    const report = await handler(sampleEvent, context);

    expect(report).toMatchObject({
      summary: expect.stringMatching(/^RUNNING: 2 of 5 children ended \(1 succeeded, 1 failed, 0 stopped\), 1 running, 2 pending/),
      callbackSent: false,
      failedChildren: [{ id: 1, name: 'child-pipeline-item-2', status: 'Failed', failureReason: SAMPLE_FAILURE_REASON }],
      pendingChildren: [
        { id: 3, name: 'child-pipeline-item-4' },
        { id: 4, name: 'child-pipeline-item-5' },
      ],
    });
    expect(JSON.stringify(report)).not.toContain('sample-token');
  });

  it('refuses an input that is not an execution ARN, naming the field', async () => {
    await expect(handler({ parentExecutionArn: 'my-pipeline' }, context)).rejects.toThrow(/parentExecutionArn: expected a SageMaker pipeline execution ARN/);
    await expect(handler({ parentExecutionARN: sampleEvent.parentExecutionArn }, context)).rejects.toThrow(/parentExecutionArn/);
  });
});
