/** The fan-out in progress that `scripts/local-fan-out-table.ts --sample` records, and the tests read. */
import type { FanInStore } from '../lib/fan-out/fan-in-store';

export const SAMPLE_FAILURE_REASON = 'ClientError: Failed to invoke sagemaker:CreateProcessingJob. Error Details: The role is not authorized.';

/** The sample fan-out, written through the store as the functions write it. */
export async function recordSampleFanOut(store: FanInStore, parent: string): Promise<void> {
  await store.create({ parentExecutionArn: parent, callbackToken: 'sample-token', total: 5, pendingCount: 5, failOnChildFailure: true, maxConcurrency: 3 });
  const children = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05'].map((day, id) => ({
    id,
    pipeline: 'child-pipeline',
    pipelineName: 'child-pipeline',
    itemIndex: id,
    displayName: `child-pipeline-item-${id + 1}`,
    parameters: [{ Name: 'ProcessingDate', Value: day }],
    clientRequestToken: `sample-token-${id}`,
  }));
  for (const child of children) await store.putChild(parent, child);
  const execution = (id: number) => `arn:aws:sagemaker:us-east-1:111122223333:pipeline/child-pipeline/execution/sample${id}`;
  for (const child of children.slice(0, 3)) await store.markStarted(parent, child, execution(child.id));
  const [first, second] = children;
  if (!first || !second) return;
  await store.recordEnd(parent, first, 'Succeeded');
  await store.recordEnd(parent, second, 'Failed', SAMPLE_FAILURE_REASON);
}

