import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import callbackEvent from '../../events/fan-out-callback.json';
import stoppingEvent from '../../events/fan-out-callback-stopping.json';
import statusEvent from '../../events/on-child-execution-status.json';
import sweepEvent from '../../events/sweep-fan-outs.json';
import { S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import manifestEvent from '../../events/fan-out-manifest-callback.json';
import distributedMapEvent from '../../events/fan-out-distributed-map-callback.json';
import { logger } from '../../lib/core/powertools';
import { FakeS3Objects } from '../../doubles/fake-s3-objects';
import { startFanOutTableForHandlers, type LocalDynamo } from '../../doubles/dynalite';
import { FakeSageMaker, mockSageMaker, type SageMakerMock } from '../../doubles/fake-sagemaker';
import { sqsEventOf, START_FORMS, STOPPING_FORMS, type CallbackStep } from '../helpers/callback-messages';
import { sampleEvent, sampleEventFiles } from '../helpers/events';

const TABLE = 'fan-out-handlers';
const context = { getRemainingTimeInMillis: () => 100_000, awsRequestId: 'req-1', functionName: 'fanOutCallback' } as unknown as Context;

describe('fan-in handlers', () => {
  let dynamo: LocalDynamo;
  let fake: FakeSageMaker;
  let sageMakerMock: SageMakerMock;
  const sqsMock = mockClient(SQSClient);
  let callback: (event: SQSEvent, context: Context) => Promise<unknown>;
  let onStatus: (event: unknown, context: Context) => Promise<unknown>;
  let sweep: (event: unknown, context: Context) => Promise<unknown>;

  beforeAll(async () => {
    dynamo = await startFanOutTableForHandlers(TABLE);
    process.env.FAN_OUT_QUEUE_NAME = 'fan-out';
    process.env.FAN_OUT_SWEEP_MIN_AGE_MINUTES = '0';
    process.env.FAN_OUT_RESULTS_BUCKETS = 'example-results, other-results';
    callback = (await import('../../handlers/fan-out-callback')).handler;
    onStatus = (await import('../../handlers/on-child-execution-status')).handler;
    sweep = (await import('../../handlers/sweep-fan-outs')).handler;
  });
  afterAll(async () => {
    sqsMock.restore();
    await dynamo.close();
  });
  beforeEach(() => {
    fake = new FakeSageMaker();
    fake.addPipeline('child-pipeline-1', ['ProcessingDate']);
    sageMakerMock = mockSageMaker(fake);
    sqsMock.reset();
    sqsMock.on(SendMessageCommand).resolves({});
    sqsMock.on(GetQueueUrlCommand, { QueueName: 'fan-out' }).resolves({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/fan-out' });
  });
  afterEach(() => sageMakerMock.restore());

  it('starts the children of the sample CallbackStep message, and completes on their end events', async () => {
    const result = await callback(callbackEvent as SQSEvent, context);
    expect(result).toEqual({ batchItemFailures: [] });
    const executions = [...fake.executions.values()];
    expect(executions.map((e) => e.displayName)).toEqual(['child-pipeline-1-item-1', 'child-pipeline-1-item-2']);
    for (const e of executions) {
      const event = { ...statusEvent, detail: { ...statusEvent.detail, pipelineExecutionArn: e.arn } };
      await onStatus(event, context);
      await onStatus(event, context);
    }
    expect(fake.successCalls).toHaveLength(1);
    expect(fake.successCalls[0]?.CallbackToken).toBe('A1b2C3d4E5');
  });

  it('sweeps with the sample scheduled event: children whose end events were lost are counted, the step completes', async () => {
    const [record] = callbackEvent.Records;
    if (!record) throw new Error('sample event has no record');
    const body = { ...(JSON.parse(record.body) as Record<string, unknown>), pipelineExecutionArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent-pipeline/execution/sweep0001' };
    await callback({ Records: [{ ...record, body: JSON.stringify(body) }] } as SQSEvent, context);
    const executions = [...fake.executions.values()];
    expect(executions).toHaveLength(2);
    for (const e of executions) fake.end(e.arn, 'Succeeded');

    const result = await sweep(sweepEvent, { ...context, functionName: 'sweepFanOuts' } as Context);
    expect(result).toMatchObject({ childrenChecked: 2, endsRecovered: 2, failed: [], unfinished: false });
    expect(fake.successCalls).toHaveLength(1);
  });

  it('ignores the sample status event of an execution that is not a fan-out child', async () => {
    await expect(onStatus(statusEvent, context)).resolves.toBeUndefined();
    expect(fake.successCalls).toHaveLength(0);
  });

  /** The sample event `file` with its message's parent execution replaced by `parent`. */
  const sampleFor = (file: string, parent: string): SQSEvent => {
    const event = sampleEvent<SQSEvent>(file);
    for (const record of event.Records) record.body = JSON.stringify({ ...(JSON.parse(record.body) as object), pipelineExecutionArn: parent });
    return event;
  };
  let parentCount = 0;
  const newParent = () => `arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent-pipeline/execution/forms${(parentCount += 1)}`;
  const stepOf = (parent: string): CallbackStep => {
    const body = JSON.parse(callbackEvent.Records[0]?.body ?? '{}') as CallbackStep;
    return { ...body, pipelineExecutionArn: parent };
  };

  it.each(Object.entries(START_FORMS))('starts the children of a start message in the documented form: %s', async (_form, build) => {
    const result = await callback(sqsEventOf(build(stepOf(newParent()))), context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(fake.running()).toHaveLength(2);
  });

  it.each(Object.entries(STOPPING_FORMS))('stops the children and fails the step on a Stopping message in the documented form: %s', async (_form, build) => {
    const step = stepOf(newParent());
    await callback(sqsEventOf(START_FORMS['arguments, no status']?.(step) ?? {}), context);
    const result = await callback(sqsEventOf(build(step)), context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(fake.startCalls).toBe(2);
    expect(fake.stopCalls).toHaveLength(2);
    expect(fake.failureCalls).toHaveLength(1);
    expect(fake.failureCalls[0]?.CallbackToken).toBe(step.token);
  });

  const samples = sampleEventFiles('fan-out-callback');
  it.each(samples.filter((f) => !f.includes('stopping')))('starts the children of the sample start message %s', async (file) => {
    expect(await callback(sampleFor(file, newParent()), context)).toEqual({ batchItemFailures: [] });
    expect(fake.running()).toHaveLength(2);
  });

  it.each(samples.filter((f) => f.includes('stopping')))('stops the children on the sample Stopping message %s', async (file) => {
    const parent = newParent();
    await callback(sampleFor('fan-out-callback.json', parent), context);
    expect(await callback(sampleFor(file, parent), context)).toEqual({ batchItemFailures: [] });
    expect(fake.stopCalls).toHaveLength(2);
    expect(fake.failureCalls).toHaveLength(1);
  });

  describe('with a manifest (itemsS3Uri)', () => {
    const s3Mock = mockClient(S3Client);
    let s3: FakeS3Objects;
    const manifest = (file: string) => readFileSync(join(__dirname, '..', '..', 'events', 'manifests', file), 'utf8');
    const [record] = manifestEvent.Records;
    if (!record) throw new Error('sample event has no record');
    const withUri = (uri: string, parent: string) => {
      const body = JSON.parse(record.body) as { arguments: Record<string, unknown> };
      return { Records: [{ ...record, body: JSON.stringify({ ...body, pipelineExecutionArn: parent, arguments: { ...body.arguments, itemsS3Uri: uri } }) }] } as SQSEvent;
    };
    beforeEach(() => {
      s3Mock.reset();
      s3 = new FakeS3Objects().attach(s3Mock);
      fake.addPipeline('child-pipeline-1', ['ProcessingDate', 'Region']);
      for (const file of ['dates.csv', 'dates.jsonl', 'dates.json']) s3.put('example-manifests', `fan-out/${file}`, manifest(file));
    });
    afterAll(() => s3Mock.restore());

    it('starts the children of the sample manifest message, and completes on their end events', async () => {
      expect(await callback(manifestEvent as SQSEvent, context)).toEqual({ batchItemFailures: [] });
      const executions = [...fake.executions.values()];
      expect(executions.map((e) => e.parameters)).toEqual([
        [{ Name: 'ProcessingDate', Value: '2024-01-01' }, { Name: 'Region', Value: 'eu-west-1' }],
        [{ Name: 'ProcessingDate', Value: '2024-01-02' }, { Name: 'Region', Value: 'us-east-1' }],
      ]);
      for (const e of executions) {
        fake.end(e.arn, 'Succeeded');
        await onStatus({ ...statusEvent, detail: { ...statusEvent.detail, pipelineExecutionArn: e.arn } }, context);
      }
      expect(fake.successCalls).toHaveLength(1);
      expect(fake.successCalls[0]?.CallbackToken).toBe('M1n2O3p4Q5');
    });

    it('runs the sample Distributed Map message: one child at a time (maxRunning 1), a failure retried, the results object written once', async () => {
      s3.bucket('example-results');
      expect(await callback(distributedMapEvent as SQSEvent, context)).toEqual({ batchItemFailures: [] });
      expect(fake.running()).toHaveLength(1);
      const endEvent = (arn: string, status: string) => ({ ...statusEvent, detail: { ...statusEvent.detail, pipelineExecutionArn: arn, currentPipelineExecutionStatus: status } });
      const [first] = fake.running();
      fake.end(first?.arn ?? '', 'Failed', 'step Train failed');
      await onStatus(endEvent(first?.arn ?? '', 'Failed'), context);
      expect(fake.retryCalls.map((r) => r.PipelineExecutionArn)).toEqual([first?.arn]);
      while (fake.running().length > 0) {
        expect(fake.running()).toHaveLength(1);
        const [e] = fake.running();
        fake.end(e?.arn ?? '', 'Succeeded');
        await onStatus(endEvent(e?.arn ?? '', 'Succeeded'), context);
      }
      expect(fake.peakRunning).toBe(1);
      const outputs = Object.fromEntries((fake.successCalls[0]?.OutputParameters ?? []).map((o) => [o.Name, o.Value]));
      expect(outputs).toMatchObject({ total: '3', succeeded: '3', retried: '1' });
      expect(s3.puts).toEqual([outputs.resultsS3Uri]);
      expect(s3.puts[0]).toMatch(/^s3:\/\/example-results\/fan-out\/fan-out-d1stmap00001-[0-9a-f]{16}\.jsonl$/);
    });

    it.each(['dates.jsonl', 'dates.json'])('starts the children of the manifest %s', async (file) => {
      expect(await callback(withUri(`s3://example-manifests/fan-out/${file}`, newParent()), context)).toEqual({ batchItemFailures: [] });
      expect(fake.running()).toHaveLength(2);
    });

    it('fails the step at once, starting nothing, on a column the child pipeline does not declare', async () => {
      s3.put('example-manifests', 'bad.csv', 'ProcessingDate,Shard\n2024-01-01,1\n');
      expect(await callback(withUri('s3://example-manifests/bad.csv', newParent()), context)).toEqual({ batchItemFailures: [] });
      expect(fake.startCalls).toBe(0);
      expect(fake.failureCalls.map((c) => c.FailureReason)).toEqual([
        'itemsS3Uri: column "Shard": pipeline child-pipeline-1 has no such parameter (declared: ProcessingDate, Region)',
      ]);
    });

    it('takes up to 10,000 items in the callback form and refuses the 10,001st line', async () => {
      const rows = (n: number) => `ProcessingDate\n${Array.from({ length: n }, (_, i) => `d${i}`).join('\n')}\n`;
      s3.put('example-manifests', 'too-many.csv', rows(10_001));
      await callback(withUri('s3://example-manifests/too-many.csv', newParent()), context);
      expect(fake.failureCalls.map((c) => c.FailureReason)).toEqual(["itemsS3Uri: line 10002: more than 10000 items (the fan-out's limit)"]);
      expect(fake.startCalls).toBe(0);
    });
  });

  it('reports only the failing message of a batch', async () => {
    const bad = { ...callbackEvent.Records[0], messageId: 'bad-1', body: 'not json' };
    const event = { Records: [bad, ...stoppingEvent.Records] } as SQSEvent;
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const result = await callback(event, context);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad-1' }] });
    // What `sls invoke local` shows besides the returned object: the message failed, and what happens next.
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0]?.[0]).toMatch(/^fan-in message bad-1 failed: InvalidInputError: Invalid fan-in message: body: expected JSON .*SQS will deliver it again/);
    logged.mockRestore();
  });
});
