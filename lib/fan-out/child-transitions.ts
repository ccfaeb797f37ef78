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
import type { LookupHints } from './fan-in-store';
import {
  attemptsOf,
  failedChildEntry,
  hasTolerance,
  isCallbackDue,
  isEndStatus,
  namesFailure,
  toleranceExceeded,
  type ChildLookup,
  type EndStatus,
  type FanInHeader,
} from './fan-in-state';
import type { ChildStart } from './plan';
import { describeExecution, errorName, executionStatus, isPermanentError, isRetryRefused, retryExecution, stopChildExecution } from './sagemaker';
import { handOffSlot } from './slot-hand-off';
import { isQuotaError, startChildExecutions } from './start-children';
import { childRetryToken } from './tokens';

/** What a started child's lookup item carries of its fan-out (LookupHints). */
export const lookupHints = (header: FanInHeader): LookupHints => ({
  fanOutSize: header.total,
  ...(header.policy?.maxRunning === undefined ? {} : { maxRunning: header.policy.maxRunning }),
  ...(header.policy?.childRetries ? { childRetries: header.policy.childRetries } : {}),
  ...(hasTolerance(header) ? { failFast: true } : {}),
});

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
  // Over the tolerance: no pending child starts any more (the completion cancels them).
  if (toleranceExceeded(header)) return;
  const maxRunning = header.policy?.maxRunning;
  const hints = lookupHints(header);
  let started = 0;
  let retryable = 0;
  // The pending index gives a page of PENDING children at a time.
  for (;;) {
    let pending = await deps.store.pendingChildren(parent, PENDING_PAGE);
    if (pending.length === 0) break;
    // maxRunning: a place each before its start; none free, the next end hands its own over.
    const places = maxRunning === undefined ? pending.length : await deps.store.takePlaces(parent, pending.length, maxRunning);
    if (places === 0) break;
    pending = pending.slice(0, places);
    let placesUsed = 0;
    const result = await startChildExecutions(deps, pending, {
      remainingTimeMs: deps.remainingTimeMs,
      maxConcurrency: header.maxConcurrency,
      onQuota: 'defer',
      onStarted: async (child, executionArn) => {
        const moved = await deps.store.markStarted(parent, child, executionArn, hints);
        if (moved) {
          placesUsed += 1;
          metrics.addMetric(Metric.FanOutChildrenStarted, MetricUnit.Count, 1);
          // A redriven child that SageMaker resumed (not started anew): one retry sent.
          if (child.retryOf === executionArn) await deps.store.countRetries(parent);
        }
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
        const counted = await recordChildEnd(deps, parent, child, 'Failed', `StartPipelineExecution refused: ${describeError(error)}`, {
          releasePlace: maxRunning !== undefined,
        });
        if (counted) placesUsed += 1;
      } else {
        logger.warn('child start failed, will retry', { parent, child: child.displayName, error: describeError(error) });
        retryable += 1;
      }
    }
    if (maxRunning !== undefined) await deps.store.givePlacesBack(parent, places - placesUsed);
    // Deferred (quota, time), failed, or maxRunning reached: the rest waits for the next end, resume or sweep.
    if (result.pending.length > 0 || result.failed.length > 0 || places < PENDING_PAGE) break;
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
  options: { childWritten?: boolean; startedOne?: boolean; releasePlace?: boolean; attempts?: number } = {},
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
export async function childEnded(
  deps: FanInDeps,
  found: ChildLookup,
  childExecutionArn: string,
  status: EndStatus,
  knownFailureReason?: string,
): Promise<boolean> {
  const parent = found.parentExecutionArn;
  // The status event carries no failure reason: read it (best effort) so the progress report can show it.
  const now = status === 'Failed' ? await describeBestEffort(deps.sageMaker, childExecutionArn) : undefined;
  const failureReason = now?.failureReason ?? knownFailureReason;
  if (status === 'Failed' && (found.childRetries ?? 0) > 0) {
    // An earlier attempt's failure, delivered after the execution was retried: its current attempt ends later.
    if (now?.status !== undefined && now.status !== 'Failed') return false;
    const retry = await retryFailedChild(deps, found, childExecutionArn);
    if (retry !== 'not retried') return false;
  }
  const child = { id: found.childId, displayName: found.displayName };
  const attempts = attemptsOf(found.record);
  // maxRunning (a place to hand over) or a tolerance (a failure may end the fan-out): count the end
  // first, and start the next child only when this call counted it, so a duplicate event starts none.
  if (found.maxRunning !== undefined || (status !== 'Succeeded' && found.failFast)) {
    const counted = await recordChildEnd(deps, parent, child, status, failureReason, { releasePlace: found.maxRunning !== undefined, attempts });
    const header = counted ? await deps.store.get(parent) : undefined;
    if (header?.state === 'RUNNING') await startPendingChildren(deps, header, { scheduleResume: false });
    return counted;
  }
  const ended = { record: found.record, status, ...(failureReason === undefined ? {} : { failureReason }) };
  const hints = found.childRetries === undefined ? {} : { childRetries: found.childRetries };
  const next = await handOffSlot(deps, parent, ended, childExecutionArn, found.fanOutSize, hints, (started, executionArn) =>
    afterStart(deps, parent, started, executionArn, false),
  );
  const counted = await recordChildEnd(deps, parent, child, status, failureReason, { childWritten: true, startedOne: next !== undefined });
  if (next) await afterStart(deps, parent, next.child, next.executionArn, true);
  return counted;
}

/**
 * childRetries: a failed child whose attempts are not used up is resumed from its failed step
 * (RetryPipelineExecution, same execution ARN). The attempt is counted on its lookup item first, by
 * one caller only, so a duplicate failure event retries nothing; the child keeps its place.
 */
async function retryFailedChild(deps: FanInDeps, found: ChildLookup, executionArn: string): Promise<'retried' | 'duplicate' | 'not retried'> {
  const attempts = attemptsOf(found.record);
  if (attempts > (found.childRetries ?? 0)) return 'not retried';
  if (!(await deps.store.bumpAttempts(executionArn, attempts))) return 'duplicate';
  try {
    await retryExecution(deps.sageMaker, executionArn, childRetryToken(executionArn, attempts + 1));
  } catch (error) {
    await deps.store.unbumpAttempts(executionArn, attempts);
    // The quota, throttling, an outage: the event is delivered again (then the sweep finds it failed).
    if (isQuotaError(error) || !(isRetryRefused(error) || isPermanentError(error))) throw error;
    logger.warn('child retry refused: counted as failed', { parent: found.parentExecutionArn, child: found.displayName, error: describeError(error) });
    return 'not retried';
  }
  await deps.store.countRetries(found.parentExecutionArn);
  metrics.addMetric(Metric.FanOutChildRetries, MetricUnit.Count, 1);
  logger.info('child retried from its failed step', { parent: found.parentExecutionArn, child: found.displayName, attempt: attempts + 1 });
  return 'retried';
}

/** DescribePipelineExecution of a failed child; undefined when it cannot be read (never fails the caller). */
async function describeBestEffort(sageMaker: SageMakerClient, executionArn: string): Promise<{ status?: string; failureReason?: string } | undefined> {
  try {
    return await describeExecution(sageMaker, executionArn);
  } catch (error) {
    logger.warn('could not read the failure reason of a failed child', { childExecutionArn: executionArn, error: describeError(error) });
    return undefined;
  }
}
