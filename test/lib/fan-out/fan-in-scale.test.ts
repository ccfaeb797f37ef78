import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { fanInOutputs } from '../../../lib/fan-out/callback-outputs';
import { handleFanInMessage, onChildExecutionEnd } from '../../../lib/fan-out/fan-in';
import type { FanInDeps } from '../../../lib/fan-out/fan-in-deps';
import { MAX_FAILED_LISTED } from '../../../lib/fan-out/fan-in-state';
import { FanInStore } from '../../../lib/fan-out/fan-in-store';
import { startDynalite, type LocalDynamo } from '../../../doubles/dynalite';
import { FakeSageMaker, mockSageMaker, type SageMakerMock } from '../../../doubles/fake-sagemaker';

const PARENT = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent/execution/scale';
const TABLE = 'fan-out-scale';

/** Counts the DynamoDB requests a client sends, by operation. */
function countRequests(dynamo: LocalDynamo): Map<string, number> {
  const counts = new Map<string, number>();
  dynamo.doc.middlewareStack.add(
    (next, context) => async (args) => {
      counts.set(context.commandName ?? '?', (counts.get(context.commandName ?? '?') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return counts;
}

describe('fan-in at scale', () => {
  let dynamo: LocalDynamo;
  let fake: FakeSageMaker;
  let mock: SageMakerMock;
  let deps: FanInDeps;
  let counts: Map<string, number>;
  let run = 0;
  let parent: string;

  beforeAll(async () => {
    dynamo = await startDynalite(TABLE);
    counts = countRequests(dynamo);
  });
  afterAll(() => dynamo.close());
  beforeEach(() => {
    fake = new FakeSageMaker({ concurrencyQuota: 3 });
    fake.addPipeline('child', ['item']);
    mock = mockSageMaker(fake);
    run += 1;
    parent = `${PARENT}-${run}`;
    deps = { sageMaker: new SageMakerClient({}), store: new FanInStore(dynamo.doc, TABLE), scheduleResume: async () => undefined, remainingTimeMs: () => 60_000 };
  });
  afterEach(() => mock.restore());

  const begin = (items: number) =>
    handleFanInMessage(deps, {
      token: 'cbtoken001',
      pipelineExecutionArn: parent,
      arguments: { pipelines: 'child', items: JSON.stringify(Array.from({ length: items }, (_, i) => `i${i}`)) },
    });
  const total = () => [...counts.values()].reduce((a, b) => a + b, 0);

  it("hands a child's end to exactly one pending child, in five DynamoDB requests", async () => {
    await begin(10);
    expect(fake.running()).toHaveLength(3);
    const [first] = fake.running();
    if (!first) throw new Error('no child running');
    fake.end(first.arn, 'Succeeded');
    counts.clear();
    await onChildExecutionEnd(deps, first.arn, 'Succeeded');
    expect(fake.running()).toHaveLength(3);
    expect(fake.executions.size).toBe(4);
    expect(Object.fromEntries(counts)).toEqual({ GetItemCommand: 1, QueryCommand: 1, BatchWriteItemCommand: 1, UpdateItemCommand: 2 });
    expect(total()).toBe(5);
    expect(await deps.store.get(parent)).toMatchObject({ endedCount: 1, pendingCount: 6 });
  });

  it('records the children in batches of 25 when the fan-out is new', async () => {
    counts.clear();
    await begin(60);
    expect(counts.get('BatchWriteItemCommand')).toBe(3);
    expect(counts.get('PutItemCommand') ?? 0).toBe(4); // the header, and the lookups of the 3 children started
  });

  it('runs every child once and completes once when ends race each other, duplicates included', async () => {
    await begin(40);
    for (let round = 0; round < 40 && fake.successCalls.length === 0; round += 1) {
      const running = fake.running();
      for (const e of running) fake.end(e.arn, 'Succeeded');
      // Every end at once, each delivered twice: concurrent hand-offs read the same candidates.
      await Promise.all(running.flatMap((e) => [onChildExecutionEnd(deps, e.arn, 'Succeeded'), onChildExecutionEnd(deps, e.arn, 'Succeeded')]));
    }
    const names = [...fake.executions.values()].map((e) => e.displayName);
    expect(new Set(names).size).toBe(40);
    expect(names).toHaveLength(40);
    expect(fake.successCalls).toHaveLength(1);
    expect(await deps.store.get(parent)).toMatchObject({ state: 'COMPLETED', endedCount: 40, pendingCount: 0 });
  });

  it(`names at most ${MAX_FAILED_LISTED} failed children in the header and flags the output as truncated`, async () => {
    fake = new FakeSageMaker({ concurrencyQuota: 1000 });
    fake.addPipeline('child', ['item']);
    mock.restore();
    mock = mockSageMaker(fake);
    await begin(MAX_FAILED_LISTED + 20);
    await Promise.all(fake.running().map((e) => (fake.end(e.arn, 'Failed'), onChildExecutionEnd(deps, e.arn, 'Failed'))));
    const header = await deps.store.get(parent);
    expect(header).toMatchObject({ failed: MAX_FAILED_LISTED + 20 });
    expect(header?.failedChildren).toHaveLength(MAX_FAILED_LISTED);
    expect(fanInOutputs({ ...header, failedChildren: header?.failedChildren.slice(0, 3) ?? [] } as never)).toMatchObject({
      failedChildren: '',
      failedChildrenTruncated: 'true',
    });
    // Every failed child is in the table (fanOutProgress reads them there).
    expect((await deps.store.children(parent)).filter((c) => c.status === 'Failed')).toHaveLength(MAX_FAILED_LISTED + 20);
  });

  it('records no child again when the CallbackStep message is delivered a second time', async () => {
    await begin(60);
    counts.clear();
    await begin(60);
    // The header's conditional create, refused; no child put, no batch.
    expect(counts.get('PutItemCommand')).toBe(1);
    expect(counts.get('BatchWriteItemCommand') ?? 0).toBe(0);
    expect(fake.executions.size).toBe(3);
  });

  it('loses and doubles no child when recording them crashes midway and the message is retried', async () => {
    let batches = 0;
    const crash = 'crashOnThirdBatch';
    dynamo.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'BatchWriteItemCommand' && (batches += 1) === 3) throw Object.assign(new Error('crash'), { name: 'InjectedCrash' });
        return next(args);
      },
      { step: 'initialize', name: crash },
    );
    try {
      await expect(begin(100)).rejects.toThrow('crash');
    } finally {
      dynamo.client.middlewareStack.remove(crash);
    }
    expect(fake.executions.size).toBe(0);
    await begin(100);
    expect(await deps.store.children(parent)).toHaveLength(100);
    for (let round = 0; round < 100 && fake.successCalls.length === 0; round += 1) {
      const running = fake.running();
      for (const e of running) fake.end(e.arn, 'Succeeded');
      await Promise.all(running.map((e) => onChildExecutionEnd(deps, e.arn, 'Succeeded')));
    }
    expect(new Set([...fake.executions.values()].map((e) => e.displayName)).size).toBe(100);
    expect(fake.executions.size).toBe(100);
    expect(fake.successCalls).toHaveLength(1);
  });
});
