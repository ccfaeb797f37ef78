import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { claimFanOut } from '../../../lib/fan-out/completion';
import { handleFanInMessage, onChildExecutionEnd } from '../../../lib/fan-out/fan-in';
import type { FanInDeps } from '../../../lib/fan-out/fan-in-deps';
import { FanInStore } from '../../../lib/fan-out/fan-in-store';
import { CLAIM_LEASE_MS, SWEEP_START_FAILURES_MAX } from '../../../lib/fan-out/timing';
import { sweepFanOuts } from '../../../lib/fan-out/sweep';
import { startDynalite, type LocalDynamo } from '../../../doubles/dynalite';
import { apiError, FakeSageMaker, mockSageMaker, type SageMakerMock } from '../../../doubles/fake-sagemaker';

const PARENT = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent/execution/sweep';
const TABLE = 'fan-out-sweep';
const MINUTE = 60_000;

describe('fan-out sweep (lost child end events)', () => {
  let dynamo: LocalDynamo;
  let fake: FakeSageMaker;
  let mock: SageMakerMock;
  let deps: FanInDeps;

  // A table per test: the sweep lists every running fan-out of its table.
  beforeEach(async () => {
    dynamo = await startDynalite(TABLE);
    fake = new FakeSageMaker({ concurrencyQuota: 20 });
    fake.addPipeline('child', ['item']);
    mock = mockSageMaker(fake);
    deps = { sageMaker: new SageMakerClient({}), store: new FanInStore(dynamo.doc, TABLE), remainingTimeMs: () => 60_000 };
  });
  afterEach(async () => {
    mock.restore();
    await dynamo.close();
  });

  const begin = (parent: string, items = '["a","b","c"]') =>
    handleFanInMessage(deps, { token: `token-${parent.slice(-4)}`, pipelineExecutionArn: parent, arguments: { pipelines: 'child', items } });
  // Each test has its own fake: its executions are the children of the fan-outs it began.
  const executions = () => [...fake.executions.values()];
  const sweep = (minAgeMs = 0) => sweepFanOuts(deps, { minAgeMs });
  /** A SageMaker whose account quota is `quota` concurrent executions, in place of the test's. */
  const useQuota = (quota: number) => {
    fake = new FakeSageMaker({ concurrencyQuota: quota });
    fake.addPipeline('child', ['item']);
    mock.restore();
    mock = mockSageMaker(fake);
  };

  it('records the ends no event delivered, completes the callback once, and late events change nothing', async () => {
    const parent = `${PARENT}-0001`;
    await begin(parent);
    const [first, second, third] = executions();
    if (!first || !second || !third) throw new Error('expected 3 children');
    fake.end(first.arn, 'Succeeded');
    await onChildExecutionEnd(deps, first.arn, 'Succeeded');
    // The other two end, and their events are lost.
    fake.end(second.arn, 'Succeeded');
    fake.end(third.arn, 'Succeeded');

    expect(await sweep()).toEqual({ fanOuts: 1, childrenChecked: 2, endsRecovered: 2, completionsTakenOver: 0, failed: [], unfinished: false });
    expect(fake.successCalls).toHaveLength(1);
    expect(fake.successCalls[0]?.OutputParameters).toEqual(expect.arrayContaining([{ Name: 'succeeded', Value: '3' }]));
    expect((await deps.store.get(parent))?.state).toBe('COMPLETED');

    // The events arrive after all, and the next sweep runs: nothing counted or sent twice.
    await onChildExecutionEnd(deps, second.arn, 'Succeeded');
    await onChildExecutionEnd(deps, third.arn, 'Succeeded');
    expect(await sweep()).toMatchObject({ fanOuts: 0, endsRecovered: 0 });
    expect(fake.successCalls).toHaveLength(1);
    expect((await deps.store.get(parent))?.endedCount).toBe(3);
  });

  it('leaves running children and fan-outs younger than the minimum age alone', async () => {
    const parent = `${PARENT}-0002`;
    await begin(parent);
    const [first] = executions();
    if (!first) throw new Error('expected a child');
    fake.end(first.arn, 'Failed');

    expect(await sweep(15 * MINUTE)).toMatchObject({ fanOuts: 0, childrenChecked: 0 });
    const later = await sweepFanOuts(deps, { minAgeMs: 15 * MINUTE, now: () => Date.now() + 16 * MINUTE });
    expect(later).toMatchObject({ fanOuts: 1, childrenChecked: 3, endsRecovered: 1 });
    const header = await deps.store.get(parent);
    expect(header).toMatchObject({ state: 'RUNNING', endedCount: 1, failed: 1 });
    expect(fake.successCalls).toHaveLength(0);
    expect(fake.failureCalls).toHaveLength(0);
  });

  it(`fails the step once, and starts nothing more, after ${SWEEP_START_FAILURES_MAX} sweeps in a row whose starts all failed; a start in between resets the count`, async () => {
    useQuota(1);
    const parent = `${PARENT}-0009`;
    // One child runs (the quota); two wait for a resume that never comes (the message was lost).
    await begin(parent);
    const [first] = executions();
    fake.end(first?.arn ?? '', 'Succeeded');
    const start = fake.startPipelineExecution.bind(fake);
    const throttle = async () => {
      throw apiError('ThrottlingException', 'Rate exceeded');
    };
    fake.startPipelineExecution = throttle;
    for (let i = 1; i < SWEEP_START_FAILURES_MAX; i += 1) await sweep();
    expect((await deps.store.get(parent))?.sweepStartFailures).toBe(SWEEP_START_FAILURES_MAX - 1);
    // A start succeeds: the count starts again.
    fake.startPipelineExecution = start;
    await sweep();
    expect(fake.executions.size).toBe(2);
    expect((await deps.store.get(parent))?.sweepStartFailures).toBeUndefined();
    fake.end(executions()[1]?.arn ?? '', 'Succeeded');
    fake.startPipelineExecution = throttle;
    for (let i = 1; i <= SWEEP_START_FAILURES_MAX; i += 1) {
      expect(fake.failureCalls).toHaveLength(0);
      await sweep();
    }
    expect(fake.failureCalls.map((c) => c.FailureReason)).toEqual([
      `StartPipelineExecution failed in ${SWEEP_START_FAILURES_MAX} sweeps in a row: ThrottlingException: Rate exceeded`,
    ]);
    expect((await deps.store.get(parent))?.state).toBe('COMPLETED');
    fake.startPipelineExecution = start;
    expect(await sweep()).toMatchObject({ fanOuts: 0 });
    expect(fake.executions.size).toBe(2);
    expect(fake.failureCalls).toHaveLength(1);
    expect(fake.successCalls).toHaveLength(0);
  });

  it('starts a child waiting for quota with the capacity a recovered end frees', async () => {
    useQuota(2);
    const parent = `${PARENT}-0003`;
    await begin(parent);
    expect(fake.executions.size).toBe(2);
    const [first] = executions();
    if (!first) throw new Error('expected a child');
    fake.end(first.arn, 'Succeeded');

    expect(await sweep()).toMatchObject({ endsRecovered: 1 });
    expect(fake.executions.size).toBe(3);
    expect((await deps.store.get(parent))?.pendingCount).toBe(0);
  });

  it('counts a child whose execution no longer exists as failed, and fails the step when all ended', async () => {
    const parent = `${PARENT}-0004`;
    await begin(parent, '["a"]');
    const [only] = executions();
    if (!only) throw new Error('expected a child');
    fake.executions.delete(only.arn);

    expect(await sweep()).toMatchObject({ endsRecovered: 1, failed: [] });
    expect(fake.failureCalls).toHaveLength(1);
    expect(fake.failureCalls[0]?.FailureReason).toContain('1 of 1 child executions failed');
  });

  it('sweeps the other fan-outs when one fails, and names the one that failed', async () => {
    const broken = `${PARENT}-0005`;
    const fine = `${PARENT}-0006`;
    await begin(broken, '["a"]');
    const [brokenChild] = [...fake.executions.values()];
    await begin(fine, '["b"]');
    const fineChild = [...fake.executions.values()].find((e) => e.arn !== brokenChild?.arn);
    if (!brokenChild || !fineChild) throw new Error('expected two children');
    fake.end(fineChild.arn, 'Succeeded');
    const describe = fake.describePipelineExecution.bind(fake);
    fake.describePipelineExecution = async (input) => {
      if (input.PipelineExecutionArn === brokenChild.arn) throw apiError('InternalFailure', 'try again', 500);
      return describe(input);
    };

    const result = await sweep();
    expect(result).toMatchObject({ fanOuts: 2, endsRecovered: 1, failed: [broken] });
    expect(fake.successCalls).toHaveLength(1);
    expect((await deps.store.get(broken))?.state).toBe('RUNNING');
  });

  it('sends the callback of a completion claim a crashed invocation left, once its lease expired, and not before', async () => {
    const parent = `${PARENT}-0008`;
    await begin(parent, '["a"]');
    const [only] = executions();
    if (!only) throw new Error('expected a child');
    // The crash: the end was counted and the completion claimed, then nothing was sent.
    await deps.store.recordEnd(parent, { id: 0, displayName: only.displayName ?? '' }, 'Succeeded');
    let claimedAt = Date.now();
    expect(await claimFanOut({ store: new FanInStore(dynamo.doc, TABLE, () => claimedAt) }, parent, 'COMPLETING', { allEnded: true })).toBe(true);

    expect(await sweep()).toMatchObject({ completionsTakenOver: 0, fanOuts: 0 });
    expect(fake.successCalls).toHaveLength(0);

    claimedAt = Date.now() - CLAIM_LEASE_MS - 1_000;
    await deps.store.release(parent, 'COMPLETING', 'RUNNING');
    await claimFanOut({ store: new FanInStore(dynamo.doc, TABLE, () => claimedAt) }, parent, 'COMPLETING', { allEnded: true });
    expect(await sweep()).toMatchObject({ completionsTakenOver: 1, failed: [] });
    expect(fake.successCalls).toHaveLength(1);
    expect((await deps.store.get(parent))?.state).toBe('COMPLETED');
  });

  it('leaves no check running when it returns after a failure, and counts the ends those checks found', async () => {
    const parent = `${PARENT}-0009`;
    await begin(parent, '["a","b","c","d"]');
    const [failing, ...ended] = executions();
    if (!failing) throw new Error('expected children');
    for (const e of ended) fake.end(e.arn, 'Succeeded');
    const describe = fake.describePipelineExecution.bind(fake);
    fake.describePipelineExecution = async (input) => {
      if (input.PipelineExecutionArn === failing.arn) throw apiError('InternalFailure', 'try again', 500);
      await new Promise((resolve) => setTimeout(resolve, 30));
      return describe(input);
    };

    const result = await sweep();
    const atReturn = (await deps.store.get(parent))?.endedCount;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect({ failed: result.failed, recovered: result.endsRecovered, atReturn }).toEqual({ failed: [parent], recovered: 3, atReturn: 3 });
    expect((await deps.store.get(parent))?.endedCount).toBe(3);
  });

  it('does not always leave the same fan-out when time runs short: the order is random', async () => {
    const old = `${PARENT}-0010`;
    const young = `${PARENT}-0011`;
    await begin(old, JSON.stringify(Array.from({ length: 19 }, (_, i) => `o${i}`)));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const before = new Set(fake.executions.keys());
    await begin(young, '["y"]');
    const youngChild = executions().find((e) => !before.has(e.arn));
    if (!youngChild) throw new Error('expected the young child');
    fake.end(youngChild.arn, 'Succeeded');
    // Each DescribePipelineExecution uses 1 s of a budget that allows 10 above the reserve.
    const describe = fake.describePipelineExecution.bind(fake);
    let remaining = 0;
    fake.describePipelineExecution = async (input) => {
      remaining -= 1_000;
      return describe(input);
    };
    deps.remainingTimeMs = () => remaining;
    const sweepInOrder = (random: () => number) => {
      remaining = 25_000;
      return sweepFanOuts(deps, { minAgeMs: 0, random });
    };

    // Oldest first: the old fan-out's children use the whole budget.
    expect(await sweepInOrder(() => 0.999)).toMatchObject({ fanOuts: 1, unfinished: true, endsRecovered: 0 });
    // Another order reaches the young fan-out first.
    expect(await sweepInOrder(() => 0)).toMatchObject({ endsRecovered: 1, unfinished: true });
    expect((await deps.store.get(young))?.endedCount).toBe(1);
  });

  it('leaves children started less than the minimum age ago to their events', async () => {
    let clock = Date.now();
    deps.store = new FanInStore(dynamo.doc, TABLE, () => clock);
    fake.options.concurrencyQuota = 2;
    await begin(`${PARENT}-0012`);
    const [first] = executions();
    if (!first) throw new Error('expected a child');
    fake.end(first.arn, 'Succeeded');
    clock += 20 * MINUTE;
    const sweepAt = (now: number) => sweepFanOuts(deps, { minAgeMs: 15 * MINUTE, now: () => now });

    // The recovered end frees quota: the pending third child starts now.
    expect(await sweepAt(clock)).toMatchObject({ childrenChecked: 2, endsRecovered: 1 });
    const third = executions()[2];
    if (!third) throw new Error('expected the third child to start');
    fake.end(third.arn, 'Succeeded');
    expect(await sweepAt(clock + MINUTE)).toMatchObject({ childrenChecked: 1, endsRecovered: 0 });
    expect(await sweepAt(clock + 16 * MINUTE)).toMatchObject({ childrenChecked: 2, endsRecovered: 1 });
  });

  it('stops before the time runs short and says the sweep is unfinished', async () => {
    await begin(`${PARENT}-0007`);
    deps.remainingTimeMs = () => 5_000;
    expect(await sweep()).toEqual({ fanOuts: 0, childrenChecked: 0, endsRecovered: 0, completionsTakenOver: 0, failed: [], unfinished: true });
  });
});
