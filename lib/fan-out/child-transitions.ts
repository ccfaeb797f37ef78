/**
 * The transitions of a fan-out's children: pending children start as the quota allows, a child's end
 * is counted once (and hands its place to a pending child), and the last end completes the fan-out.
 */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { describeError } from '../core/errors';
import { Metric } from '../core/metric-names';
import { logger, metrics, MetricUnit } from '../core/powertools';
import { completeFanOut } from './completion';
import type { FanInDeps } from './fan-in-deps';
import { failedChildEntry, isCallbackDue, isEndStatus, namesFailure, type ChildLookup, type EndStatus, type FanInHeader } from './fan-in-state';
import type { ChildStart } from './plan';
import { describeExecution, errorName, executionStatus, isPermanentError, stopChildExecution } from './sagemaker';
import { handOffSlot } from './slot-hand-off';
import { startChildExecutions } from './start-children';

/** PENDING children read a page at a time from the pending index by the queue's resume. */
const PENDING_PAGE = 100;

/**
 * Starts the fan-out's PENDING children, deferring on the quota. Only the queue path reschedules
 * (one resume chain per fan-out); the sweep just uses the capacity that ends freed.
 */
export async function startPendingChildren(deps: FanInDeps, header: FanInHeader, options: { scheduleResume: boolean }): Promise<void> {
  const parent = header.parentExecutionArn;
  // Every child ended but the callback was not sent: the send failed inside a start's onStarted, where
  // the error only counts as a child failure, so this retry (the resume message) must send it.
  if (header.state === 'RUNNING' && header.endedCount >= header.total) {
    await completeFanOut(deps, header);
    return;
  }
  let started = 0;
  let retryable = 0;
  // The pending index gives a page of PENDING children at a time.
  for (;;) {
    const pending = await deps.store.pendingChildren(parent, PENDING_PAGE);
    if (pending.length === 0) break;
    const result = await startChildExecutions(deps, pending, {
      remainingTimeMs: deps.remainingTimeMs,
      maxConcurrency: header.maxConcurrency,
      onQuota: 'defer',
      onStarted: async (child, executionArn) => {
        const moved = await deps.store.markStarted(parent, child, executionArn, { fanOutSize: header.total });
        if (moved) metrics.addMetric(Metric.FanOutChildrenStarted, MetricUnit.Count, 1);
        await afterStart(deps, parent, child, executionArn, moved);
        return moved;
      },
    });
    started += result.started.filter((s) => s.moved !== false).length;
    retryable += result.pending.length;
    for (const { child, error } of result.failed) {
      // The API refused this request, or its pipeline is gone: retrying cannot help (a resume message
      // every minute until the parent's 672-hour limit), so it counts as a failed child.
      if (isPermanentError(error)) {
        logger.error('child refused by StartPipelineExecution', { parent, child: child.displayName, error: describeError(error) });
        await recordChildEnd(deps, parent, child, 'Failed', `StartPipelineExecution refused: ${describeError(error)}`);
      } else {
        logger.warn('child start failed, will retry', { parent, child: child.displayName, error: describeError(error) });
        retryable += 1;
      }
    }
    // Deferred (quota, time) or failed: the rest waits for the next end, resume or sweep.
    if (result.pending.length > 0 || result.failed.length > 0) break;
  }
  logger.info('started pending children', { parent, started, stillPending: retryable });
  if (retryable > 0 && options.scheduleResume) await deps.scheduleResume?.(parent);
}

/**
 * After a start: a child the Stopping message cancelled while its start was in flight is stopped; a
 * child whose end event came before its lookup item existed (a crash, a redelivery) is counted now.
 */
async function afterStart(deps: FanInDeps, parent: string, child: ChildStart, executionArn: string, moved: boolean): Promise<void> {
  if (!moved && (await deps.store.getChild(parent, child.id))?.status === 'CANCELLED') {
    await stopChildExecution(deps.sageMaker, executionArn);
    return;
  }
  // Not found, moments after its start returned it: a lagging read, not a failed child (the sweep checks later).
  const status = await executionStatus(deps.sageMaker, executionArn).catch((error: unknown) => {
    if (errorName(error) === 'ResourceNotFound') return undefined;
    throw error;
  });
  if (isEndStatus(status)) await recordChildEnd(deps, parent, child, status);
}

/** Counts a child's end once and, when it was the last, sends the callback (exactly once). True when this call counted it. */
export async function recordChildEnd(
  deps: FanInDeps,
  parent: string,
  child: { id: number; displayName: string },
  status: EndStatus,
  failureReason?: string,
  options: { childWritten?: boolean; startedOne?: boolean } = {},
): Promise<boolean> {
  let counted = await deps.store.recordEnd(parent, child, status, failureReason, options);
  if (counted) {
    metrics.addMetric(Metric.FanOutChildrenEnded, MetricUnit.Count, 1);
    // Stopped counts with Failed, as in the callback's `failed` output.
    if (status !== 'Succeeded') metrics.addMetric(Metric.FanOutChildrenFailed, MetricUnit.Count, 1);
    // A second write, for the first failures only.
    if (namesFailure(counted, status)) counted = (await deps.store.nameFailedChild(parent, failedChildEntry(child))) ?? counted;
  }
  const header = counted ?? (await deps.store.get(parent));
  if (!counted) logger.debug('child end already counted', { parent, child: child.displayName, status });
  // COMPLETING too: the claim itself refuses a live claim and takes over one a crashed invocation left.
  if (header && isCallbackDue(header)) await completeFanOut(deps, header);
  return counted !== undefined;
}

/**
 * A child's terminal status event: count it and hand the capacity it freed to the next pending child.
 * A child's end costs five DynamoDB requests with the next start: the lookup, one Query of the index,
 * one BatchWriteItem (the ended child's item, the started child's lookup), the started child's move,
 * and one header write counting both.
 */
export async function childEnded(deps: FanInDeps, found: ChildLookup, childExecutionArn: string, status: EndStatus): Promise<void> {
  const parent = found.parentExecutionArn;
  // The status event carries no failure reason: read it (best effort) so the progress report can show it.
  const failureReason = status === 'Failed' ? await failureReasonOf(deps.sageMaker, childExecutionArn) : undefined;
  const ended = { record: found.record, status, ...(failureReason === undefined ? {} : { failureReason }) };
  const next = await handOffSlot(deps, parent, ended, childExecutionArn, found.fanOutSize, (child, executionArn) =>
    afterStart(deps, parent, child, executionArn, false),
  );
  const child = { id: found.childId, displayName: found.displayName };
  await recordChildEnd(deps, parent, child, status, failureReason, { childWritten: true, startedOne: next !== undefined });
  if (next) await afterStart(deps, parent, next.child, next.executionArn, true);
}

/** SageMaker's FailureReason of a failed execution; undefined when it cannot be read (never fails the caller). */
async function failureReasonOf(sageMaker: SageMakerClient, executionArn: string): Promise<string | undefined> {
  try {
    return (await describeExecution(sageMaker, executionArn)).failureReason;
  } catch (error) {
    logger.warn('could not read the failure reason of a failed child', { childExecutionArn: executionArn, error: describeError(error) });
    return undefined;
  }
}
