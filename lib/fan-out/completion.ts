/**
 * The complete transition: once every child ended, one invocation claims the completion and sends the
 * parent's callback (exactly once); a claim a crashed invocation left is taken over after its lease.
 */
import { describeError } from '../core/errors';
import { logger } from '../core/powertools';
import { completionCallback, type StepCallback } from './callback-outputs';
import type { FanInDeps } from './fan-in-deps';
import { abandonedClaimsBefore, type FanInHeader } from './fan-in-state';
import { isPermanentError, sendStepFailure, sendStepSuccess } from './sagemaker';
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
  if (header?.state !== 'COMPLETING' || header.endedCount < header.total) return false;
  return completeFanOut(deps, header);
}

/** Claims the completion and sends the callback; false when another invocation holds the claim. */
export async function completeFanOut(deps: FanInDeps, header: FanInHeader): Promise<boolean> {
  const parent = header.parentExecutionArn;
  if (!(await claimFanOut(deps, parent, 'COMPLETING', { allEnded: true }))) return false;
  try {
    const final = (await deps.store.get(parent)) ?? header;
    await sendCallback(deps, parent, final.callbackToken, completionCallback(final));
    await deps.store.release(parent, 'COMPLETING', 'COMPLETED');
    logger.info('fan-in completed', { parent, total: final.total, succeeded: final.succeeded, failed: final.failed + final.stopped });
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
