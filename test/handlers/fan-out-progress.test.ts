import type { Context } from 'aws-lambda';
import fc from 'fast-check';
import { InvalidInputError } from '../../lib/core/errors';
import sampleEvent from '../../events/fan-out-progress.json';
import { startFanOutTableForHandlers, type LocalDynamo } from '../../doubles/dynalite';
import { recordSampleFanOut, SAMPLE_FAILURE_REASON } from '../../doubles/sample-fan-out';
import { FanInStore } from '../../lib/fan-out/fan-in-store';

const TABLE = 'fan-out-progress-handler';
const context = { functionName: 'fanOutProgress', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

describe('fanOutProgress', () => {
  let dynamo: LocalDynamo;
  let handler: (event: unknown, context: Context) => Promise<unknown>;

  beforeAll(async () => {
    dynamo = await startFanOutTableForHandlers(TABLE);
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

  it('answers any input with a report or an input error naming the field at fault, never anything else', async () => {
    const arn = fc
      .tuple(fc.stringMatching(/^[a-zA-Z0-9](-?[a-zA-Z0-9]){0,20}$/), fc.stringMatching(/^[a-z0-9]{1,16}$/))
      .map(([p, e]) => `arn:aws:sagemaker:us-east-1:111122223333:pipeline/${p}/execution/${e}`);
    const value = fc.oneof(arn, fc.string(), fc.constantFrom('__proto__', '\u0000', 'arn:aws:sagemaker:us-east-1:1:pipeline/p'), fc.integer(), fc.constant(null), fc.array(arn, { maxLength: 2 }));
    const event = fc.oneof(
      fc.record({ parentExecutionArn: value }),
      fc.record({ parentExecutionArn: arn, pipelineExecutionArn: value }),
      fc.dictionary(fc.constantFrom('parentExecutionArn', 'pipelineExecutionArn', '__proto__', 'constructor', 'x'), value),
      value,
    );
    await fc.assert(
      fc.asyncProperty(event, async (input) => {
        try {
          const report = (await handler(input, context)) as { found: boolean; parentExecutionArn: string };
          expect(typeof report.found).toBe('boolean');
          expect(report.parentExecutionArn).toBe((input as { parentExecutionArn: string }).parentExecutionArn);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
          // Names the event when it is not an object, else a key at fault (`pipelineExecutionArn` too: every step
          // takes it for log correlation, and refuses it when it is not text).
          const keys = typeof input === 'object' && input !== null && !Array.isArray(input) ? Object.keys(input) : undefined;
          const blamable = keys ? ['parentExecutionArn', ...keys] : ['event'];
          expect([(error as Error).message, blamable.some((k) => (error as Error).message.includes(`${k}:`))]).toEqual([(error as Error).message, true]);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('refuses an input that is not an execution ARN, naming the field', async () => {
    await expect(handler({ parentExecutionArn: 'my-pipeline' }, context)).rejects.toThrow(/parentExecutionArn: not an ARN: expected a SageMaker pipeline execution ARN/);
    // Says what is wrong, though the value shown is cut before the pipeline's name.
    await expect(handler({ parentExecutionArn: 'arn:aws:sagemaker:eu-west-1:111122223333:pipeline/parent-pipeline' }, context)).rejects.toThrow(
      /^Invalid input: parentExecutionArn: a pipeline ARN, not a pipeline execution ARN: pass Execution.PipelineExecutionArn/,
    );
    await expect(handler({ parentExecutionARN: sampleEvent.parentExecutionArn }, context)).rejects.toThrow(/parentExecutionArn/);
  });
});
