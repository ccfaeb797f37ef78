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
  placeLimit,
  toleranceExceeded,
  type ChildLookup,
  type EndStatus,
  type FanInHeader,
  type Place,
} from './fan-in-state';
import type { ChildStart } from './plan';
import { describeExecution, errorName, executionStatus, isPermanentError, isRetryRefused, retryExecution, stopChildExecution } from './sagemaker';
import { handOffSlot } from './slot-hand-off';
import { isQuotaError, startChildExecutions } from './start-children';
import { PLACE_LEASE_MS } from './timing';
import { childRetryToken } from './tokens';

/** What a started child's lookup item carries of its fan-out (LookupHints). */
export const lookupHints = (header: FanInHeader): LookupHints => {
  const maxRunning = placeLimit(header);
  return {
    fanOutSize: header.total,
    ...(maxRunning === undefined ? {} : { maxRunning }),
    ...(header.policy?.childRetries ? { childRetries: header.policy.childRetries } : {}),
    ...(hasTolerance(header) ? { failFast: true } : {}),
  };
};

/** PENDING children read a page at a time from the pending index by the queue's resume. */
const PENDING_PAGE = 100;

/**
 * Starts the fan-out's PENDING children, deferring on the quota. Only the queue path reschedules
 * (one resume chain per fan-out) and, when a start error that might pass (throttling that outlasted
 * the client's retries, an outage) left it starting none, throws it, so that SQS delivers its message
 * again and the last delivery fails the parent's step: a chain of resume messages would retry forever.
 * The sweep and the end events just use the capacity that ends freed, and return the start error.
 */
