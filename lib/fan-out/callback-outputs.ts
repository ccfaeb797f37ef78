/**
 * What the fan-in's one callback carries (pure): the outputs of SendPipelineExecutionStepSuccess, or
 * the FailureReason of SendPipelineExecutionStepFailure, for each way a fan-out ends.
 */
import { describeError } from '../core/errors';
import { MAX_OUTPUT_VALUE_LENGTH } from '../lambda-step/outputs';
import { failedChildNames, hasTolerance, toleranceExceeded, type FanInHeader } from './fan-in-state';

/** SendPipelineExecutionStepFailure's FailureReason limit (sagemaker.ts cuts to it). */
export const MAX_FAILURE_REASON = 256;

/** The parent step's end: success with its outputs, or failure with its reason. */
export type StepCallback = { outcome: 'success'; outputs: Record<string, string> } | { outcome: 'failure'; reason: string };

/**
 * The callback outputs: counts, the failed children's display names as a JSON string when it fits an
 * output value (1024 characters), the results object (`""` when not asked) and the retries sent.
 */
export function fanInOutputs(header: FanInHeader, resultsS3Uri = ''): Record<string, string> {
  const listed = failedChildNames(header);
  const names = JSON.stringify(listed);
  // The header names the first MAX_FAILED_LISTED failures only; the child items (fanOutProgress) hold them all.
  const fits = names.length <= MAX_OUTPUT_VALUE_LENGTH && listed.length >= header.failed + header.stopped;
  return {
    total: String(header.total),
    succeeded: String(header.succeeded),
    failed: String(header.failed + header.stopped),
    stopped: String(header.stopped),
    failedChildren: fits ? names : '',
    failedChildrenTruncated: String(!fits),
    resultsS3Uri,
    retried: String(header.retried ?? 0),
  };
}

/** The tolerance as the failure reason says it. */
const toleranceText = (header: FanInHeader): string => {
  const { toleratedFailureCount: count, toleratedFailurePercentage: percentage } = header.policy ?? {};
  return [count === undefined ? '' : `${count}`, percentage === undefined ? '' : `${percentage}%`].filter(Boolean).join(' or ');
};

/**
 * The fan-out's outcome. With a tolerance: failure as soon as failed + stopped exceed it, success
 * otherwise. Without: when every child ended, failure if some failed or stopped and
 * `failOnChildFailure`, success with the outputs otherwise.
 */
export function completionCallback(header: FanInHeader, resultsS3Uri = ''): StepCallback {
  const notSucceeded = header.failed + header.stopped;
  if (hasTolerance(header)) {
    if (!toleranceExceeded(header)) return { outcome: 'success', outputs: fanInOutputs(header, resultsS3Uri) };
    const ended = `${header.endedCount} ended`;
    return {
      outcome: 'failure',
      reason: `tolerated failures exceeded: ${notSucceeded} of ${header.total} child executions failed or stopped (tolerated: ${toleranceText(header)}; ${ended}): ${failedChildNames(header).join(', ')}`,
    };
  }
  if (notSucceeded > 0 && header.failOnChildFailure) {
    return { outcome: 'failure', reason: `${notSucceeded} of ${header.total} child executions failed or stopped: ${failedChildNames(header).join(', ')}` };
  }
  return { outcome: 'success', outputs: fanInOutputs(header, resultsS3Uri) };
}

/** The parent is stopping: what its children became. */
export const stoppingCallback = (stopped: number, cancelled: number): StepCallback => ({
  outcome: 'failure',
  reason: `parent execution stopping: stopped ${stopped} running children, ${cancelled} never started`,
});

/** A retried parent (new token) whose fan-out stopped earlier. */
export const stoppedEarlierCallback: StepCallback = {
  outcome: 'failure',
  reason: 'fan-out stopped earlier with the parent execution: its children were stopped or never started',
};

/** Arguments no retry can fix: the error's message, which names the field. */
export const refusalCallback = (error: Error): StepCallback => ({ outcome: 'failure', reason: error.message });

/** The last delivery of the parent's message failed too: what failed, and where the message went (said first, as the reason is cut to 256). */
export const deadLetterCallback = (error: unknown, deliveries: number): StepCallback => ({
  outcome: 'failure',
  reason: `fan-out message dead-lettered after ${deliveries} deliveries: ${describeError(error)}`,
});
