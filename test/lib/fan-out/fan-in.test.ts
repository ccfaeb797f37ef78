import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { startPendingChildren } from '../../../lib/fan-out/child-transitions';
import { claimFanOut } from '../../../lib/fan-out/completion';
import { handleFanInMessage, onChildExecutionEnd } from '../../../lib/fan-out/fan-in';
import type { FanInDeps } from '../../../lib/fan-out/fan-in-deps';
import { FanInStore } from '../../../lib/fan-out/fan-in-store';
import { CLAIM_LEASE_MS } from '../../../lib/fan-out/timing';
import { startDynalite, type LocalDynamo } from '../../../doubles/dynalite';
import { apiError, FakeSageMaker, mockSageMaker, type SageMakerMock } from '../../../doubles/fake-sagemaker';

const PARENT = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent/execution/parent0001';
const TABLE = 'fan-out-test';

describe('fan-in', () => {
  let dynamo: LocalDynamo;
  let fake: FakeSageMaker;
  let mock: SageMakerMock;
  let deps: FanInDeps;
  let resumes: string[];
  let run = 0;
  let parent: string;

  beforeAll(async () => {
    dynamo = await startDynalite(TABLE);
  });
  afterAll(() => dynamo.close());

  beforeEach(() => {
    fake = new FakeSageMaker({ concurrencyQuota: 20 });
    fake.addPipeline('child', ['item']);
    mock = mockSageMaker(fake);
    resumes = [];
    run += 1;
    parent = `${PARENT}-${run}`;
    deps = {
      sageMaker: new SageMakerClient({}),
      store: new FanInStore(dynamo.doc, TABLE),
      scheduleResume: async (p) => void resumes.push(p),
      remainingTimeMs: () => 60_000,
    };
  });
  afterEach(() => mock.restore());

  const begin = (args: Record<string, unknown> = {}) =>
    handleFanInMessage(deps, { token: 'cbtoken001', pipelineExecutionArn: parent, arguments: { pipelines: 'child', items: '["a","b","c"]', ...args } });
  const arns = () => [...fake.executions.values()].map((e) => e.arn);

  it('starts one child per item and records each child for lookup', async () => {
    await begin();
    expect(fake.executions.size).toBe(3);
    const header = await deps.store.get(parent);
    expect(header).toMatchObject({ state: 'RUNNING', total: 3, endedCount: 0, pendingCount: 0 });
    expect(await deps.store.lookup(arns()[0] ?? '')).toMatchObject({ parentExecutionArn: parent, childId: 0, displayName: 'child-item-1' });
  });

  it('starts nothing twice when the message is delivered again', async () => {
    await begin();
    await begin();
    expect(fake.executions.size).toBe(3);
    expect(fake.startCalls).toBe(3);
  });

  it('sends success once after the last child ends, with counts', async () => {
    await begin();
    for (const arn of arns()) {
      fake.end(arn, 'Succeeded');
      await onChildExecutionEnd(deps, arn, 'Succeeded');
    }
    expect(fake.successCalls).toHaveLength(1);
    const outputs = Object.fromEntries((fake.successCalls[0]?.OutputParameters ?? []).map((o) => [o.Name, o.Value]));
    expect(outputs).toMatchObject({ total: '3', succeeded: '3', failed: '0', failedChildren: '[]' });
    expect(fake.successCalls[0]?.CallbackToken).toBe('cbtoken001');
    expect(fake.successCalls[0]?.ClientRequestToken).toMatch(/^[0-9a-f]{64}$/);
    expect((await deps.store.get(parent))?.state).toBe('COMPLETED');
  });

  it('counts duplicate and out-of-order events once', async () => {
    await begin();
    const [a, b, c] = arns();
    await onChildExecutionEnd(deps, a ?? '', 'Failed');
    await onChildExecutionEnd(deps, a ?? '', 'Failed');
    // A late "Stopped" for an execution whose end was already counted changes nothing.
    await onChildExecutionEnd(deps, a ?? '', 'Stopped');
    await onChildExecutionEnd(deps, b ?? '', 'Succeeded');
    expect(fake.successCalls.length + fake.failureCalls.length).toBe(0);
    expect(await deps.store.get(parent)).toMatchObject({ endedCount: 2, failed: 1, stopped: 0, succeeded: 1 });
    await onChildExecutionEnd(deps, c ?? '', 'Succeeded');
    await onChildExecutionEnd(deps, c ?? '', 'Succeeded');
    expect(fake.failureCalls).toHaveLength(1);
    expect(fake.failureCalls[0]?.FailureReason).toBe('1 of 3 child executions failed or stopped: child-item-1');
    expect(fake.successCalls).toHaveLength(0);
  });

  it('reports success with the failed children when failOnChildFailure is false', async () => {
    await begin({ failOnChildFailure: 'false' });
    const [a, b, c] = arns();
    await onChildExecutionEnd(deps, a ?? '', 'Succeeded');
    await onChildExecutionEnd(deps, b ?? '', 'Stopped');
    await onChildExecutionEnd(deps, c ?? '', 'Failed');
    const outputs = Object.fromEntries((fake.successCalls[0]?.OutputParameters ?? []).map((o) => [o.Name, o.Value]));
    expect(outputs).toMatchObject({ total: '3', succeeded: '1', failed: '2', stopped: '1', failedChildren: '["child-item-2","child-item-3"]' });
  });

  it('sends exactly once when the last two children end at the same time', async () => {
    await begin();
    const [a, b, c] = arns();
    await onChildExecutionEnd(deps, a ?? '', 'Succeeded');
    await Promise.all([onChildExecutionEnd(deps, b ?? '', 'Succeeded'), onChildExecutionEnd(deps, c ?? '', 'Succeeded')]);
    expect(fake.successCalls).toHaveLength(1);
  });

  it('ignores executions that are not fan-out children', async () => {
    expect(await onChildExecutionEnd(deps, 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/other/execution/x', 'Succeeded')).toBe('ignored');
  });

  it('stops running children and reports failure once on a Stopping message', async () => {
    await begin();
    const [a] = arns();
    fake.end(a ?? '', 'Succeeded');
    await onChildExecutionEnd(deps, a ?? '', 'Succeeded');
    const stopping = { token: 'cbtoken001', pipelineExecutionArn: parent, status: 'Stopping' as const };
    await Promise.all([handleFanInMessage(deps, stopping), handleFanInMessage(deps, stopping)]);
    expect(fake.stopCalls).toHaveLength(2);
    expect(fake.failureCalls).toHaveLength(1);
    expect(fake.failureCalls[0]?.FailureReason).toBe('parent execution stopping: stopped 2 running children, 0 never started');
    // The children's Stopped events arrive afterwards: no second callback.
    for (const e of fake.running()) await onChildExecutionEnd(deps, e.arn, 'Stopped');
    expect(fake.failureCalls).toHaveLength(1);
    expect(fake.successCalls).toHaveLength(0);
  });

  it('refuses to start after a Stopping message that came first', async () => {
    await handleFanInMessage(deps, { token: 'cbtoken001', pipelineExecutionArn: parent, status: 'Stopping' });
    await begin();
    expect(fake.executions.size).toBe(0);
    expect(fake.failureCalls).toHaveLength(1);
  });

  it('starts nothing when the start message comes while a Stopping message that came first is being retried', async () => {
    const send = fake.sendStepFailure.bind(fake);
    let failures = 1;
    fake.sendStepFailure = async (input) => {
      if (failures-- > 0) throw apiError('InternalFailure', 'try again', 500);
      return send(input);
    };
    const stopping = { token: 'cbtoken001', pipelineExecutionArn: parent, status: 'Stopping' as const };
    await expect(handleFanInMessage(deps, stopping)).rejects.toMatchObject({ name: 'InternalFailure' });
    await begin();
    expect(fake.executions.size).toBe(0);
    expect(fake.successCalls).toHaveLength(0);
    await handleFanInMessage(deps, stopping);
    expect(fake.failureCalls).toHaveLength(1);
    expect((await deps.store.get(parent))?.state).toBe('STOPPED');
  });

  it('closes the fan-out when SageMaker refuses its callback for good, instead of retrying it forever', async () => {
    await begin({ items: '["a"]' });
    const [a] = arns();
    fake.sendStepSuccess = async () => {
      throw apiError('ResourceNotFound', 'Pipeline execution does not exist');
    };
    fake.end(a ?? '', 'Succeeded');
    await expect(onChildExecutionEnd(deps, a ?? '', 'Succeeded')).resolves.toBe('recorded');
    expect((await deps.store.get(parent))?.state).toBe('COMPLETED');

    const other = `${parent}-stop`;
    await handleFanInMessage(deps, { token: 'cbtoken009', pipelineExecutionArn: other, arguments: { pipelines: 'child', items: '["b"]' } });
    fake.sendStepFailure = async () => {
      throw apiError('ValidationException', 'Invalid callback token');
    };
    await handleFanInMessage(deps, { token: 'cbtoken009', pipelineExecutionArn: other, status: 'Stopping' });
    expect((await deps.store.get(other))?.state).toBe('STOPPED');
  });

  it('stops a child whose start was in flight when the Stopping message cancelled it', async () => {
    const stopping = { token: 'cbtoken001', pipelineExecutionArn: parent, status: 'Stopping' as const };
    const start = fake.startPipelineExecution.bind(fake);
    let stopped = false;
    // The parent stops while StartPipelineExecution is in flight: the child is still PENDING, so it is cancelled.
    fake.startPipelineExecution = async (input) => {
      if (!stopped) {
        stopped = true;
        await handleFanInMessage(deps, stopping);
      }
      return start(input);
    };
    await begin({ items: '["a"]' });
    expect(fake.executions.size).toBe(1);
    expect(fake.running().every((e) => e.status === 'Stopping')).toBe(true);
    expect(fake.failureCalls).toHaveLength(1);
  });

  it('stops a child that was marked started between the Stopping message reading it and cancelling it', async () => {
    const store = deps.store;
    const child = { id: 0, pipeline: 'child', pipelineName: 'child', itemIndex: 0, displayName: 'child-item-1', parameters: [{ Name: 'item', Value: 'a' }], clientRequestToken: 'x'.repeat(64) };
    await store.create({ parentExecutionArn: parent, callbackToken: 'cbtoken001', total: 1, pendingCount: 1, failOnChildFailure: true, maxConcurrency: 10 });
    await store.putChild(parent, child);
    const running = await store.get(parent);
    if (!running) throw new Error('no header');
    const cancel = store.cancel.bind(store);
    // An invocation that read the fan-out as RUNNING starts the child after the Stopping message read it
    // as PENDING, and before it cancels it.
    store.cancel = async (p, id) => {
      await startPendingChildren(deps, running, { scheduleResume: false });
      return cancel(p, id);
    };
    await handleFanInMessage(deps, { token: 'cbtoken001', pipelineExecutionArn: parent, status: 'Stopping' });
    expect(fake.executions.size).toBe(1);
    expect(fake.running().every((e) => e.status === 'Stopping')).toBe(true);
    expect(fake.failureCalls).toHaveLength(1);
  });

  it('keeps quota-limited children pending and starts them as children end, never twice', async () => {
    fake.options.concurrencyQuota = 2;
    await begin({ items: '["a","b","c","d","e"]' });
    expect(fake.executions.size).toBe(2);
    expect(resumes).toEqual([parent]);
    expect(await deps.store.get(parent)).toMatchObject({ pendingCount: 3 });
    // Each child's end frees a slot that the status function fills with a pending child.
    for (let i = 0; i < 10 && fake.running().length > 0; i += 1) {
      const [first] = fake.running();
      fake.end(first?.arn ?? '', 'Succeeded');
      await onChildExecutionEnd(deps, first?.arn ?? '', 'Succeeded');
    }
    expect(fake.executions.size).toBe(5);
    expect(new Set([...fake.executions.values()].map((e) => e.displayName)).size).toBe(5);
    expect(fake.successCalls).toHaveLength(1);
    expect(fake.successCalls[0]?.OutputParameters).toContainEqual({ Name: 'total', Value: '5' });
  });

  it('starts pending children from the resume message when other pipelines freed the quota', async () => {
    fake.options.concurrencyQuota = 2;
    await begin({ items: '["a","b","c"]' });
    fake.options.concurrencyQuota = 10;
    await handleFanInMessage(deps, { resumeFanOut: parent });
    expect(fake.executions.size).toBe(3);
    expect(resumes).toEqual([parent]);
    expect(await deps.store.get(parent)).toMatchObject({ pendingCount: 0 });
  });

  it('counts pending children as failed, rather than resuming forever, when their pipeline was deleted meanwhile', async () => {
    fake.options.concurrencyQuota = 1;
    await begin({ items: '["a","b"]' });
    expect(resumes).toEqual([parent]);
    fake.pipelines.delete('child');
    fake.options.concurrencyQuota = 10;
    await handleFanInMessage(deps, { resumeFanOut: parent });
    expect(resumes).toEqual([parent]);
    expect(await deps.store.get(parent)).toMatchObject({ endedCount: 1, failed: 1 });
    const [first] = arns();
    fake.end(first ?? '', 'Succeeded');
    await onChildExecutionEnd(deps, first ?? '', 'Succeeded');
    expect(fake.failureCalls[0]?.FailureReason).toBe('1 of 2 child executions failed or stopped: child-item-2');
  });

  it('fails the parent step at once for arguments no retry can fix', async () => {
    await begin({ pipelines: 'missing' });
    expect(fake.failureCalls[0]?.FailureReason).toBe('pipelines: pipeline missing does not exist');
    await handleFanInMessage(deps, { token: 't2', pipelineExecutionArn: parent, arguments: { pipelines: 'child' } });
    expect(fake.failureCalls[1]?.FailureReason).toMatch(/^Invalid input: items: required/);
  });

  it('fails the parent step, naming the field, for hostile arguments, and escapes them in the FailureReason', async () => {
    await begin({ items: '[{"__proto__": {"x": 1}, "Region": "eu"}]' });
    expect(fake.failureCalls[0]?.FailureReason).toBe(
      'Invalid input: items[0].__proto__: refused key (JavaScript objects cannot hold "__proto__" as data)',
    );
    await handleFanInMessage(deps, { token: 't2', pipelineExecutionArn: parent, arguments: { pipelines: 'a\nb\u001b[2J', items: '["a"]' } });
    expect(fake.failureCalls[1]?.FailureReason).toBe('pipelines[0]: "a\\nb\\u001b[2J" is neither a pipeline name nor a pipeline ARN');
    expect(fake.startCalls).toBe(0);
  });

  it('retries the callback when sending it failed after counting a child that ended before its start was recorded', async () => {
    fake.options.concurrencyQuota = 10;
    await begin({ items: '["a"]' });
    const [a] = arns();
    fake.end(a ?? '', 'Succeeded');
    const other = `${parent}-crash`;
    const send = fake.sendStepSuccess.bind(fake);
    let failures = 1;
    fake.sendStepSuccess = async (input) => {
      if (failures-- > 0) throw apiError('InternalFailure', 'try again', 500);
      return send(input);
    };
    const message = { token: 'cbtoken002', pipelineExecutionArn: other, arguments: { pipelines: 'child', items: '["a"]', parentExecutionArn: parent } };
    // Whatever the consumer asks for next (the message again after an error, or its resume message) must send the callback.
    const redeliver = await handleFanInMessage(deps, message).then(
      () => false,
      () => true,
    );
    if (redeliver) await handleFanInMessage(deps, message);
    for (const p of resumes.splice(0)) await handleFanInMessage(deps, { resumeFanOut: p });
    expect(fake.successCalls.map((c) => c.CallbackToken)).toEqual(['cbtoken002']);
    expect((await deps.store.get(other))?.state).toBe('COMPLETED');
  });

  it('takes over a completion claim abandoned by a crashed invocation once it expires', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    deps.store = new FanInStore(dynamo.doc, TABLE, () => now);
    await begin({ items: '["a"]' });
    const [a] = arns();
    fake.end(a ?? '', 'Succeeded');
    // The invocation that counted the last end claimed the callback and then died before sending it.
    await deps.store.recordEnd(parent, { id: 0, displayName: 'child-item-1' }, 'Succeeded');
    expect(await claimFanOut(deps, parent, 'COMPLETING', { allEnded: true })).toBe(true);
    // Within the lease the claim may still be live: the replayed end event leaves it alone.
    now += CLAIM_LEASE_MS - 1_000;
    await onChildExecutionEnd(deps, a ?? '', 'Succeeded');
    expect(fake.successCalls).toHaveLength(0);
    // Lambda's second asynchronous retry comes about 3 minutes after the first failure: past the lease.
    now += 60_000;
    await onChildExecutionEnd(deps, a ?? '', 'Succeeded');
    expect(fake.successCalls).toHaveLength(1);
    expect((await deps.store.get(parent))?.state).toBe('COMPLETED');
  });

  it('redrives a completed fan-out when RetryPipelineExecution re-runs the parent: retries exactly the failed and stopped children, reports the new totals to the new token', async () => {
    await begin();
    const [a = '', b = '', c = ''] = arns();
    const end = async (arn: string, status: 'Succeeded' | 'Failed' | 'Stopped') => {
      fake.end(arn, status);
      await onChildExecutionEnd(deps, arn, status);
    };
    await end(a, 'Succeeded');
    await end(b, 'Failed');
    await end(c, 'Stopped');
    expect(fake.failureCalls.map((x) => x.CallbackToken)).toEqual(['cbtoken001']);
    // The retried parent execution (same ARN) runs the CallbackStep again, with a new token; its message twice.
    const again = () => handleFanInMessage(deps, { token: 'cbtoken002', pipelineExecutionArn: parent, arguments: { pipelines: 'child', items: '["a","b","c"]' } });
    await again();
    await again();
    // b resumed from its failed step (same ARN); c, Stopped, cannot be: a new start with a token of its own; a never runs again.
    expect(fake.retryCalls.map((x) => x.PipelineExecutionArn)).toEqual([b]);
    expect(fake.executions.size).toBe(4);
    const fresh = arns()[3] ?? '';
    expect(fake.executions.get(fresh)?.token).not.toBe(fake.executions.get(c)?.token);
    expect(fake.executions.get(a)?.attempts).toBe(1);
    await end(b, 'Succeeded');
    await end(fresh, 'Succeeded');
    expect(fake.successCalls.map((x) => x.CallbackToken)).toEqual(['cbtoken002']);
    const outputs = Object.fromEntries((fake.successCalls[0]?.OutputParameters ?? []).map((o) => [o.Name, o.Value]));
    expect(outputs).toMatchObject({ total: '3', succeeded: '3', failed: '0', stopped: '0', failedChildren: '[]', retried: '1', resultsS3Uri: '' });
  });

  it('sends the callback to the new token when RetryPipelineExecution re-runs a fan-out still running', async () => {
    await begin();
    const [a, b, c] = arns();
    await onChildExecutionEnd(deps, a ?? '', 'Succeeded');
    // Another step failed the parent meanwhile; its retry runs the CallbackStep again, with a new token.
    await handleFanInMessage(deps, { token: 'cbtoken002', pipelineExecutionArn: parent, arguments: { pipelines: 'child', items: '["a","b","c"]' } });
    await onChildExecutionEnd(deps, b ?? '', 'Succeeded');
    await onChildExecutionEnd(deps, c ?? '', 'Succeeded');
    expect(fake.executions.size).toBe(3);
    expect(fake.successCalls.map((call) => call.CallbackToken)).toEqual(['cbtoken002']);
  });

  it('does not count a child as failed when its status reads as not found right after its start', async () => {
    const describe = fake.describePipelineExecution.bind(fake);
    fake.describePipelineExecution = async () => {
      fake.describePipelineExecution = describe;
      throw apiError('ResourceNotFound', 'Pipeline execution does not exist');
    };
    await begin({ items: '["a"]' });
    expect(await deps.store.get(parent)).toMatchObject({ state: 'RUNNING', endedCount: 0, failed: 0, pendingCount: 0 });
    expect(fake.failureCalls).toHaveLength(0);
  });

  it('counts a child that ended before its start was recorded', async () => {
    fake.options.concurrencyQuota = 10;
    await begin({ items: '["a"]' });
    // Simulate a crash before the record: the execution exists and ended, the record is PENDING again.
    const [a] = arns();
    fake.end(a ?? '', 'Succeeded');
    const other = `${parent}-crash`;
    await handleFanInMessage(deps, { token: 'cbtoken002', pipelineExecutionArn: other, arguments: { pipelines: 'child', items: '["a"]', parentExecutionArn: parent } });
    expect(fake.executions.size).toBe(1);
    expect(fake.successCalls.map((c) => c.CallbackToken)).toEqual(['cbtoken002']);
  });
});