export async function startPendingChildren(
  deps: FanInDeps,
  header: FanInHeader,
  options: { scheduleResume: boolean },
): Promise<{ started: number; startError?: { error: unknown } }> {
  const parent = header.parentExecutionArn;
  // Every child ended but the callback was not sent: the send failed inside a start's onStarted, where
  // the error only counts as a child failure, so this retry (the resume message) must send it.
  if (header.state === 'RUNNING' && header.endedCount >= header.total) {
    await completeFanOut(deps, header);
    return { started: 0 };
  }
  // Over the tolerance: no pending child starts any more (the completion cancels them).
  if (toleranceExceeded(header)) return { started: 0 };
  const maxRunning = placeLimit(header);
  const hints = lookupHints(header);
  let started = 0;
  let retryable = 0;
  let startError: { error: unknown } | undefined;
  let places = header.places;
  // Children this call already tried: a page of them again (an index that lags) ends the loop.
  const tried = new Set<number>();
  // The pending index gives a page of PENDING children at a time.
  for (;;) {
    const page = (await deps.store.pendingChildren(parent, PENDING_PAGE)).filter((c) => !tried.has(c.id));
    if (page.length === 0) break;
    let pending = page;
    // The places this round took, by child id (their take times).
    let taken = new Map<number, number>();
    if (maxRunning !== undefined) {
      taken = await withPlaces(deps, parent, page, places, maxRunning);
      pending = page.filter((c) => taken.has(c.id));
      // Read again when needed: the places this round took, or freed, are not in the header read.
      places = undefined;
      if (pending.length === 0) break;
    }
    for (const child of pending) tried.add(child.id);
    // Children that ended while their start was being recorded: their places are free again.
    let endedAtStart = 0;
    const result = await startChildExecutions(deps, pending, {
      remainingTimeMs: deps.remainingTimeMs,
      maxConcurrency: header.maxConcurrency,
      onQuota: 'defer',
      onStarted: async (child, executionArn) => {
        const moved = await deps.store.markStarted(parent, child, executionArn, hints);
        if (moved) {
          metrics.addMetric(Metric.FanOutChildrenStarted, MetricUnit.Count, 1);
          // A redriven child that SageMaker resumed (not started anew): one retry sent.
          if (child.retryOf === executionArn) await deps.store.countRetries(parent);
        }
        if (await afterStart(deps, parent, child, executionArn, { moved, releasePlace: maxRunning !== undefined })) endedAtStart += 1;
        return moved;
      },
    });
    started += result.started.filter((s) => s.moved !== false).length;
    retryable += result.pending.length;
    // Refused for the quota or not tried: not started, so their places go back for the next call (a
    // resume) to take; a start that failed otherwise keeps its place (it may have started).
    for (const child of result.pending) {
      const takenAt = taken.get(child.id);
      if (takenAt !== undefined) await deps.store.givePlaceBack(parent, child.id, takenAt);
    }
    for (const { child, error } of result.failed) {
      // The API refused this request, or its pipeline is gone: retrying cannot help (a resume message
      // every minute until the parent's 672-hour limit), so it counts as a failed child.
      if (isPermanentError(error)) {
        logger.error('child refused by StartPipelineExecution', { parent, child: child.displayName, error: describeError(error) });
        await recordChildEnd(deps, parent, child, 'Failed', `StartPipelineExecution refused: ${describeError(error)}`, {
          releasePlace: maxRunning !== undefined,
        });
      } else {
        // Started or not (a timeout, or its record failed after the start): it keeps its place, and a
        // call after PLACE_LEASE_MS starts it again with the same token (the same execution if it had started).
        logger.warn('child start failed, will retry', { parent, child: child.displayName, error: describeError(error) });
        retryable += 1;
        startError ??= { error };
      }
    }
    // Deferred (quota, time), failed, maxRunning reached, or the last page: the rest waits for the next
    // end, resume or sweep. Children that ended during their start freed places for another round.
    const more = (pending.length === page.length && page.length === PENDING_PAGE) || endedAtStart > 0;
    if (result.pending.length > 0 || result.failed.length > 0 || !more) break;
  }
  logger.info('started pending children', { parent, started, stillPending: retryable });
  if (started > 0 && header.sweepStartFailures !== undefined) await deps.store.clearSweepStartFailures(parent);
  // No progress at all: thrown for SQS to count (a round that started some reschedules, as for the quota).
  if (startError && started === 0 && options.scheduleResume) throw startError.error;
  if (retryable > 0 && options.scheduleResume) await deps.scheduleResume?.(parent);
  return { started, ...(startError ? { startError } : {}) };
}

/**
 * The places taken for children of `page` (id -> take time) under maxRunning: as many as are free (one
 * conditional write each), and those whose place was taken longer than PLACE_LEASE_MS ago by a call
 * that died or whose start failed (taken over by one caller; starting them again is idempotent by
 * their token). A place is freed by the write that counts its child's end, or given back by the call
 * that took it when the start was refused for the quota or not tried (conditional on its take time);
 * never for a start whose outcome is unknown. So however calls interleave, crash or repeat a write, no
 * more than `maxRunning` children can be running: each holds its place from before its start until
 * after its end.
 */
async function withPlaces(
  deps: FanInDeps,
  parent: string,
  page: readonly ChildStart[],
  known: readonly Place[] | undefined,
  maxRunning: number,
): Promise<Map<number, number>> {
  let held = new Map((known ?? []).map((p) => [p.id, p]));
  // As the caller's header read them just before (when it did): no write is tried while every place is held.
  let full = held.size >= maxRunning;
  const taken = new Map<number, number>();
  const expired = (place: Place) => place.takenAt <= deps.store.now() - PLACE_LEASE_MS;
  for (const child of page) {
    let place = held.get(child.id);
    if (place === undefined && !full) {
      const takenAt = await deps.store.takePlace(parent, child.id, maxRunning);
      if (takenAt !== undefined) {
        taken.set(child.id, takenAt);
        continue;
      }
      // Refused: the places are all held, or another call took this child's (read which).
      held = new Map(((await deps.store.get(parent))?.places ?? []).map((p) => [p.id, p]));
      place = held.get(child.id);
      full = place === undefined || held.size >= maxRunning;
    }
    // Held by a call that may still be starting it: only an expired place is taken over.
    const takenOverAt = place !== undefined && expired(place) ? await deps.store.takeOverPlace(parent, place) : undefined;
    if (takenOverAt !== undefined) taken.set(child.id, takenOverAt);
  }
  return taken;
}

