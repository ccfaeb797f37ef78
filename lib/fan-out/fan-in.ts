/**
 * The fan-in: a parent's CallbackStep starts the children (same core, same tokens as the LambdaStep
 * form) and waits; each child's end is counted once; the last end sends the callback exactly once.
 */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import pLimit from 'p-limit';
import { describeError, InvalidInputError, NotFoundError } from '../core/errors';
import { Metric } from '../core/metric-names';
import { logger, metrics, MetricUnit } from '../core/powertools';
import { parseStepInput } from '../lambda-step/define-step';
import type { FanInMessage } from './callback-message';
import { isEndStatus, type ChildRecord, type EndStatus, type FanInHeader, type FanInStore } from './fan-in-store';
import type { ChildStart } from './plan';
import { DEFAULT_MAX_CONCURRENCY, FanInArguments } from './request';
import { describeExecution, errorName, executionStatus, sendStepFailure, sendStepSuccess, startChildExecution, stopChildExecution } from './sagemaker';
import { CALLBACK_STEP_LIMIT, planCheckedFanOut, type ReadManifest } from './start-child-pipelines';
import { isQuotaError, startChildExecutions } from './start-children';
import { callbackRequestToken } from './tokens';

export interface FanInDeps {
  sageMaker: SageMakerClient;
  store: FanInStore;
  /** Reads a manifest (`itemsS3Uri`); the inputs can then name no manifest without it. */
  readManifest?: ReadManifest;
  /** Sends the fan-out's resume message to the queue, delayed, so pending children are retried later. */
  scheduleResume?: (parentExecutionArn: string) => Promise<void>;
  remainingTimeMs: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const MAX_FAILURE_REASON = 256;

/** Handles one queue message: a start, a Stopping notice, or a resume. */
export async function handleFanInMessage(deps: FanInDeps, message: FanInMessage): Promise<void> {
  if ('resumeFanOut' in message) return resumeFanOut(deps, message.resumeFanOut);
  if ('status' in message) return stopFanOut(deps, message.pipelineExecutionArn, message.token);
  return beginFanOut(deps, message.pipelineExecutionArn, message.token, message.arguments);
}

/**
 * Records the fan-out and its children (as PENDING), then starts what the quota allows. Input errors and
 * missing pipelines fail the parent's step at once (a retry could not fix them); other errors are thrown
 * so the message is retried.
 */
export async function beginFanOut(deps: FanInDeps, parent: string, callbackToken: string, args: Record<string, unknown>): Promise<void> {
  let plan: ChildStart[];
  let input: FanInArguments;
  try {
    input = parseStepInput(FanInArguments, args);
    plan = await planCheckedFanOut(deps, input, input.parentExecutionArn ?? parent, CALLBACK_STEP_LIMIT);
  } catch (error) {
    if (!(error instanceof InvalidInputError || error instanceof NotFoundError)) throw error;
    logger.warn('fan-out refused', { parent, error });
    await sendStepFailure(deps.sageMaker, callbackToken, error.message, callbackRequestToken(parent, callbackToken, 'failure'));
    return;
  }
  const fresh = await deps.store.create({
    parentExecutionArn: parent,
    callbackToken,
    total: plan.length,
    pendingCount: plan.length,
    failOnChildFailure: input.failOnChildFailure ?? true,
    maxConcurrency: input.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
  });
  let header = await deps.store.get(parent);
  // A Stopping message that came first recorded the fan-out (no children: total 0) and, its callback
  // failing, gave the state back to RUNNING for its retry: the parent is stopping, start nothing.
  if (header && header.total === 0 && header.state !== 'STOPPED') {
    logger.info('fan-out is being stopped: nothing to start', { parent, state: header.state });
    return;
  }
  if (header && header.callbackToken !== callbackToken) {
    // RetryPipelineExecution ran the CallbackStep again (same parent ARN, new token): answer the new token.
    if (header.state === 'STOPPED') {
      const reason = 'fan-out stopped earlier with the parent execution: its children were stopped or never started';
      await sendStepFailure(deps.sageMaker, callbackToken, reason, callbackRequestToken(parent, callbackToken, 'failure'));
      return;
    }
    await deps.store.renewCallbackToken(parent, callbackToken);
    header = await deps.store.get(parent);
  }
  if (header?.state !== 'RUNNING') {
    logger.info('fan-out no longer running: nothing to start', { parent, state: header?.state });
    return;
  }
  // A redelivered message finds its children recorded: one conditional put each would cost as much as recording them.
  if (!header.childrenRecorded) {
    await deps.store.putChildren(parent, plan, fresh);
    await deps.store.markChildrenRecorded(parent);
  }
  await startPendingChildren(deps, header, { scheduleResume: true });
}

/** The resume message: starts children still pending (the quota was full), and reschedules itself while some remain. */
export async function resumeFanOut(deps: FanInDeps, parent: string): Promise<void> {
  const header = await deps.store.get(parent);
  if (header?.state !== 'RUNNING') return;
  await startPendingChildren(deps, header, { scheduleResume: true });
}

/** StartPipelineExecution errors no retry can fix. */
const PERMANENT_START_ERRORS = new Set(['ValidationException', 'ResourceNotFound']);

/**
 * Send...StepSuccess/Failure errors no retry can fix: the token or its parent execution is gone (the
 * parent ended, or was retried with a new token, which renewCallbackToken answers). Retrying would
 * fail every event, resume and sweep of the fan-out until the parent's 672-hour limit.
 */
const isFinalCallbackError = (error: unknown) => PERMANENT_START_ERRORS.has(errorName(error) ?? '');

/**
 * Starts the fan-out's PENDING children, deferring on the quota. Only the queue path reschedules
 * (one resume chain per fan-out); the status path just uses the capacity a child's end freed.
 */
export async function startPendingChildren(
  deps: FanInDeps,
  header: FanInHeader,
  options: { scheduleResume: boolean; /** Children to start at most (a child's end frees one slot). */ slots?: number },
): Promise<void> {
  const parent = header.parentExecutionArn;
  // Every child ended but the callback was not sent: the send failed inside a start's onStarted, where
  // the error only counts as a child failure, so this retry (the resume message) must send it.
  if (header.state === 'RUNNING' && header.endedCount >= header.total) {
    await completeFanOut(deps, header);
    return;
  }
  let started = 0;
  let retryable = 0;
  // The pending index gives a page of PENDING children at a time; older fan-outs are read in full, once.
  for (let page = 0; ; page += 1) {
    const wanted = options.slots === undefined ? undefined : options.slots - started;
    if (wanted !== undefined && wanted <= 0) break;
    const pending = header.pendingIndexed
      ? await deps.store.pendingChildren(parent, wanted === undefined ? PENDING_PAGE : wanted + HANDOFF_SPARES)
      : page === 0
        ? (await deps.store.children(parent)).filter((c) => c.status === 'PENDING').sort((a, b) => a.id - b.id)
        : [];
    if (pending.length === 0) break;
    const result = await startChildExecutions(deps, pending, {
      remainingTimeMs: deps.remainingTimeMs,
      maxConcurrency: wanted === undefined ? header.maxConcurrency : Math.min(wanted, header.maxConcurrency),
      onQuota: 'defer',
      ...(wanted === undefined ? {} : { maxStarts: wanted }),
      onStarted: async (child, executionArn) => {
        const moved = await deps.store.markStarted(parent, child, executionArn, { withRecord: header.pendingIndexed === true, fanOutSize: header.total });
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
      if (PERMANENT_START_ERRORS.has(errorName(error) ?? '')) {
        logger.error('child refused by StartPipelineExecution', { parent, child: child.displayName, error: describeError(error) });
        await recordChildEnd(deps, parent, child, 'Failed', `StartPipelineExecution refused: ${describeError(error)}`);
      } else {
        logger.warn('child start failed, will retry', { parent, child: child.displayName, error: describeError(error) });
        retryable += 1;
      }
    }
    // Deferred (quota, time) or failed: the rest waits for the next end, resume or sweep.
    if (result.pending.length > 0 || result.failed.length > 0 || !header.pendingIndexed) break;
  }
  logger.info('started pending children', { parent, started, stillPending: retryable });
  if (retryable > 0 && options.scheduleResume) await deps.scheduleResume?.(parent);
}

/** PENDING children read a page at a time from the pending index by the queue's resume. */
const PENDING_PAGE = 100;
/** Candidates read beyond the slots a child's end frees, in case a concurrent end took the first. */
const HANDOFF_SPARES = 4;
/**
 * Pending children a child's end reads (one Query, whatever the number): it tries them from a place of
 * its own among them, so concurrent ends whose places fall in one run of started children still
 * rarely try the same child first.
 */
const HANDOFF_CANDIDATES = 16;

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
  const counted = await deps.store.recordEnd(parent, child, status, failureReason, options);
  if (counted) {
    metrics.addMetric(Metric.FanOutChildrenEnded, MetricUnit.Count, 1);
    // Stopped counts with Failed, as in the callback's `failed` output.
    if (status !== 'Succeeded') metrics.addMetric(Metric.FanOutChildrenFailed, MetricUnit.Count, 1);
  }
  const header = counted ?? (await deps.store.get(parent));
  if (!counted) logger.debug('child end already counted', { parent, child: child.displayName, status });
  // COMPLETING too: the claim itself refuses a live claim and takes over one a crashed invocation left.
  if (header && (header.state === 'RUNNING' || header.state === 'COMPLETING') && header.endedCount >= header.total) await completeFanOut(deps, header);
  return counted !== undefined;
}

/** The callback outputs: counts, and the failed children's display names as a JSON string when it fits 1024 characters. */
export function fanInOutputs(header: FanInHeader): Record<string, string> {
  const listed = failedNames(header);
  const names = JSON.stringify(listed);
  // The header names the first MAX_FAILED_LISTED failures only; the child items (fanOutProgress) hold them all.
  const fits = names.length <= 1024 && listed.length >= header.failed + header.stopped;
  return {
    total: String(header.total),
    succeeded: String(header.succeeded),
    failed: String(header.failed + header.stopped),
    stopped: String(header.stopped),
    failedChildren: fits ? names : '',
    failedChildrenTruncated: String(!fits),
  };
}

const failedNames = (header: FanInHeader) => header.failedChildren.map((entry) => entry.slice(entry.indexOf('|') + 1));

/**
 * A completion claim a crashed invocation left (COMPLETING, every child ended) once its lease expired:
 * sends the callback. False when there is none to take over (a live claim, or another state).
 */
export async function finishAbandonedCompletion(deps: FanInDeps, parent: string): Promise<boolean> {
  const header = await deps.store.get(parent);
  if (header?.state !== 'COMPLETING' || header.endedCount < header.total) return false;
  return completeFanOut(deps, header);
}

/** Claims the completion and sends the callback; false when another invocation holds the claim. */
async function completeFanOut(deps: FanInDeps, header: FanInHeader): Promise<boolean> {
  const parent = header.parentExecutionArn;
  if (!(await deps.store.claim(parent, 'COMPLETING', { allEnded: true }))) return false;
  try {
    const final = (await deps.store.get(parent)) ?? header;
    const notSucceeded = final.failed + final.stopped;
    if (notSucceeded > 0 && final.failOnChildFailure) {
      const reason = `${notSucceeded} of ${final.total} child executions failed or stopped: ${failedNames(final).join(', ')}`;
      await sendStepFailure(deps.sageMaker, final.callbackToken, reason, callbackRequestToken(parent, final.callbackToken, 'failure'));
    } else {
      await sendStepSuccess(deps.sageMaker, final.callbackToken, fanInOutputs(final), callbackRequestToken(parent, final.callbackToken, 'success'));
    }
    await deps.store.release(parent, 'COMPLETING', 'COMPLETED');
    logger.info('fan-in completed', { parent, total: final.total, succeeded: final.succeeded, failed: notSucceeded });
    return true;
  } catch (error) {
    if (isFinalCallbackError(error)) {
      logger.error('callback refused: the parent no longer waits for this token; fan-out closed', { parent, error: describeError(error) });
      await deps.store.release(parent, 'COMPLETING', 'COMPLETED');
      return true;
    }
    await deps.store.release(parent, 'COMPLETING', 'RUNNING');
    throw error;
  }
}

/** The parent is stopping: stop its running children, cancel the pending ones, and fail the step once. */
export async function stopFanOut(deps: FanInDeps, parent: string, callbackToken: string): Promise<void> {
  if (!(await deps.store.claim(parent, 'STOPPING', { createIfMissing: { callbackToken } }))) {
    logger.info('fan-out already completed or stopping', { parent });
    return;
  }
  try {
    const children = await deps.store.children(parent);
    const limit = pLimit(5);
    const stopped = await Promise.all(
      children
        .filter((c) => c.status === 'STARTED' && c.executionArn)
        .map((c) => limit(() => stopChildExecution(deps.sageMaker, c.executionArn ?? ''))),
    );
    let cancelled = 0;
    for (const c of children.filter((c) => c.status === 'PENDING')) {
      if (await deps.store.cancel(parent, c.id)) {
        cancelled += 1;
        continue;
      }
      // A concurrent start marked it STARTED after the read above: it is running, stop it too.
      const now = await deps.store.getChild(parent, c.id);
      if (now?.status === 'STARTED' && now.executionArn) stopped.push(await stopChildExecution(deps.sageMaker, now.executionArn));
    }
    const header = await deps.store.get(parent);
    const token = header?.callbackToken || callbackToken;
    const reason = `parent execution stopping: stopped ${stopped.filter(Boolean).length} running children, ${cancelled} never started`;
    try {
      await sendStepFailure(deps.sageMaker, token, reason, callbackRequestToken(parent, token, 'failure'));
    } catch (error) {
      if (!isFinalCallbackError(error)) throw error;
      logger.error('stop callback refused: the parent no longer waits for this token', { parent, error: describeError(error) });
    }
    await deps.store.release(parent, 'STOPPING', 'STOPPED');
  } catch (error) {
    await deps.store.release(parent, 'STOPPING', 'RUNNING');
    throw error;
  }
}

/**
 * A child's terminal status event: count it (if the child is ours) and hand the capacity it freed to
 * the next pending child. Started since the pending index, a child's end costs five DynamoDB requests
 * with the next start: the lookup, one Query of the index, one BatchWriteItem (the ended child's item,
 * the started child's lookup), the started child's move, and one header write counting both.
 */
export async function onChildExecutionEnd(deps: FanInDeps, childExecutionArn: string, status: EndStatus): Promise<'ignored' | 'recorded'> {
  const found = await deps.store.lookup(childExecutionArn);
  if (!found) return 'ignored';
  const parent = found.parentExecutionArn;
  const child = { id: found.childId, displayName: found.displayName };
  // The status event carries no failure reason: read it (best effort) so the progress report can show it.
  const failureReason = status === 'Failed' ? await failureReasonOf(deps.sageMaker, childExecutionArn) : undefined;
  if (!found.record) {
    // Started before the pending index (its lookup holds no record): the general path.
    await recordChildEnd(deps, parent, child, status, failureReason);
    const header = await deps.store.get(parent);
    if (header?.state === 'RUNNING' && header.pendingCount > 0) await startPendingChildren(deps, header, { scheduleResume: false, slots: 1 });
    return 'recorded';
  }
  const ended = { record: found.record, status, ...(failureReason === undefined ? {} : { failureReason }) };
  const next = await handOffSlot(deps, parent, ended, childExecutionArn, found.fanOutSize);
  await recordChildEnd(deps, parent, child, status, failureReason, { childWritten: true, startedOne: next !== undefined });
  if (next) await afterStart(deps, parent, next.child, next.executionArn, true);
  return 'recorded';
}

/** A small, stable hash of a text (FNV-1a): where a child's end starts among the candidates. */
function spread(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/**
 * Starts one pending child with the capacity an end freed, and writes the ended child's item (with
 * the started child's lookup, in one BatchWriteItem). Concurrent ends read the index from different
 * places (a hash of the ended execution over the fan-out's ids), so they rarely meet on a candidate;
 * one another end took is passed over. Children so start in no set order after the first wave. Undefined when none started (none pending, quota full,
 * an error the resume message or the sweep will meet again).
 */
async function handOffSlot(
  deps: FanInDeps,
  parent: string,
  ended: { record: ChildRecord; status: EndStatus; failureReason?: string },
  endedExecutionArn: string,
  fanOutSize: number | undefined,
): Promise<{ child: ChildStart; executionArn: string } | undefined> {
  // Concurrent ends look from different places among the children (a retried event from the same one).
  const from = fanOutSize ? spread(endedExecutionArn) % fanOutSize : 0;
  const found = await deps.store.pendingChildren(parent, HANDOFF_CANDIDATES, from);
  // Ends whose places fall in one run of started children read the same candidates: each tries them
  // from its own first one, so two rarely try the same child first.
  const first = found.length > 0 ? spread(`${endedExecutionArn}#candidate`) % found.length : 0;
  const candidates = [...found.slice(first), ...found.slice(0, first)];
  let endWritten = false;
  for (const candidate of candidates) {
    let executionArn: string;
    try {
      executionArn = await startChildExecution(deps.sageMaker, candidate);
    } catch (error) {
      // Quota taken by other executions, or an error: the child stays pending for the resume message or the sweep.
      if (!isQuotaError(error)) logger.warn('child start failed, left pending', { parent, child: candidate.displayName, error: describeError(error) });
      break;
    }
    const startedAt = new Date().toISOString();
    await deps.store.writeHandOff(parent, ended, { child: candidate, executionArn, startedAt, ...(fanOutSize === undefined ? {} : { fanOutSize }) });
    endWritten = true;
    if (await deps.store.moveToStarted(parent, candidate.id, executionArn, startedAt)) {
      metrics.addMetric(Metric.FanOutChildrenStarted, MetricUnit.Count, 1);
      return { child: candidate, executionArn };
    }
    // Another end took it (the same token returned the same execution), or Stopping cancelled it.
    await afterStart(deps, parent, candidate, executionArn, false);
  }
  if (!endWritten) await deps.store.writeHandOff(parent, ended);
  return undefined;
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
