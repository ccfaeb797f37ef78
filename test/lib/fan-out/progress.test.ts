import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { Metric } from '../../../lib/core/metric-names';
import { metrics } from '../../../lib/core/powertools';
import { fanOutCensus, isStalled } from '../../../lib/fan-out/census';
import { handleFanInMessage, onChildExecutionEnd } from '../../../lib/fan-out/fan-in';
import type { FanInDeps } from '../../../lib/fan-out/fan-in-deps';
import type { FanInHeader } from '../../../lib/fan-out/fan-in-state';
import { FanInStore } from '../../../lib/fan-out/fan-in-store';
import { fanOutProgress, MAX_LISTED_CHILDREN } from '../../../lib/fan-out/progress';
import { sweepFanOuts } from '../../../lib/fan-out/sweep';
import { startDynalite, type LocalDynamo } from '../../../doubles/dynalite';
import { FakeSageMaker, mockSageMaker, type SageMakerMock } from '../../../doubles/fake-sagemaker';

const PARENT = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent/execution/progress';
const MINUTE = 60_000;

describe('fan-out progress and census', () => {
  let dynamo: LocalDynamo;
  let fake: FakeSageMaker;
  let mock: SageMakerMock;
  let deps: FanInDeps;
  let clock: number;
  let table = 0;

  // A table per test: the census counts every running fan-out of its table.
  beforeEach(async () => {
    table += 1;
    const name = `fan-out-progress-${table}`;
    dynamo = await startDynalite(name);
    fake = new FakeSageMaker({ concurrencyQuota: 20 });
    fake.addPipeline('child', ['item']);
    mock = mockSageMaker(fake);
    clock = Date.parse('2026-06-01T10:00:00Z');
    deps = { sageMaker: new SageMakerClient({}), store: new FanInStore(dynamo.doc, name, () => clock), remainingTimeMs: () => 60_000 };
  });
  afterEach(async () => {
    mock.restore();
    await dynamo.close();
  });

  const begin = (parent: string, items: string[]) =>
    handleFanInMessage(deps, { token: `tok-${parent.slice(-6)}`, pipelineExecutionArn: parent, arguments: { pipelines: 'child', items: JSON.stringify(items) } });
  const executions = () => [...fake.executions.values()];
  const end = async (arn: string, status: 'Succeeded' | 'Failed' | 'Stopped', reason?: string) => {
    fake.end(arn, status, reason);
    await onChildExecutionEnd(deps, arn, status);
  };

  it('reports a running fan-out: counts by state, failed children with their reasons, pending children, times', async () => {
    fake.options.concurrencyQuota = 3;
    await begin(`${PARENT}-run`, ['a', 'b', 'c', 'd', 'e']);
    const [first, second] = executions();
    if (!first || !second) throw new Error('expected started children');
    clock += 5 * MINUTE;
    fake.options.concurrencyQuota = 0;
    await end(first.arn, 'Succeeded');
    clock += 7 * MINUTE;
    await end(second.arn, 'Failed', 'ClientError: Failed to invoke sagemaker:CreateProcessingJob');

    const progress = await fanOutProgress(deps.store, `${PARENT}-run`, clock + 3 * MINUTE);

    expect(progress).toMatchObject({
      found: true,
      state: 'RUNNING',
      callbackSent: false,
      total: 5,
      children: { pending: 2, running: 1, succeeded: 1, failed: 1, stopped: 0, cancelled: 0 },
      startedAt: '2026-06-01T10:00:00.000Z',
      lastChildEndedAt: '2026-06-01T10:12:00.000Z',
      minutesSinceLastProgress: 3,
      failedChildren: [
        { id: 1, name: 'child-item-2', status: 'Failed', failureReason: 'ClientError: Failed to invoke sagemaker:CreateProcessingJob', executionArn: second.arn },
      ],
      pendingChildren: [
        { id: 3, name: 'child-item-4' },
        { id: 4, name: 'child-item-5' },
      ],
      notListed: { failed: 0, pending: 0 },
      reads: { getItems: 1, queries: 1 },
    });
    expect(progress.summary).toBe(
      'RUNNING: 2 of 5 children ended (1 succeeded, 1 failed, 0 stopped), 1 running, 2 pending, last progress 3 min ago; callback not sent',
    );
    expect(progress.reads?.capacityUnits).toBeGreaterThan(0);
  });

  it('reports a completed fan-out, its stopped child, and that the callback was sent', async () => {
    await begin(`${PARENT}-done`, ['a', 'b']);
    const [first, second] = executions();
    await end(first?.arn ?? '', 'Succeeded');
    await end(second?.arn ?? '', 'Stopped');

    const progress = await fanOutProgress(deps.store, `${PARENT}-done`, clock);

    expect(fake.failureCalls).toHaveLength(1);
    expect(progress).toMatchObject({ state: 'COMPLETED', callbackSent: true, children: { succeeded: 1, stopped: 1 } });
    expect(progress.failedChildren).toEqual([
      expect.objectContaining({ name: 'child-item-2', status: 'Stopped', failureReason: 'not recorded (see the child execution)' }),
    ]);
    expect(progress.summary).toMatch(/^COMPLETED: 2 of 2 children ended .*; callback sent$/);
  });

  it('reports a stopped fan-out with its cancelled children', async () => {
    fake.options.concurrencyQuota = 1;
    await begin(`${PARENT}-stop`, ['a', 'b', 'c']);
    await handleFanInMessage(deps, { token: 'tok-x-stop', pipelineExecutionArn: `${PARENT}-stop`, status: 'Stopping' });

    const progress = await fanOutProgress(deps.store, `${PARENT}-stop`, clock);

    expect(progress).toMatchObject({ state: 'STOPPED', callbackSent: true, children: { running: 1, cancelled: 2, pending: 0 } });
    expect(progress.summary).toMatch(/2 cancelled.*stopped: failure callback sent$/);
  });

  it('records why a child failed when its start was refused, or the sweep found it gone', async () => {
    fake.options.concurrencyQuota = 1;
    await begin(`${PARENT}-gone`, ['a', 'b']);
    const [first] = executions();
    fake.executions.delete(first?.arn ?? '');
    fake.pipelines.delete('child');
    fake.options.concurrencyQuota = 20;
    await sweepFanOuts(deps, { minAgeMs: 0, now: () => clock + MINUTE });

    const progress = await fanOutProgress(deps.store, `${PARENT}-gone`, clock);

    expect(progress.failedChildren?.map((c) => [c.id, c.failureReason])).toEqual([
      [0, expect.stringMatching(/^execution not found/)],
      [1, expect.stringMatching(/^StartPipelineExecution refused: .*does not exist/)],
    ]);
  });

  it('answers found: false for an execution with no fan-out', async () => {
    expect(await fanOutProgress(deps.store, `${PARENT}-none`, clock)).toEqual({
      summary: 'no fan-out recorded for this execution (wrong ARN, stage or region?)',
      parentExecutionArn: `${PARENT}-none`,
      found: false,
    });
  });

  it('reads a fan-out of thousands of children with a few queries, listing at most 100 of each kind', async () => {
    const parent = `${PARENT}-big`;
    const total = 2000;
    await deps.store.create({ parentExecutionArn: parent, callbackToken: 'tok', total, pendingCount: total, failOnChildFailure: true, maxConcurrency: 10 });
    const children = Array.from({ length: total }, (_, id) => ({
      id,
      pipeline: 'child',
      pipelineName: 'child',
      itemIndex: id,
      displayName: `child-item-${id + 1}`,
      // About 600 bytes a child, as a child with a few parameters: more than one 1 MB page in all.
      parameters: [{ Name: 'item', Value: `item-${id}-${'x'.repeat(400)}` }],
      clientRequestToken: 't'.repeat(32),
    }));
    for (let i = 0; i < total; i += 200) await Promise.all(children.slice(i, i + 200).map((c) => deps.store.putChild(parent, c)));
    const fail = async (c: (typeof children)[number]) => {
      await deps.store.markStarted(parent, c, `arn:aws:sagemaker:us-east-1:111122223333:pipeline/child/execution/x${c.id}`);
      await deps.store.recordEnd(parent, c, 'Failed', `reason ${c.id}`);
    };
    for (let i = 0; i < 150; i += 50) await Promise.all(children.slice(i, i + 50).map(fail));

    const progress = await fanOutProgress(deps.store, parent, clock);

    expect(progress.children).toMatchObject({ failed: 150, pending: 1850 });
    expect(progress.failedChildren).toHaveLength(MAX_LISTED_CHILDREN);
    expect(progress.pendingChildren).toHaveLength(MAX_LISTED_CHILDREN);
    expect(progress.notListed).toEqual({ failed: 50, pending: 1750 });
    // One GetItem and Query pages of 1 MB: the read grows with the children's size, never a scan.
    expect(progress.reads?.queries).toBe(2);
    expect(progress.failedChildren?.[0]).toMatchObject({ id: 0, failureReason: 'reason 0' });
    // About 0.5 read unit per 4 KB read (eventually consistent): 2,000 children of 600 bytes, about 150.
    expect(progress.reads?.capacityUnits).toBeGreaterThan(100);
    expect(progress.reads?.capacityUnits).toBeLessThan(200);
  }, 120_000);

  it('emits children started, ended and failed as they happen, once each', async () => {
    const emitted = jest.spyOn(metrics, 'addMetric');
    try {
      await begin(`${PARENT}-metrics`, ['a', 'b', 'c']);
      const [first, second, third] = executions();
      await end(first?.arn ?? '', 'Succeeded');
      await end(second?.arn ?? '', 'Failed', 'boom');
      await end(second?.arn ?? '', 'Failed', 'boom');
      await end(third?.arn ?? '', 'Stopped');
      const count = (name: string) => emitted.mock.calls.filter(([n]) => n === name).reduce((sum, [, , v]) => sum + v, 0);
      expect([count(Metric.FanOutChildrenStarted), count(Metric.FanOutChildrenEnded), count(Metric.FanOutChildrenFailed)]).toEqual([3, 3, 2]);
    } finally {
      emitted.mockRestore();
    }
  });

  it('counts running, stalled, pending and running children over every running fan-out', async () => {
    fake.options.concurrencyQuota = 2;
    await begin(`${PARENT}-old`, ['a', 'b', 'c']);
    clock += 10 * MINUTE;
    fake.options.concurrencyQuota = 20;
    await begin(`${PARENT}-new`, ['a', 'b']);
    const [, , newFirst] = executions();
    clock += 5 * MINUTE;
    await end(newFirst?.arn ?? '', 'Succeeded');
    await begin(`${PARENT}-end`, ['a']);
    const [, , , , endOnly] = executions();
    await end(endOnly?.arn ?? '', 'Succeeded');

    // 12 minutes without an end is stalled: the first fan-out (15 min, no end) is; the second ended a child 0 min ago.
    const census = await fanOutCensus(deps.store, { now: clock, stalledAfterMs: 12 * MINUTE });

    expect(census).toEqual({ running: 2, stalled: [`${PARENT}-old`], childrenPending: 1, childrenRunning: 3 });
  });

  it('calls a fan-out stalled only with children left and no end for longer than the limit', () => {
    const header: FanInHeader = {
      parentExecutionArn: PARENT,
      callbackToken: 't',
      state: 'RUNNING',
      total: 2,
      endedCount: 1,
      succeeded: 1,
      failed: 0,
      stopped: 0,
      pendingCount: 0,
      failOnChildFailure: true,
      maxConcurrency: 10,
      failedChildren: [],
      createdAt: '2026-06-01T00:00:00.000Z',
      lastEndedAt: '2026-06-01T05:00:00.000Z',
    };
    const at = (iso: string) => Date.parse(iso);
    expect(isStalled(header, at('2026-06-01T05:59:00Z'), 60 * MINUTE)).toBe(false);
    expect(isStalled(header, at('2026-06-01T06:01:00Z'), 60 * MINUTE)).toBe(true);
    expect(isStalled({ ...header, endedCount: 2 }, at('2026-06-02T00:00:00Z'), 60 * MINUTE)).toBe(false);
    const { lastEndedAt: _, ...neverEnded } = header;
    expect(isStalled(neverEnded, at('2026-06-01T01:01:00Z'), 60 * MINUTE)).toBe(true);
  });
});