/**
 * After a start: a child the Stopping message cancelled while its start was in flight is stopped; a
 * child whose end event came before its lookup item existed (a crash, a redelivery) is counted now.
 * True when this call counted an end.
 */
async function afterStart(
  deps: FanInDeps,
  parent: string,
  child: ChildStart,
  executionArn: string,
  options: { moved: boolean; releasePlace?: boolean },
): Promise<boolean> {
  if (!options.moved && (await deps.store.getChild(parent, child.id))?.status === 'CANCELLED') {
    await stopChildExecution(deps.sageMaker, executionArn);
    return false;
  }
  // Not found, moments after its start returned it: a lagging read, not a failed child (the sweep checks later).
  const status = await executionStatus(deps.sageMaker, executionArn).catch((error: unknown) => {
    if (errorName(error) === 'ResourceNotFound') return undefined;
    throw error;
  });
  // Under maxRunning its place is freed with the count (whichever call took it).
  return isEndStatus(status) && (await recordChildEnd(deps, parent, child, status, undefined, { releasePlace: options.releasePlace === true }));
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
  const next = await handOffSlot(deps, parent, ended, childExecutionArn, found.fanOutSize, hints, async (started, executionArn) => {
    await afterStart(deps, parent, started, executionArn, { moved: false });
  });
  const counted = await recordChildEnd(deps, parent, child, status, failureReason, { childWritten: true, startedOne: next !== undefined });
  if (next) await afterStart(deps, parent, next.child, next.executionArn, { moved: true });
  return counted;
}

/**
 * childRetries: a failed child whose attempts are not used up is resumed from its failed step
 * (RetryPipelineExecution, same execution ARN). The attempt is counted on its lookup item first, by
 * one caller only, so a duplicate failure event retries nothing; the child keeps its place.
 */
async function retryFailedChild(deps: FanInDeps, found: ChildLookup, executionArn: string): Promise<'retried' | 'duplicate' | 'not retried'> {
  const attempts = attemptsOf(found.record);
  if (attempts > (found.childRetries ?? 0)) return (await lastRetrySent(deps, found, executionArn, attempts)) ? 'not retried' : 'duplicate';
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

/**
 * The attempts are used up, but the last one may not have begun: another call counted it and had not
 * yet sent its RetryPipelineExecution when this (duplicate) failure event read the execution, or that
 * call crashed in between. Counting the child as failed then would free its place while the retry
 * runs. So the last retry is sent again with its token ("an idempotent operation completes no more
 * than once": https://docs.aws.amazon.com/sdkfornet/v3/apidocs/items/SageMaker/TRetryPipelineExecutionRequest.html,
 * so a no-op when it had landed) and the execution read again: true when it is still Failed, so the
 * last attempt did fail.
 */
async function lastRetrySent(deps: FanInDeps, found: ChildLookup, executionArn: string, attempts: number): Promise<boolean> {
  if (attempts < 2) return true;
  try {
    await retryExecution(deps.sageMaker, executionArn, childRetryToken(executionArn, attempts));
  } catch (error) {
    // Refused in its status (it runs, or ended otherwise): read below. The quota or an outage: the event comes again.
    if (isQuotaError(error) || !(isRetryRefused(error) || isPermanentError(error))) throw error;
  }
  const now = await describeExecution(deps.sageMaker, executionArn);
  if (now.status === 'Failed') return true;
  logger.info('failure event of an attempt already retried', { parent: found.parentExecutionArn, child: found.displayName, attempt: attempts, status: now.status });
  return false;
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
