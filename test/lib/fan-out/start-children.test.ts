import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { NotFoundError, PartialFailureError } from '../../../lib/core/errors';
import { planChildStarts } from '../../../lib/fan-out/plan';
import { startChildExecutions } from '../../../lib/fan-out/start-children';
import { startChildPipelines } from '../../../lib/fan-out/start-child-pipelines';
import { FakeSageMaker, mockSageMaker, type SageMakerMock } from '../../../doubles/fake-sagemaker';

const PARENT = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent/execution/abc123';
const items = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`);
const noSleep = () => Promise.resolve();

describe('startChildExecutions', () => {
  let fake: FakeSageMaker;
  let mock: SageMakerMock;
  const sageMaker = new SageMakerClient({});

  beforeEach(() => {
    fake = new FakeSageMaker();
    fake.addPipeline('child');
    mock = mockSageMaker(fake);
  });
  afterEach(() => mock.restore());

  it('starts every child once, with at most maxConcurrency calls in flight', async () => {
    const plan = planChildStarts({ pipelines: ['child'], items: items(12) }, PARENT);
    let inFlight = 0;
    let peak = 0;
    const slowStart = fake.startPipelineExecution.bind(fake);
    fake.startPipelineExecution = async (input) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      try {
        return await slowStart(input);
      } finally {
        inFlight -= 1;
      }
    };
    const result = await startChildExecutions({ sageMaker }, plan, { remainingTimeMs: () => 60_000, maxConcurrency: 3 });
    expect(result.started).toHaveLength(12);
    expect(fake.executions.size).toBe(12);
    expect(peak).toBe(3);
  });

  it('returns the same executions and starts nothing new when run again', async () => {
    const plan = planChildStarts({ pipelines: ['child'], items: items(5) }, PARENT);
    const first = await startChildExecutions({ sageMaker }, plan, { remainingTimeMs: () => 60_000, maxConcurrency: 2 });
    const known = new Set(first.started.map((s) => s.executionArn));
    const second = await startChildExecutions({ sageMaker }, plan, { remainingTimeMs: () => 60_000, maxConcurrency: 2, knownExecutionArns: known });
    expect(second.started.map((s) => s.executionArn)).toEqual(first.started.map((s) => s.executionArn));
    expect(second.started.every((s) => s.alreadyStarted)).toBe(true);
    expect(fake.executions.size).toBe(5);
  });

  it('defers children over the concurrent-execution quota without calling for each of them', async () => {
    fake = new FakeSageMaker({ concurrencyQuota: 3 });
    fake.addPipeline('child');
    mock.restore();
    mock = mockSageMaker(fake);
    const plan = planChildStarts({ pipelines: ['child'], items: items(10) }, PARENT);
    const result = await startChildExecutions({ sageMaker }, plan, { remainingTimeMs: () => 60_000, maxConcurrency: 1, onQuota: 'defer' });
    expect(result.started).toHaveLength(3);
    expect(result.pending.map((c) => c.id)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(fake.quotaErrors).toBe(1);
  });

  it('waits for capacity and starts the rest when executions end', async () => {
    fake = new FakeSageMaker({ concurrencyQuota: 2 });
    fake.addPipeline('child');
    mock.restore();
    mock = mockSageMaker(fake);
    const plan = planChildStarts({ pipelines: ['child'], items: items(5) }, PARENT);
    // Each wait for capacity, a running child ends.
    const sleep = async () => {
      const [oldest] = fake.running();
      if (oldest) fake.end(oldest.arn);
    };
    const result = await startChildExecutions({ sageMaker, sleep }, plan, { remainingTimeMs: () => 60_000, maxConcurrency: 2, onQuota: 'wait' });
    expect(result.started).toHaveLength(5);
    expect(result.pending).toHaveLength(0);
    expect(fake.quotaErrors).toBeGreaterThan(0);
  });

  it('stops new starts after an error that survived the client retries (throttling) and reports it', async () => {
    let calls = 0;
    fake.options.random = () => (calls++ === 2 ? 0 : 1);
    fake.options.throttleRate = 0.5;
    const plan = planChildStarts({ pipelines: ['child'], items: items(6) }, PARENT);
    const result = await startChildExecutions({ sageMaker }, plan, { remainingTimeMs: () => 60_000, maxConcurrency: 1 });
    expect(result.failed.map((f) => [f.child.id, (f.error as Error).name])).toEqual([[2, 'ThrottlingException']]);
    expect(result.started.map((s) => s.child.id)).toEqual([0, 1]);
    expect(result.pending.map((c) => c.id)).toEqual([3, 4, 5]);
  });
});

describe('startChildPipelines', () => {
  let fake: FakeSageMaker;
  let mock: SageMakerMock;
  const deps = () => ({ sageMaker: new SageMakerClient({}), sleep: noSleep });

  beforeEach(() => {
    fake = new FakeSageMaker({ concurrencyQuota: 100 });
    fake.addPipeline('child-a', ['item']);
    fake.addPipeline('child-b', ['item', 'Region']);
    mock = mockSageMaker(fake);
  });
  afterEach(() => mock.restore());

  const input = { pipelines: ['child-a', 'child-b'], items: ['x', 'y', 'z'], parentExecutionArn: PARENT };

  it('starts one child per pipeline and item and returns the counts and ARNs', async () => {
    const out = await startChildPipelines(deps(), input, { remainingTimeMs: () => 60_000 });
    expect(out).toMatchObject({ startedCount: 6, alreadyStartedCount: 0, total: 6, executionArnsTruncated: false });
    expect(JSON.parse(out.executionArns)).toHaveLength(6);
    expect([...fake.executions.values()].map((e) => e.displayName)).toEqual(
      expect.arrayContaining(['child-a-item-1', 'child-a-item-3', 'child-b-item-2']),
    );
  });

  it('counts a re-run as already started and starts nothing new', async () => {
    await startChildPipelines(deps(), input, { remainingTimeMs: () => 60_000 });
    const again = await startChildPipelines(deps(), input, { remainingTimeMs: () => 60_000 });
    expect(again).toMatchObject({ startedCount: 0, alreadyStartedCount: 6 });
    expect(fake.executions.size).toBe(6);
  });

  it('returns no ARN list when it exceeds 1024 characters', async () => {
    const out = await startChildPipelines(deps(), { ...input, items: items(20) }, { remainingTimeMs: () => 60_000 });
    expect(out).toMatchObject({ startedCount: 40, executionArns: '', executionArnsTruncated: true });
  });

  it('fails before any start when a pipeline does not exist or a parameter is not declared', async () => {
    const missing = await startChildPipelines(deps(), { ...input, pipelines: ['child-a', 'nope'] }, { remainingTimeMs: () => 60_000 }).catch(
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).message).toBe('pipelines: pipeline nope does not exist');
    await expect(
      startChildPipelines(deps(), { ...input, items: [{ Region: 'eu' }] }, { remainingTimeMs: () => 60_000 }),
    ).rejects.toThrow(/items\[0\]\.Region: pipeline child-a has no parameter "Region"/);
    expect(fake.startCalls).toBe(0);
  });

  it('requires a parent execution ARN or a run id', async () => {
    await expect(startChildPipelines(deps(), { pipelines: ['child-a'], items: [1] }, { remainingTimeMs: () => 60_000 })).rejects.toThrow(
      /parentExecutionArn: required, or runId instead/,
    );
  });

  it('fails saying how many started when the quota stays full, and a re-run starts only the rest', async () => {
    fake.options.concurrencyQuota = 4;
    let left = 60_000;
    const remainingTimeMs = () => (left -= 5_000);
    const error = await startChildPipelines(deps(), input, { remainingTimeMs, reserveMs: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartialFailureError);
    expect((error as Error).message).toMatch(/^started 4 of 6 children \(0 already started\), 2 not started \(the concurrent pipeline execution quota/);
    for (const e of fake.running()) fake.end(e.arn);
    const again = await startChildPipelines(deps(), input, { remainingTimeMs: () => 60_000 });
    expect(again).toMatchObject({ startedCount: 2, alreadyStartedCount: 4 });
    expect(fake.executions.size).toBe(6);
  });
});
