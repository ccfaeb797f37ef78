import { DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import callbackEvent from '../../events/fan-out-callback.json';
import manifestEvent from '../../events/fan-out-manifest-callback.json';
import { awsError } from '../../doubles/aws-error';
import { startFanOutTableForHandlers, type LocalDynamo } from '../../doubles/dynalite';
import { FakeS3Objects } from '../../doubles/fake-s3-objects';
import { apiError, FakeSageMaker, mockSageMaker, type SageMakerMock } from '../../doubles/fake-sagemaker';
import { logger } from '../../lib/core/powertools';
import { callbackAddress, parseFanInMessage } from '../../lib/fan-out/callback-message';
import { FAN_OUT_QUEUE_MAX_RECEIVE_COUNT } from '../../lib/fan-out/timing';
import { hostileValue } from '../properties/hostile';

const TABLE = 'fan-in-dead-letter';
const context = { getRemainingTimeInMillis: () => 100_000, awsRequestId: 'req-1', functionName: 'fanOutCallback' } as unknown as Context;
const LAST = FAN_OUT_QUEUE_MAX_RECEIVE_COUNT;

/** The body of the sample start message (or `file`'s), for parent `parent`, with `change` applied to its arguments. */
function body(parent: string, change: (args: Record<string, unknown>) => Record<string, unknown> = (a) => a, sample = callbackEvent): Record<string, unknown> {
  const message = JSON.parse(sample.Records[0]?.body ?? '{}') as { arguments: Record<string, unknown> };
  return { ...message, pipelineExecutionArn: parent, arguments: change(message.arguments) };
}

/** The queue's `receiveCount`-th delivery of a message with `messageBody`. */
function delivery(messageBody: Record<string, unknown> | string, receiveCount: number): SQSEvent {
  const [record] = callbackEvent.Records;
  if (!record) throw new Error('sample event has no record');
  const text = typeof messageBody === 'string' ? messageBody : JSON.stringify(messageBody);
  return { Records: [{ ...record, body: text, attributes: { ...record.attributes, ApproximateReceiveCount: String(receiveCount) } }] } as SQSEvent;
}

describe('fanOutCallback: a parent whose token is readable is always answered', () => {
  let dynamo: LocalDynamo;
  let fake: FakeSageMaker;
  let sageMakerMock: SageMakerMock;
  const sqsMock = mockClient(SQSClient);
  const s3Mock = mockClient(S3Client);
  let callback: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  let parentCount = 0;
  const newParent = () => `arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent-pipeline/execution/dlq${(parentCount += 1)}`;

  beforeAll(async () => {
    dynamo = await startFanOutTableForHandlers(TABLE);
    process.env.FAN_OUT_QUEUE_NAME = 'fan-out';
    callback = (await import('../../handlers/fan-out-callback')).handler;
  });
  afterAll(async () => {
    sqsMock.restore();
    s3Mock.restore();
    await dynamo.close();
  });
  beforeEach(() => {
    fake = new FakeSageMaker();
    fake.addPipeline('child-pipeline-1', ['ProcessingDate', 'Region']);
    sageMakerMock = mockSageMaker(fake);
    sqsMock.reset();
    sqsMock.on(SendMessageCommand).resolves({});
    sqsMock.on(GetQueueUrlCommand).resolves({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/fan-out' });
    s3Mock.reset();
    jest.spyOn(logger, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    sageMakerMock.restore();
    jest.restoreAllMocks();
  });

  /**
   * Delivers `message` as SQS would until its last delivery, and checks that it fails every time, that
   * no callback goes before the last delivery, and that exactly one failure callback goes with it.
   */
  async function deliverUntilDeadLettered(message: Record<string, unknown> | string): Promise<string> {
    for (let count = 1; count <= LAST; count += 1) {
      const result = await callback(delivery(message, count), context);
      expect(result.batchItemFailures).toHaveLength(1);
      expect(fake.failureCalls).toHaveLength(count < LAST ? 0 : 1);
    }
    expect(fake.successCalls).toHaveLength(0);
    const [failure] = fake.failureCalls;
    expect(failure?.CallbackToken).toBe(typeof message === 'string' ? callbackAddress(message)?.token : message.token);
    const reason = failure?.FailureReason ?? '';
    expect(reason.length).toBeLessThanOrEqual(256);
    expect(reason).toMatch(new RegExp(`^fan-out message dead-lettered after ${LAST} deliveries: `));
    return reason;
  }

  it('fails the step once, on the last delivery, when SageMaker throttles every call but the callback', async () => {
    const throttle = async () => {
      throw apiError('ThrottlingException', 'Rate exceeded');
    };
    fake.describePipeline = throttle;
    fake.startPipelineExecution = throttle;
    expect(await deliverUntilDeadLettered(body(newParent()))).toContain('ThrottlingException: Rate exceeded');
    expect(fake.startCalls).toBe(0);
  });

  it('fails the step once, on the last delivery, when every start throttles though the pipeline is readable, and starts nothing later', async () => {
    const parent = newParent();
    const start = fake.startPipelineExecution.bind(fake);
    fake.startPipelineExecution = async () => {
      throw apiError('ThrottlingException', 'Rate exceeded');
    };
    expect(await deliverUntilDeadLettered(body(parent))).toContain('ThrottlingException: Rate exceeded');
    // Closed with its step: a resume or a sweep finds no pending child to start.
    fake.startPipelineExecution = start;
    expect((await callback(delivery({ resumeFanOut: parent }, 1), context)).batchItemFailures).toHaveLength(0);
    expect(fake.executions.size).toBe(0);
    expect(fake.failureCalls).toHaveLength(1);
  });

  it('fails the step once when the resume messages of a fan-out reach their last delivery (starts throttled after the first)', async () => {
    fake = new FakeSageMaker({ concurrencyQuota: 1 });
    fake.addPipeline('child-pipeline-1', ['ProcessingDate', 'Region']);
    sageMakerMock.restore();
    sageMakerMock = mockSageMaker(fake);
    const parent = newParent();
    const message = body(parent);
    // The quota takes one child; the others wait for the resume message the call sent.
    expect((await callback(delivery(message, 1), context)).batchItemFailures).toHaveLength(0);
    expect(fake.executions.size).toBe(1);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
    fake.end([...fake.executions.keys()][0] ?? '', 'Succeeded');
    fake.startPipelineExecution = async () => {
      throw apiError('ThrottlingException', 'Rate exceeded');
    };
    for (let count = 1; count <= LAST; count += 1) {
      expect((await callback(delivery({ resumeFanOut: parent }, count), context)).batchItemFailures).toHaveLength(1);
      expect(fake.failureCalls).toHaveLength(count < LAST ? 0 : 1);
    }
    expect(fake.failureCalls[0]?.CallbackToken).toBe(message.token);
    expect(fake.failureCalls[0]?.FailureReason).toMatch(new RegExp(`^fan-out message dead-lettered after ${LAST} deliveries: ThrottlingException`));
    // No second resume chain was started by the failing deliveries.
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
  });

  it('fails the step once, on the last delivery, when the manifest cannot be read for a reason a retry might fix', async () => {
    s3Mock.on(GetObjectCommand).rejects(awsError('InternalError', 'We encountered an internal error. Please try again.', 500));
    expect(await deliverUntilDeadLettered(body(newParent(), (a) => a, manifestEvent))).toContain('InternalError');
    expect(fake.startCalls).toBe(0);
  });

  it('fails the step once, on the last delivery, on an unexpected exception (a RangeError), with a reason cut to 256 characters', async () => {
    s3Mock.on(GetObjectCommand).callsFake(() => {
      throw new RangeError(`Maximum call stack size exceeded ${'x'.repeat(1000)}`);
    });
    expect(await deliverUntilDeadLettered(body(newParent(), (a) => a, manifestEvent))).toMatch(/RangeError: Maximum call stack size exceeded x+…$/);
  });

  it('answers a manifest holding a value nested 5,000 deep exactly once, by its last delivery at the latest', async () => {
    const s3 = new FakeS3Objects().attach(s3Mock);
    s3.put('example-manifests', 'fan-out/dates.jsonl', `{"ProcessingDate": "2024-01-01", "Region": ${'['.repeat(5000)}${']'.repeat(5000)}}\n`);
    const message = body(newParent(), (a) => ({ ...a, itemsS3Uri: 's3://example-manifests/fan-out/dates.jsonl' }), manifestEvent);
    // As SQS does: delivered again only while reported in batchItemFailures.
    for (let count = 1; count <= LAST; count += 1) {
      if ((await callback(delivery(message, count), context)).batchItemFailures.length === 0) break;
    }
    expect(fake.failureCalls).toHaveLength(1);
    expect(fake.successCalls).toHaveLength(0);
    expect(fake.startCalls).toBe(0);
  });

  it('fails the step at once, naming the field, for a message whose token is readable and whose arguments are malformed', async () => {
    const message = { ...body(newParent()), arguments: 'pipelines=child-pipeline-1' };
    expect(await callback(delivery(message, 1), context)).toEqual({ batchItemFailures: [] });
    expect(fake.failureCalls.map((c) => c.FailureReason)).toEqual([
      'Invalid fan-in message: arguments: expected an object of the CallbackStep inputs (got "pipelines=child-pipeline-1")',
    ]);
  });

  it('does not retry a refusal SageMaker will not take (the token is not a waiting step\'s)', async () => {
    let attempts = 0;
    fake.sendStepFailure = async () => {
      attempts += 1;
      throw apiError('ValidationException', 'Invalid callback token');
    };
    const message = { ...body(newParent()), arguments: [] };
    expect(await callback(delivery(message, 1), context)).toEqual({ batchItemFailures: [] });
    expect(attempts).toBe(1);
  });

  it('fails the step at once for arguments nested thousands deep, without a RangeError', async () => {
    const message = `{"token":"T0k3n","pipelineExecutionArn":"${newParent()}","arguments":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expect(await callback(delivery(message, 1), context)).toEqual({ batchItemFailures: [] });
    expect(fake.failureCalls.map((c) => c.FailureReason)).toEqual([expect.stringMatching(/^Invalid fan-in message: arguments: expected an object/)]);
  });

  it('sends nothing, even on the last delivery, for a message with no readable token', async () => {
    for (const message of ['not json', '{"token":"a","token":"b","pipelineExecutionArn":"p","arguments":[]}', { pipelineExecutionArn: newParent(), arguments: {} }, { token: ['a'], arguments: {} }, { token: 'a', Token: 'b' }]) {
      expect((await callback(delivery(message, LAST), context)).batchItemFailures).toHaveLength(1);
    }
    expect(fake.failureCalls).toHaveLength(0);
  });

  it('reads the token of every message that parses, whatever else the body holds', () => {
    fc.assert(
      fc.property(fc.record({ token: hostileValue, pipelineExecutionArn: hostileValue, arguments: hostileValue, Status: hostileValue }, { requiredKeys: [] }), (fields) => {
        let text: string;
        try {
          text = JSON.stringify(fields);
        } catch {
          return;
        }
        const address = callbackAddress(text);
        let parsed: ReturnType<typeof parseFanInMessage> | undefined;
        try {
          parsed = parseFanInMessage(text);
        } catch {
          parsed = undefined;
        }
        if (parsed && 'token' in parsed) expect(address).toEqual({ token: parsed.token, pipelineExecutionArn: parsed.pipelineExecutionArn });
        if (typeof fields.token !== 'string' || fields.token === '') expect(address).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('sends at most one callback, and only to the token the body holds, for hostile messages on their last delivery', async () => {
    const messageBody = fc.oneof(
      fc.record({ token: fc.oneof(hostileValue, fc.constant('T0k3n')), pipelineExecutionArn: hostileValue, arguments: hostileValue, status: hostileValue }, { requiredKeys: [] }),
      fc.record({ token: fc.constant('T0k3n'), pipelineExecutionArn: fc.constant(newParent()), arguments: fc.dictionary(fc.constantFrom('pipelines', 'items', 'itemsS3Uri', 'maxConcurrency'), hostileValue) }),
      hostileValue,
    );
    await fc.assert(
      fc.asyncProperty(messageBody, async (value) => {
        let text: string;
        try {
          text = typeof value === 'string' ? value : JSON.stringify(value);
        } catch {
          return;
        }
        fake.failureCalls.length = 0;
        fake.successCalls.length = 0;
        await callback(delivery(text, LAST), context);
        const calls = [...fake.failureCalls, ...fake.successCalls];
        expect(calls.length).toBeLessThanOrEqual(1);
        if (calls[0]) expect(calls[0].CallbackToken).toBe(callbackAddress(text)?.token);
      }),
      { numRuns: 150 },
    );
  });

  // Last: it deletes the table.
  it('fails the step once, on the last delivery, when the state table does not exist (start and Stopping messages)', async () => {
    await dynamo.client.send(new DeleteTableCommand({ TableName: TABLE }));
    // dynalite deletes a table after a moment, as DynamoDB does.
    for (let i = 0; i < 100; i += 1) {
      const gone = await dynamo.client.send(new DescribeTableCommand({ TableName: TABLE })).then(() => false, () => true);
      if (gone) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await deliverUntilDeadLettered(body(newParent()))).toContain('ResourceNotFoundException');
    fake.failureCalls.length = 0;
    const stopping = { token: 'St0pT0k3n', pipelineExecutionArn: newParent(), status: 'Stopping' };
    expect(await deliverUntilDeadLettered(stopping)).toContain('ResourceNotFoundException');
  });
});
