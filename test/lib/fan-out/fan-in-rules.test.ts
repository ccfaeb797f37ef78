import { safeMessage } from '../../../lib/core/errors';
import { completionCallback, deadLetterCallback, MAX_FAILURE_REASON } from '../../../lib/fan-out/callback-outputs';
import { isLastDelivery } from '../../../lib/fan-out/fan-in';
import { abandonedClaimsBefore, endCounter, failedChildEntry, isEndStatus, MAX_FAILED_LISTED, namesFailure, type FanInHeader } from '../../../lib/fan-out/fan-in-state';
import { CLAIM_LEASE_MS, FAN_OUT_QUEUE_MAX_RECEIVE_COUNT } from '../../../lib/fan-out/timing';

const header = (counts: Partial<FanInHeader>): FanInHeader => ({
  parentExecutionArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/p/execution/x',
  callbackToken: 't',
  state: 'RUNNING',
  total: 3,
  endedCount: 3,
  succeeded: 0,
  failed: 0,
  stopped: 0,
  pendingCount: 0,
  failOnChildFailure: true,
  maxConcurrency: 10,
  failedChildren: [],
  ...counts,
});

describe('fan-in rules', () => {
  it('counts each end status on its own counter and knows no other status', () => {
    expect(['Succeeded', 'Failed', 'Stopped'].map((s) => isEndStatus(s) && endCounter(s))).toEqual(['succeeded', 'failed', 'stopped']);
    for (const other of ['Executing', 'Stopping', 'succeeded', '__proto__', 'toString', '', undefined]) expect(isEndStatus(other)).toBe(false);
  });

  it('names the first MAX_FAILED_LISTED failures in the header, and no success', () => {
    expect(namesFailure(header({ failed: MAX_FAILED_LISTED - 1, stopped: 1 }), 'Stopped')).toBe(true);
    expect(namesFailure(header({ failed: MAX_FAILED_LISTED, stopped: 1 }), 'Failed')).toBe(false);
    expect(namesFailure(header({ failed: 1 }), 'Succeeded')).toBe(false);
    expect(failedChildEntry({ id: 7, displayName: 'child-item-8' })).toBe('0007|child-item-8');
  });

  it('takes a claim as abandoned once it is older than the lease', () => {
    expect(abandonedClaimsBefore(1_000_000)).toBe(1_000_000 - CLAIM_LEASE_MS);
  });

  it('fails the step listing the failed children only when failOnChildFailure', () => {
    const failed = header({ succeeded: 2, failed: 1, failedChildren: ['0001|child-item-2'] });
    expect(completionCallback(failed)).toEqual({ outcome: 'failure', reason: '1 of 3 child executions failed or stopped: child-item-2' });
    expect(completionCallback({ ...failed, failOnChildFailure: false })).toMatchObject({ outcome: 'success', outputs: { failed: '1', failedChildren: '["child-item-2"]' } });
  });
});

describe('the last delivery', () => {
  it('is the delivery that reaches the queue\'s maxReceiveCount', () => {
    expect(isLastDelivery(FAN_OUT_QUEUE_MAX_RECEIVE_COUNT - 1)).toBe(false);
    expect(isLastDelivery(FAN_OUT_QUEUE_MAX_RECEIVE_COUNT)).toBe(true);
    expect(isLastDelivery(undefined)).toBe(false);
  });

  it('says the message was dead-lettered before the error, so the cut to 256 characters keeps it', () => {
    const reason = deadLetterCallback(new RangeError(`Maximum call stack size exceeded\n${'x'.repeat(500)}`), 5);
    if (reason.outcome !== 'failure') throw new Error('expected a failure');
    const sent = safeMessage(reason.reason, MAX_FAILURE_REASON);
    expect(sent).toMatch(/^fan-out message dead-lettered after 5 deliveries: RangeError: Maximum call stack size exceeded\\nx+…$/);
    expect(sent.length).toBe(MAX_FAILURE_REASON);
  });
});
