import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { claimFanOut, finishAbandonedCompletion } from '../../../lib/fan-out/completion';
import { handleFanInMessage, onChildExecutionEnd } from '../../../lib/fan-out/fan-in';
import type { FanInDeps } from '../../../lib/fan-out/fan-in-deps';
import { FanInStore } from '../../../lib/fan-out/fan-in-store';
import { fanOutProgress } from '../../../lib/fan-out/progress';
import { resultsWriter, writeResultsObject } from '../../../lib/fan-out/results-s3';
import { sweepFanOut } from '../../../lib/fan-out/sweep';
import { CLAIM_LEASE_MS, PLACE_LEASE_MS } from '../../../lib/fan-out/timing';
import { startDynalite, type LocalDynamo } from '../../../doubles/dynalite';
import { FakeS3Objects } from '../../../doubles/fake-s3-objects';
import { apiError, FakeSageMaker, mockSageMaker, type SageMakerMock } from '../../../doubles/fake-sagemaker';

const PARENT = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent/execution/dmap0001';
const TABLE = 'fan-out-distributed-map';
const RESULTS_BUCKET = 'example-results';

type End = 'Succeeded' | 'Failed' | 'Stopped';

describe('fan-in: Distributed Map options', () => {
  let dynamo: LocalDynamo;
  let fake: FakeSageMaker;
  let mock: SageMakerMock;
  let s3: FakeS3Objects;
  const s3Mock = mockClient(S3Client);
  let deps: FanInDeps;
  let run = 0;
  let parent: string;

  beforeAll(async () => {
    dynamo = await startDynalite(TABLE);
  });
  afterAll(async () => {
    s3Mock.restore();
    await dynamo.close();
  });
  beforeEach(() => {
    fake = new FakeSageMaker({ concurrencyQuota: 20 });
    fake.addPipeline('child', ['item']);
    mock = mockSageMaker(fake);
    s3Mock.reset();
    s3 = new FakeS3Objects().bucket(RESULTS_BUCKET).attach(s3Mock);
    run += 1;
    parent = `${PARENT}-${run}`;
    deps = {
      sageMaker: new SageMakerClient({}),
      store: new FanInStore(dynamo.doc, TABLE),
      scheduleResume: async () => undefined,
      writeResults: resultsWriter(() => new S3Client({ region: 'us-east-1' })),
      resultsBuckets: [RESULTS_BUCKET],
      remainingTimeMs: () => 60_000,
    };
  });
  afterEach(() => mock.restore());

  const items = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => `i${i}`));
  const begin = (args: Record<string, unknown>, token = 'cbtoken001') =>
    handleFanInMessage(deps, { token, pipelineExecutionArn: parent, arguments: { pipelines: 'child', ...args } });
  const arns = () => [...fake.executions.values()].map((e) => e.arn);
  /** The child ends as SageMaker would see it, and its event arrives (twice: EventBridge may repeat it). */
  const end = async (arn: string, status: End, times = 2) => {
    fake.end(arn, status, status === 'Failed' ? 'step Train failed' : undefined);
    for (let i = 0; i < times; i += 1) await onChildExecutionEnd(deps, arn, status);
  };
  const outputs = () => Object.fromEntries((fake.successCalls[0]?.OutputParameters ?? []).map((o) => [o.Name, o.Value]));
  /** Ends every running child, one at a time (each end may start the next), until none runs. */
  const endAllRunning = async () => {
    while (fake.running().length > 0) await end(fake.running()[0]?.arn ?? '', 'Succeeded');
  };

  describe('maxRunning', () => {
    it('never has more children running than maxRunning; the rest start as children end, duplicates start none', async () => {
      await begin({ items: items(10), maxRunning: '3' });
      expect(fake.running()).toHaveLength(3);
      while (fake.running().length > 0) {
        const [first] = fake.running();
        await end(first?.arn ?? '', 'Succeeded');
        expect(fake.running().length).toBeLessThanOrEqual(3);
      }
      expect(fake.peakRunning).toBe(3);
      expect(fake.executions.size).toBe(10);
      expect(fake.successCalls).toHaveLength(1);
      expect(outputs()).toMatchObject({ total: '10', succeeded: '10' });
      expect((await deps.store.get(parent))?.places).toHaveLength(0);
    });

    it('keeps no places when maxRunning is at or above the number of children (it limits nothing)', async () => {
      await begin({ items: items(3), maxRunning: '3' });
      expect(fake.running()).toHaveLength(3);
      expect((await deps.store.get(parent))?.places).toBeUndefined();
      await endAllRunning();
      expect(outputs()).toMatchObject({ total: '3', succeeded: '3' });
    });

    it('carries on a fan-out recorded by the build that counted places in a number (no map of places)', async () => {
      await begin({ items: items(5), maxRunning: '2' });
      await dynamo.doc.send(
        new UpdateCommand({ TableName: TABLE, Key: { pk: `FANOUT#${parent}`, sk: 'HEADER' }, UpdateExpression: 'SET running = :two REMOVE places', ExpressionAttributeValues: { ':two': 2 } }),
      );
      await endAllRunning();
      expect(outputs()).toMatchObject({ total: '5', succeeded: '5' });
      // Its children started before hold no place: for that while, up to twice maxRunning.
      expect(fake.peakRunning).toBeLessThanOrEqual(4);
    });

    it('gives back the places of children the quota refused, so the resume starts them', async () => {
      // Another pipeline holds the account's quota (1).
      fake = new FakeSageMaker({ concurrencyQuota: 1 });
      fake.addPipeline('child', ['item']);
      fake.addPipeline('other', ['item']);
      mock.restore();
      mock = mockSageMaker(fake);
      const other = await fake.startPipelineExecution({ PipelineName: 'other', ClientRequestToken: 'o'.repeat(32) });
      await begin({ items: items(3), maxRunning: '2' });
      expect(fake.executions.size).toBe(1);
      expect((await deps.store.get(parent))?.places).toHaveLength(0);
      fake.end(other.PipelineExecutionArn, 'Succeeded');
      // The resume the refusal scheduled, before any lease could expire.
      await handleFanInMessage(deps, { resumeFanOut: parent });
      expect(fake.running()).toHaveLength(1);
      await endAllRunning();
      expect(fake.peakRunning).toBe(1);
      expect(outputs()).toMatchObject({ total: '3', succeeded: '3' });
    });

    it('starts no more children than maxRunning when the message is delivered again', async () => {
      await begin({ items: items(5), maxRunning: '2' });
      await begin({ items: items(5), maxRunning: '2' });
      expect(fake.startCalls).toBe(2);
      expect((await deps.store.get(parent))?.places).toHaveLength(2);
    });
  });

  describe('maxRunning: a place is held from before a start until the end is counted', () => {
    /** `store`, whose first markStarted fails (a connection reset) before writing anything, or after writing it all. */
    const markStartedFailsOnce = (store: FanInStore, when: 'before writing' | 'after writing'): FanInStore => {
      let failOnce = true;
      return Object.assign(Object.create(store) as FanInStore, {
        markStarted: async (...args: Parameters<FanInStore['markStarted']>) => {
          const moved = when === 'after writing' || !failOnce ? await store.markStarted(...args) : false;
          if (failOnce) {
            failOnce = false;
            throw Object.assign(new Error('connection reset'), { name: 'TimeoutError' });
          }
          return moved;
        },
      });
    };

    /** Makes the n-th header write that takes a place (its condition compares with :max) fail as a crash would. */
    const crashPlaceWrite = (n: number) => {
      let seen = 0;
      dynamo.client.middlewareStack.add(
        (next, context) => async (args) => {
          const input = args.input as { ConditionExpression?: string };
          if (context.commandName === 'UpdateItemCommand' && input.ConditionExpression?.includes(':max') && (seen += 1) === n) {
            throw Object.assign(new Error('the invocation died here'), { name: 'InjectedCrash' });
          }
          return next(args);
        },
        { step: 'initialize', name: 'crashPlaceWrite' },
      );
      return () => dynamo.client.middlewareStack.remove('crashPlaceWrite');
    };

    it('keeps the place of a child whose start SageMaker took but whose record failed', async () => {
      // Recorded as started, then the invocation's last write fails: the start is reported as failed.
      deps.store = markStartedFailsOnce(deps.store, 'after writing');
      // Thrown, so that SQS delivers the message again (its last delivery would fail the step).
      await expect(begin({ items: items(3), maxRunning: '1' })).rejects.toThrow('connection reset');
      expect(fake.running()).toHaveLength(1);
      // Delivered again, and a resume: the place is still the running child's.
      await begin({ items: items(3), maxRunning: '1' });
      await handleFanInMessage(deps, { resumeFanOut: parent });
      expect(fake.running()).toHaveLength(1);
      await endAllRunning();
      expect(fake.peakRunning).toBe(1);
      expect(outputs()).toMatchObject({ total: '3', succeeded: '3' });
    });

    it('starts again, after its lease, a child SageMaker started but nothing recorded: the same execution, in the same place', async () => {
      let clock = Date.now();
      deps.store = markStartedFailsOnce(new FanInStore(dynamo.doc, TABLE, () => clock), 'before writing');
      await expect(begin({ items: items(3), maxRunning: '1' })).rejects.toThrow('connection reset');
      await begin({ items: items(3), maxRunning: '1' });
      expect(fake.startCalls).toBe(1);
      clock += PLACE_LEASE_MS;
      await handleFanInMessage(deps, { resumeFanOut: parent });
      expect(fake.startCalls).toBe(2);
      expect(fake.executions.size).toBe(1);
      expect((await deps.store.getChild(parent, 0))?.status).toBe('STARTED');
      await endAllRunning();
      expect(fake.peakRunning).toBe(1);
      expect(outputs()).toMatchObject({ total: '3', succeeded: '3' });
    });

    it('does not lose the places an invocation took before it died: a call after their lease starts with them', async () => {
      let clock = Date.now();
      deps.store = new FanInStore(dynamo.doc, TABLE, () => clock);
      const restore = crashPlaceWrite(2);
      await expect(begin({ items: items(4), maxRunning: '2' })).rejects.toThrow('the invocation died here');
      restore();
      // Redelivered while the dead call's place may still be starting its child: only the free place is used.
      await begin({ items: items(4), maxRunning: '2' });
      expect(fake.running()).toHaveLength(1);
      clock += PLACE_LEASE_MS;
      await handleFanInMessage(deps, { resumeFanOut: parent });
      expect(fake.running()).toHaveLength(2);
      await endAllRunning();
      expect(fake.peakRunning).toBe(2);
      expect(outputs()).toMatchObject({ total: '4', succeeded: '4' });
    });

    it('frees the place of a child that ended before its start was recorded (its event found no lookup)', async () => {
      const start = fake.startPipelineExecution.bind(fake);
      let first = true;
      fake.startPipelineExecution = async (input) => {
        const out = await start(input);
        // Ends at once; its status event, sent before the lookup existed, was ignored.
        if (first) fake.end(out.PipelineExecutionArn, 'Succeeded');
        first = false;
        return out;
      };
      await begin({ items: items(2), maxRunning: '1' });
      expect(fake.executions.size).toBe(2);
      await end(fake.running()[0]?.arn ?? '', 'Succeeded');
      expect(outputs()).toMatchObject({ total: '2', succeeded: '2' });
      expect((await deps.store.get(parent))?.places).toHaveLength(0);
    });

    it('a duplicate failure event read between the retry counted and the retry sent frees no place', async () => {
      await begin({ items: items(2), childRetries: '1', maxRunning: '1' });
      const [a = ''] = arns();
      fake.end(a, 'Failed', 'step Train failed');
      // The first RetryPipelineExecution waits while the duplicate event is handled in full.
      const retry = fake.retryPipelineExecution.bind(fake);
      let reached: () => void = () => undefined;
      const atRetry = new Promise<void>((resolve) => (reached = resolve));
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let gated = true;
      fake.retryPipelineExecution = async (input) => {
        if (gated) {
          gated = false;
          reached();
          await gate;
        }
        return retry(input);
      };
      const first = onChildExecutionEnd(deps, a, 'Failed');
      await atRetry;
      await onChildExecutionEnd(deps, a, 'Failed');
      release();
      await first;
      expect(fake.executions.get(a)?.status).toBe('Executing');
      expect(fake.executions.size).toBe(1);
      expect((await deps.store.get(parent))?.endedCount).toBe(0);
      await end(a, 'Succeeded');
      await end(fake.running()[0]?.arn ?? '', 'Succeeded');
      expect(fake.peakRunning).toBe(1);
      expect(fake.retryCalls).toHaveLength(1);
      expect(outputs()).toMatchObject({ total: '2', succeeded: '2', failed: '0', retried: '1' });
    });
  });

  describe('childRetries', () => {
    it('retries a failed child from its failed step once per failure event, and counts its second end once', async () => {
      await begin({ items: items(3), childRetries: '1', resultsS3Uri: `s3://${RESULTS_BUCKET}/runs/` });
      const [a = '', b = '', c = ''] = arns();
      await end(a, 'Failed');
      // Resumed, same execution: Executing again; the repeated event retried nothing more.
      expect(fake.retryCalls.map((r) => r.PipelineExecutionArn)).toEqual([a]);
      expect(fake.executions.get(a)?.status).toBe('Executing');
      // The first attempt's failure delivered late, after the retry: its execution runs, nothing is counted.
      await onChildExecutionEnd(deps, a, 'Failed');
      expect((await deps.store.get(parent))?.endedCount).toBe(0);
      await end(a, 'Succeeded');
      await end(b, 'Succeeded');
      await end(c, 'Succeeded');
      expect(fake.successCalls).toHaveLength(1);
      expect(outputs()).toMatchObject({ total: '3', succeeded: '3', failed: '0', retried: '1' });
      const lines = (s3.text(RESULTS_BUCKET, String(outputs().resultsS3Uri).replace(`s3://${RESULTS_BUCKET}/`, '')) ?? '').trim().split('\n');
      expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ item: 'i0', status: 'Succeeded', attempts: 2, executionArn: a });
    });

    it('counts a child failed once its retries are used up, with its attempts', async () => {
      await begin({ items: items(1), childRetries: '1' });
      const [a = ''] = arns();
      await end(a, 'Failed');
      await end(a, 'Failed');
      expect(fake.retryCalls).toHaveLength(1);
      expect(fake.failureCalls).toHaveLength(1);
      expect(fake.failureCalls[0]?.FailureReason).toBe('1 of 1 child executions failed or stopped: child-item-1');
      const progress = await fanOutProgress(deps.store, parent);
      expect(progress.failedChildren?.[0]).toMatchObject({ attempts: 2, failureReason: 'step Train failed' });
      expect(progress.retried).toBe(1);
    });

    it('counts a child failed when SageMaker refuses its retry', async () => {
      await begin({ items: items(1), childRetries: '2' });
      const [a = ''] = arns();
      fake.end(a, 'Failed');
      const original = fake.retryPipelineExecution.bind(fake);
      fake.retryPipelineExecution = async () => {
        throw apiError('ConflictException', 'cannot be retried');
      };
      await onChildExecutionEnd(deps, a, 'Failed');
      fake.retryPipelineExecution = original;
      expect(fake.failureCalls).toHaveLength(1);
    });

    it('leaves a retry that hit the quota to the event retries and the sweep: nothing counted, the attempt not spent', async () => {
      await begin({ items: items(1), childRetries: '1' });
      const [a = ''] = arns();
      fake.end(a, 'Failed');
      const original = fake.retryPipelineExecution.bind(fake);
      fake.retryPipelineExecution = async () => {
        throw apiError('ResourceLimitExceeded', 'quota');
      };
      await expect(onChildExecutionEnd(deps, a, 'Failed')).rejects.toThrow('quota');
      fake.retryPipelineExecution = original;
      // The sweep finds it failed and retries it the same way.
      const swept = await sweepFanOut(deps, parent, { concurrency: 1, reserveMs: 0, startedBefore: new Date(Date.now() + 60_000).toISOString() });
      expect(swept.recovered).toBe(0);
      expect(fake.retryCalls).toHaveLength(1);
      expect((await deps.store.get(parent))?.endedCount).toBe(0);
    });
  });

  describe('toleratedFailureCount and toleratedFailurePercentage', () => {
    it('fails the step at once when exceeded, with the counts; no pending child starts any more; running ones keep running', async () => {
      await begin({ items: items(10), maxRunning: '4', toleratedFailureCount: '1' });
      const [a = '', b = ''] = arns();
      await end(a, 'Failed');
      expect(fake.failureCalls).toHaveLength(0);
      const startsBefore = fake.startCalls;
      await end(b, 'Failed');
      expect(fake.failureCalls).toHaveLength(1);
      expect(fake.failureCalls[0]?.FailureReason).toMatch(/^tolerated failures exceeded: 2 of 10 child executions failed or stopped \(tolerated: 1; 2 ended\)/);
      // a's end handed its place over (a start); b's exceeded the tolerance: none after it.
      expect(fake.startCalls).toBe(startsBefore);
      expect(fake.running()).toHaveLength(3);
      expect(fake.stopCalls).toHaveLength(0);
      const progress = await fanOutProgress(deps.store, parent);
      expect(progress.children).toMatchObject({ cancelled: 5, running: 3 });
      expect(progress.tolerance).toEqual({ count: 1, exceeded: true });
    });

    it('lets the sweep take over a completion a crash left once the tolerance was exceeded (children still running)', async () => {
      let now = Date.parse('2026-01-01T00:00:00Z');
      deps.store = new FanInStore(dynamo.doc, TABLE, () => now);
      await begin({ items: items(3), toleratedFailureCount: '0' });
      // The invocation that counted the failure claimed the completion and died before sending it.
      await deps.store.recordEnd(parent, { id: 0, displayName: 'child-item-1' }, 'Failed');
      expect(await claimFanOut(deps, parent, 'COMPLETING')).toBe(true);
      now += CLAIM_LEASE_MS + 1_000;
      expect(await finishAbandonedCompletion(deps, parent)).toBe(true);
      expect(fake.failureCalls.map((c) => c.FailureReason)).toEqual([expect.stringMatching(/^tolerated failures exceeded: 1 of 3/)]);
    });

    it('stops the running children too with stopOnFailure', async () => {
      await begin({ items: items(4), toleratedFailurePercentage: '25', stopOnFailure: 'true' });
      const [a = '', b = ''] = arns();
      await end(a, 'Failed');
      expect(fake.failureCalls).toHaveLength(0);
      await end(b, 'Stopped');
      expect(fake.failureCalls).toHaveLength(1);
      expect(fake.stopCalls).toHaveLength(2);
    });

    it('succeeds while failed and stopped children stay within the tolerance', async () => {
      await begin({ items: items(4), toleratedFailurePercentage: '25' });
      const [a = '', ...rest] = arns();
      await end(a, 'Failed');
      for (const arn of rest) await end(arn, 'Succeeded');
      expect(fake.failureCalls).toHaveLength(0);
      expect(outputs()).toMatchObject({ total: '4', succeeded: '3', failed: '1' });
    });
  });

  describe('resultsS3Uri', () => {
    it('writes one JSON Lines object when the fan-out ends, and no second one when the callback is sent again', async () => {
      await begin({ items: '["x", {"item": "y"}]', toleratedFailureCount: '1', resultsS3Uri: `s3://${RESULTS_BUCKET}/runs/daily` });
      const [a = '', b = ''] = arns();
      await end(a, 'Failed');
      // The first send fails after the object was written: the next end event sends it again.
      const original = fake.sendStepSuccess.bind(fake);
      fake.sendStepSuccess = async () => {
        fake.sendStepSuccess = original;
        throw apiError('InternalFailure', 'try again', 500);
      };
      await expect(end(b, 'Succeeded', 1)).rejects.toThrow('try again');
      await onChildExecutionEnd(deps, b, 'Succeeded');
      expect(s3.puts).toHaveLength(1);
      expect(s3.puts[0]).toMatch(new RegExp(`^s3://${RESULTS_BUCKET}/runs/daily/fan-out-dmap0001-${run}-[0-9a-f]{16}\\.jsonl$`));
      expect(outputs().resultsS3Uri).toBe(s3.puts[0]);
      const key = (s3.puts[0] ?? '').replace(`s3://${RESULTS_BUCKET}/`, '');
      const lines = (s3.text(RESULTS_BUCKET, key) ?? '').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toEqual([
        { item: 'x', pipeline: 'child', displayName: 'child-item-1', executionArn: a, status: 'Failed', attempts: 1, failureReason: 'step Train failed' },
        { item: { item: 'y' }, pipeline: 'child', displayName: 'child-item-2', executionArn: b, status: 'Succeeded', attempts: 1, failureReason: null },
      ]);
      expect((await fanOutProgress(deps.store, parent)).resultsObject).toBe(s3.puts[0]);
    });

    it('writes nothing over an object already there (If-None-Match)', async () => {
      const client = new S3Client({ region: 'us-east-1' });
      expect(await writeResultsObject(client, `s3://${RESULTS_BUCKET}/r.jsonl`, 'one\n')).toBe('written');
      expect(await writeResultsObject(client, `s3://${RESULTS_BUCKET}/r.jsonl`, 'two\n')).toBe('existed');
      expect(s3.text(RESULTS_BUCKET, 'r.jsonl')).toBe('one\n');
    });

    it('refuses a bucket the deploy option does not list, naming it, before anything starts', async () => {
      await begin({ items: items(2), resultsS3Uri: 's3://other-bucket/x/' });
      expect(fake.startCalls).toBe(0);
      expect(fake.failureCalls[0]?.FailureReason).toBe(`resultsS3Uri: bucket other-bucket is not in deploy.fanOutResultsBuckets (${RESULTS_BUCKET})`);
    });

    it('fails the step naming resultsS3Uri when S3 refuses the write for good', async () => {
      s3.deny(RESULTS_BUCKET);
      await begin({ items: items(1), resultsS3Uri: `s3://${RESULTS_BUCKET}/runs/` });
      await end(arns()[0] ?? '', 'Succeeded');
      expect(fake.failureCalls[0]?.FailureReason).toMatch(/^resultsS3Uri: s3:\/\/example-results\/runs\/ cannot be written \(AccessDenied/);
    });
  });

  describe('input checks', () => {
    it.each([
      [{ maxRunning: '0' }, /maxRunning: expected an integer >= 1/],
      [{ maxRunning: '10001' }, /maxRunning: expected an integer <= 10000/],
      [{ toleratedFailurePercentage: '100.5' }, /toleratedFailurePercentage: expected a number <= 100/],
      [{ toleratedFailureCount: '-1' }, /toleratedFailureCount: expected an integer >= 0/],
      [{ childRetries: '6' }, /childRetries: expected an integer <= 5/],
      [{ failOnChildFailure: 'true', toleratedFailureCount: '2' }, /failOnChildFailure: not used when toleratedFailureCount/],
      [{ stopOnFailure: 'true' }, /stopOnFailure: not used without toleratedFailureCount/],
      [{ resultsS3Uri: 'https://bucket/x' }, /resultsS3Uri: expected s3:\/\/bucket\/prefix\//],
    ])('refuses %j naming the field and its range', async (args, reason) => {
      await begin({ items: items(2), ...args });
      expect(fake.startCalls).toBe(0);
      expect(fake.failureCalls[0]?.FailureReason).toMatch(reason);
    });
  });
});

