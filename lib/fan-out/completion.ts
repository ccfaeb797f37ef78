/**
 * The complete transition: once every child ended, one invocation claims the completion and sends the
 * parent's callback (exactly once); a claim a crashed invocation left is taken over after its lease.
 */
import { describeError } from '../core/errors';
import { logger } from '../core/powertools';
import { completionCallback, type StepCallback } from './callback-outputs';
import type { FanInDeps } from './fan-in-deps';
import pLimit from 'p-limit';
import { abandonedClaimsBefore, toleranceExceeded, type FanInHeader } from './fan-in-state';
import { resultsObjectUri } from './results';
import { isPermanentS3WriteError } from './results-s3';
import { isPermanentError, sendStepFailure, sendStepSuccess, stopChildExecution } from './sagemaker';
import { callbackRequestToken } from './tokens';

/**
 * Send...StepSuccess/Failure errors no retry can fix: the token or its parent execution is gone (the
 * parent ended, or was retried with a new token, which renewCallbackToken answers). Retrying would
 * fail every event, resume and sweep of the fan-out until the parent's 672-hour limit.
 */
export const isFinalCallbackError = isPermanentError;

/** Sends the parent step's callback to `callbackToken`, idempotent by a token of the parent, the callback token and the outcome. */
export async function sendCallback(deps: Pick<FanInDeps, 'sageMaker'>, parent: string, callbackToken: string, callback: StepCallback): Promise<void> {
  const requestToken = callbackRequestToken(parent, callbackToken, callback.outcome);
  if (callback.outcome === 'success') await sendStepSuccess(deps.sageMaker, callbackToken, callback.outputs, requestToken);
  else await sendStepFailure(deps.sageMaker, callbackToken, callback.reason, requestToken);
}

/** Claims the fan-out for `to` (COMPLETING, STOPPING), taking over a claim older than its lease; true for exactly one caller. */
export function claimFanOut(
  deps: Pick<FanInDeps, 'store'>,
  parent: string,
  to: 'COMPLETING' | 'STOPPING',
  options: { allEnded?: boolean; createIfMissing?: { callbackToken: string } } = {},
): Promise<boolean> {
  return deps.store.claim(parent, to, { ...options, abandonedBefore: abandonedClaimsBefore(deps.store.now()) });
}

/**
 * A completion claim a crashed invocation left (COMPLETING, every child ended) once its lease expired:
 * sends the callback. False when there is none to take over (a live claim, or another state).
 */
export async function finishAbandonedCompletion(deps: FanInDeps, parent: string): Promise<boolean> {
  const header = await deps.store.get(parent);
  // Every child ended, or (a tolerance exceeded) the fan-out ended before them.
  if (header?.state !== 'COMPLETING' || (header.endedCount < header.total && !toleranceExceeded(header))) return false;
  return completeFanOut(deps, header);
}

/** Claims the completion and sends the callback; false when another invocation holds the claim. */
export async function completeFanOut(deps: FanInDeps, header: FanInHeader): Promise<boolean> {
  const parent = header.parentExecutionArn;
  // Over the tolerance, the fan-out ends before its children do (the counts only grow, so it stays over).
  if (!(await claimFanOut(deps, parent, 'COMPLETING', { allEnded: !toleranceExceeded(header) }))) return false;
  await underClaim(deps, parent, async () => {
    const final = (await deps.store.get(parent)) ?? header;
    if (toleranceExceeded(final)) await endEarly(deps, final);
    let callback: StepCallback;
    try {
      callback = completionCallback(final, await writeResults(deps, final));
    } catch (error) {
      if (!isPermanentS3WriteError(error)) throw error;
      callback = { outcome: 'failure', reason: `resultsS3Uri: ${final.policy?.resultsS3Uri ?? ''} cannot be written (${describeError(error)})` };
    }
    await sendCallback(deps, parent, final.callbackToken, callback);
    logger.info('fan-in completed', { parent, total: final.total, succeeded: final.succeeded, failed: final.failed + final.stopped });
  });
  return true;
}

