import { completionCallback, fanInOutputs } from '../../../lib/fan-out/callback-outputs';
import { isCallbackDue, toleranceExceeded, type FanInHeader } from '../../../lib/fan-out/fan-in-state';
import { resultLines } from '../../../lib/fan-out/results';

const header = (over: Partial<FanInHeader> = {}): FanInHeader => ({
  parentExecutionArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/p/execution/e1',
  callbackToken: 'token00001',
  state: 'RUNNING',
  total: 10,
  endedCount: 3,
  succeeded: 1,
  failed: 1,
  stopped: 1,
  pendingCount: 5,
  failOnChildFailure: true,
  maxConcurrency: 10,
  failedChildren: ['0001|c-1', '0002|c-2'],
  ...over,
});

describe('Distributed Map rules (pure)', () => {
  it('exceeds a tolerance only past it: count, percentage, either of both', () => {
    expect(toleranceExceeded(header())).toBe(false);
    expect(toleranceExceeded(header({ policy: { toleratedFailureCount: 2 } }))).toBe(false);
    expect(toleranceExceeded(header({ policy: { toleratedFailureCount: 1 } }))).toBe(true);
    expect(toleranceExceeded(header({ policy: { toleratedFailurePercentage: 20 } }))).toBe(false);
    expect(toleranceExceeded(header({ policy: { toleratedFailurePercentage: 19.9 } }))).toBe(true);
    expect(toleranceExceeded(header({ policy: { toleratedFailureCount: 5, toleratedFailurePercentage: 10 } }))).toBe(true);
  });

  it('makes the callback due before every child ended only when the tolerance is exceeded', () => {
    expect(isCallbackDue(header())).toBe(false);
    expect(isCallbackDue(header({ policy: { toleratedFailureCount: 1 } }))).toBe(true);
    expect(isCallbackDue(header({ policy: { toleratedFailureCount: 1 }, state: 'COMPLETED' }))).toBe(false);
  });

  it('succeeds within the tolerance whatever failOnChildFailure says, and fails past it with the counts', () => {
    const within = completionCallback(header({ endedCount: 10, succeeded: 8, policy: { toleratedFailureCount: 2 } }), 's3://b/r.jsonl');
    expect(within).toEqual({ outcome: 'success', outputs: expect.objectContaining({ failed: '2', resultsS3Uri: 's3://b/r.jsonl', retried: '0' }) });
    expect(completionCallback(header({ policy: { toleratedFailurePercentage: 10 } }))).toEqual({
      outcome: 'failure',
      reason: 'tolerated failures exceeded: 2 of 10 child executions failed or stopped (tolerated: 10%; 3 ended): c-1, c-2',
    });
  });

  it('keeps the existing outputs and adds resultsS3Uri ("" when not asked) and retried', () => {
    expect(fanInOutputs(header({ retried: 3 }))).toEqual({
      total: '10',
      succeeded: '1',
      failed: '2',
      stopped: '1',
      failedChildren: '["c-1","c-2"]',
      failedChildrenTruncated: 'false',
      resultsS3Uri: '',
      retried: '3',
    });
  });

  it('writes a line per child in id order, the item as given, attempts begun (none for a child never started)', () => {
    const base = { pipeline: 'p', pipelineName: 'p', parameters: [], clientRequestToken: 't'.repeat(32) };
    const text = resultLines([
      { ...base, id: 1, itemIndex: 1, displayName: 'p-item-2', status: 'CANCELLED', itemJson: '{"Region":"eu","N":12345678901234567890}' },
      { ...base, id: 0, itemIndex: 0, displayName: 'p-item-1', status: 'Failed', itemJson: '7', attempts: 2, executionArn: 'arn:x', failureReason: 'boom' },
    ]);
    expect(text.endsWith('\n')).toBe(true);
    expect(text).toContain('"N":12345678901234567890}');
    expect(text.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      { item: 7, pipeline: 'p', displayName: 'p-item-1', executionArn: 'arn:x', status: 'Failed', attempts: 2, failureReason: 'boom' },
      { item: expect.objectContaining({ Region: 'eu' }), pipeline: 'p', displayName: 'p-item-2', executionArn: null, status: 'CANCELLED', attempts: 0, failureReason: null },
    ]);
  });
});