describe('FakeSageMaker RetryPipelineExecution', () => {
  const token = (n: number) => `retry-token-${String(n).padStart(32, '0')}`;

  it('resumes a Failed execution (same ARN, Executing again), is a no-op for a token seen before, and refuses other statuses', async () => {
    const fake = new FakeSageMaker();
    fake.addPipeline('child');
    const { PipelineExecutionArn: arn = '' } = await fake.startPipelineExecution({ PipelineName: 'child', ClientRequestToken: token(0) });
    await expect(fake.retryPipelineExecution({ PipelineExecutionArn: arn, ClientRequestToken: token(1) })).rejects.toMatchObject({ name: 'ConflictException' });
    fake.end(arn, 'Failed', 'boom');
    await expect(fake.retryPipelineExecution({ PipelineExecutionArn: arn, ClientRequestToken: token(1) })).resolves.toEqual({ PipelineExecutionArn: arn });
    expect(fake.executions.get(arn)).toMatchObject({ status: 'Executing', attempts: 2 });
    await expect(fake.retryPipelineExecution({ PipelineExecutionArn: arn, ClientRequestToken: token(1) })).resolves.toEqual({ PipelineExecutionArn: arn });
    expect(fake.retryCalls).toHaveLength(1);
    fake.end(arn, 'Stopped');
    await expect(fake.retryPipelineExecution({ PipelineExecutionArn: arn, ClientRequestToken: token(2) })).rejects.toMatchObject({ name: 'ConflictException' });
    await expect(fake.retryPipelineExecution({ PipelineExecutionArn: arn, ClientRequestToken: 'short' })).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(fake.retryPipelineExecution({ PipelineExecutionArn: `${arn}x`, ClientRequestToken: token(3) })).rejects.toMatchObject({ name: 'ResourceNotFound' });
  });

  it('counts a retried execution toward the quota and the peak of running executions', async () => {
    const fake = new FakeSageMaker({ concurrencyQuota: 1 });
    fake.addPipeline('child');
    const { PipelineExecutionArn: a = '' } = await fake.startPipelineExecution({ PipelineName: 'child', ClientRequestToken: token(0) });
    fake.end(a, 'Failed');
    await fake.startPipelineExecution({ PipelineName: 'child', ClientRequestToken: token(1) });
    await expect(fake.retryPipelineExecution({ PipelineExecutionArn: a, ClientRequestToken: token(2) })).rejects.toMatchObject({ name: 'ResourceLimitExceeded' });
    expect(fake.peakRunning).toBe(1);
  });
});