/**
 * Runs `close` (which ends with the parent's callback) under the COMPLETING claim this call holds, then
 * ends the claim: COMPLETED, also when SageMaker no longer takes the token (the step needs no answer);
 * given back (RUNNING) and thrown on any other error, so a retry closes it.
 */
async function underClaim(deps: FanInDeps, parent: string, close: () => Promise<void>): Promise<void> {
  try {
    await close();
    await deps.store.release(parent, 'COMPLETING', 'COMPLETED');
  } catch (error) {
    if (!isFinalCallbackError(error)) {
      await deps.store.release(parent, 'COMPLETING', 'RUNNING');
      throw error;
    }
    logger.error('callback refused: the parent no longer waits for this token; fan-out closed', { parent, error: describeError(error) });
    await deps.store.release(parent, 'COMPLETING', 'COMPLETED');
  }
}

/**
 * The tolerance is exceeded: no pending child starts any more (each is cancelled), and with
 * `stopOnFailure` the running ones are stopped; without it they run on and their ends are still counted.
 */
async function endEarly(deps: FanInDeps, header: FanInHeader): Promise<void> {
  const parent = header.parentExecutionArn;
  const cancelled = await cancelPending(deps, parent);
  let stopped = 0;
  if (header.policy?.stopOnFailure) {
    const running = (await deps.store.children(parent)).filter((c) => c.status === 'STARTED' && c.executionArn);
    const limit = pLimit(5);
    stopped = (await Promise.all(running.map((c) => limit(() => stopChildExecution(deps.sageMaker, c.executionArn ?? ''))))).filter(Boolean).length;
  }
  logger.warn('tolerated failures exceeded: fan-out ended early', { parent, failed: header.failed, stopped: header.stopped, cancelled, childrenStopped: stopped });
}

/** Cancels every PENDING child (a retried parent redrives them); how many this call cancelled. */
async function cancelPending(deps: FanInDeps, parent: string): Promise<number> {
  let cancelled = 0;
  for (;;) {
    const pending = await deps.store.pendingChildren(parent, 100);
    let moved = 0;
    for (const child of pending) if (await deps.store.cancel(parent, child.id)) moved += 1;
    cancelled += moved;
    if (pending.length === 0 || moved === 0) return cancelled;
  }
}

/**
 * The fan-out's message is about to be dead-lettered: the fan-out is closed (no pending child starts
 * any more; running ones run on, uncounted by this step) and its step fails once with `callback`.
 * False when it is not this call's to close (not RUNNING, or claimed by another invocation).
 */
export async function abandonFanOut(deps: FanInDeps, header: FanInHeader, callback: StepCallback): Promise<boolean> {
  const parent = header.parentExecutionArn;
  if (!(await claimFanOut(deps, parent, 'COMPLETING'))) return false;
  await underClaim(deps, parent, async () => {
    const cancelled = await cancelPending(deps, parent);
    await sendCallback(deps, parent, header.callbackToken, callback);
    logger.warn('fan-out abandoned: its message was dead-lettered', { parent, cancelled });
  });
  return true;
}

/** Writes the results object once for the current token (when `resultsS3Uri` was given); its URI, or "" when not asked. */
async function writeResults(deps: FanInDeps, header: FanInHeader): Promise<string> {
  const base = header.policy?.resultsS3Uri;
  if (base === undefined) return '';
  if (header.resultsObject !== undefined) return header.resultsObject;
  if (!deps.writeResults) throw new Error('resultsS3Uri given, but this function has no S3 writer');
  const uri = resultsObjectUri(base, header.parentExecutionArn, header.callbackToken);
  await deps.writeResults(uri, await deps.store.children(header.parentExecutionArn));
  await deps.store.setResultsObject(header.parentExecutionArn, uri);
  return uri;
}
